"""The overview: score tiles, the trend of one metric with its interval band, and the
touchpoint x period heatmap, each with a table of the same numbers; CSV of the same."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from analysis import charts
from analysis.forms import OverviewFilters
from analysis.measures import METRICS
from analysis.selectors.dashboards import Overview, method_note, overview, responses_since
from analysis.selectors.runs import RUN_PERMISSION
from analysis.services.changes import MIN_N
from analysis.views.common import csv_refusal, dashboard, not_ready
from cxm.csvsafe import safe_cell
from cxm.methods import allow_methods


def _choices(form: OverviewFilters) -> tuple[str, str]:
    """The metric and period the page shows: the form fills in its defaults, so these are
    also what the filter bar's selects show."""
    data = form.cleaned_data if not form.errors else {}
    defaults = OverviewFilters.DEFAULTS
    return data.get("metric") or defaults["metric"], data.get("period") or defaults["period"]


def _label(start: date, period: str) -> str:
    """Axis labels: a month as 2025-08, a day or week by its (first) day."""
    return start.strftime("%Y-%m") if period == "month" else start.isoformat()


def _figures(data: Overview) -> dict[str, Any]:
    unit = METRICS[data.metric].unit
    fmt = ".2f" if unit == "mean" else ".1f"
    label = str(METRICS[data.metric].label) + (" (%)" if unit == "share" else "")
    x = [_label(start, data.period) for start, _v in data.trend]
    x_format = "%Y-%m" if data.period == "month" else "%Y-%m-%d"
    trend = charts.trend(
        x=x,
        values=[v.display for _s, v in data.trend],
        lows=[v.display_low for _s, v in data.trend],
        highs=[v.display_high for _s, v in data.trend],
        ns=[v.n for _s, v in data.trend],
        y_title=label,
        n_label="n",
        interval_label=_("Interval (95%)"),
        value_format=fmt,
        min_n=MIN_N,
        line_label=_("At least %(n)s answers") % {"n": MIN_N},
        sparse_label=_("Fewer than %(n)s answers: not joined to the line") % {"n": MIN_N},
        x_format=x_format,
        y_range=METRICS[data.metric].axis,
    )
    heat = charts.heatmap(
        x=[_label(start, data.period) for start in data.heat_periods],
        y=data.touchpoints,
        z=[[v.display for v in row] for row in data.heat],
        ns=[[v.n for v in row] for row in data.heat],
        lows=[[v.display_low for v in row] for row in data.heat],
        highs=[[v.display_high for v in row] for row in data.heat],
        n_label="n",
        interval_label=_("Interval (95%)"),
        value_format=fmt,
        x_format=x_format,
        z_range=METRICS[data.metric].axis,
    )
    return {"trend_figure": trend, "heat_figure": heat}


@allow_methods("GET")
@login_required
def overview_page(request: HttpRequest) -> HttpResponse:
    page = dashboard(request, OverviewFilters)
    if page.where is None or page.run is None:
        return not_ready(request, "analysis/overview.html", page, "overview")
    metric, period = _choices(page.form)  # type: ignore[arg-type]
    data = overview(page.run, page.where, metric=metric, period=period)
    context = page.context(
        "overview",
        data=data,
        metric_info=METRICS[metric],
        method=method_note(metric, sum(v.n for _s, v in data.trend)),
        min_n=MIN_N,
        sparse_periods=sum(1 for _s, v in data.trend if charts.is_sparse(v.n, MIN_N)),
        has_trend=charts.has_points([v.display for _s, v in data.trend]),
        waiting=responses_since(page.run, page.where),
        can_run=request.user.has_perm(RUN_PERMISSION),
        export_url=reverse("analysis:overview-csv") + "?" + urlencode(page.form.query()),
        **_figures(data),
    )
    return render(request, "analysis/overview.html", context)


CSV_HEADER = ["touchpoint", "period_start", "metric", "value", "low", "high", "n", "method"]


@allow_methods("GET")
@login_required
def overview_csv(request: HttpRequest) -> HttpResponse:
    """The trend (touchpoint "all") and heatmap cells of the chosen metric, as on the page."""
    page = dashboard(request, OverviewFilters)
    if page.where is None or page.run is None:
        return csv_refusal(request, page, "overview")
    metric, period = _choices(page.form)  # type: ignore[arg-type]
    data = overview(page.run, page.where, metric=metric, period=period)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 only with a BOM
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for start, value in data.trend:
        writer.writerow(_row("all", start.isoformat(), value))
    for name, row in zip(data.touchpoints, data.heat, strict=True):
        for start, value in zip(data.heat_periods, row, strict=True):
            writer.writerow(_row(safe_cell(name), start.isoformat(), value))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"overview-{metric}-{period}-{timezone.localtime():%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _row(touchpoint: str, start: str, value: Any) -> list[Any]:
    def number(x: float | None) -> str:
        return "" if x is None else f"{x:.4f}"

    return [
        touchpoint,
        start,
        value.metric,
        number(value.display),
        number(value.display_low),
        number(value.display_high),
        value.n,
        value.method,
    ]


urlpatterns: list[URLPattern] = [
    path("", overview_page, name="overview"),
    path("csv", overview_csv, name="overview-csv"),
]
