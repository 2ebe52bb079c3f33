"""Segments: one row per store (region, touchpoint, …) with value, interval, n, the shrunk
estimate that ranks it, and the stored change flags; sortable; CSV of the same."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from analysis import charts
from analysis.forms import SEGMENT_KIND_CHOICES, SegmentFilters, default_order
from analysis.measures import METRICS
from analysis.selectors.dashboards import SegmentTable, method_note, segment_table
from analysis.views.common import csv_refusal, dashboard, not_ready
from cxm.csvsafe import safe_cell
from cxm.methods import allow_methods


def _table(request: HttpRequest) -> tuple[Any, SegmentTable | None]:
    page = dashboard(request, SegmentFilters)
    if page.where is None or page.run is None:
        return page, None
    data = page.form.cleaned_data
    # The form filled in the defaults, and the page is built only when it is valid.
    table = segment_table(
        page.run,
        page.where,
        kind=data["kind"],
        metric=data["metric"],
        sort=data["sort"],
        descending=data["order"] == "desc",
    )
    return page, table


def _figure(table: SegmentTable) -> dict[str, Any]:
    unit = METRICS[table.metric].unit
    ranked = sorted(table.rows, key=lambda r: (r.rank is None, r.rank or 0))
    return charts.intervals(
        labels=[r.label for r in ranked],
        values=[r.value.display for r in ranked],
        lows=[r.value.display_low for r in ranked],
        highs=[r.value.display_high for r in ranked],
        shrunk=[r.shrunk for r in ranked],
        ns=[r.value.n for r in ranked],
        x_title=str(METRICS[table.metric].label) + (" (%)" if unit == "share" else ""),
        n_label="n",
        interval_label=_("Interval (95%)"),
        shrunk_label=_("Shrunk estimate (ranks)"),
        value_format=".2f" if unit == "mean" else ".1f",
    )


@allow_methods("GET")
@login_required
def segments_page(request: HttpRequest) -> HttpResponse:
    page, table = _table(request)
    if table is None:
        return not_ready(request, "analysis/segments.html", page, "segments")
    kind_label = dict(SEGMENT_KIND_CHOICES)[table.kind]
    note = method_note(
        table.metric,
        table.overall.n,
        extra=[
            _(
                "Ranks use empirical-Bayes shrinkage toward the overall mean: a segment with "
                "few answers is pulled most of the way, one with many barely moves, so a "
                "small lucky store neither tops nor bottoms the table."
            ),
            _(
                "Change flags compare the latest complete week or month with the one before "
                "(all data, not the filter), tested per metric with Benjamini-Hochberg at "
                "q = 0.05 across segments; segments with fewer than 30 answers are not tested."
            ),
        ],
    )
    context = page.context(
        "segments",
        table=table,
        kind_label=kind_label,
        metric_info=METRICS[table.metric],
        method=note,
        figure=_figure(table),
        export_url=reverse("analysis:segments-csv") + "?" + urlencode(page.form.query()),
        sort_links=_sort_links(page.form.query()),
    )
    return render(request, "analysis/segments.html", context)


def _sort_links(query: dict[str, str]) -> dict[str, str]:
    """Each column's link: sort by it, or flip the order when it is the current sort."""
    current = query.get("sort", SegmentFilters.DEFAULTS["sort"])
    links = {}
    for column in ("label", "n", "value", "rank"):
        params = {k: v for k, v in query.items() if k not in ("sort", "order")}
        params["sort"] = column
        if column == current:
            now = query.get("order", default_order(column))
            params["order"] = "desc" if now == "asc" else "asc"
        links[column] = "?" + urlencode(params)
    return links


CSV_HEADER = [
    "segment_kind",
    "segment_key",
    "segment",
    "metric",
    "n",
    "value",
    "low",
    "high",
    "shrunk",
    "rank",
    "month_difference",
    "month_q_value",
    "month_significant_drop",
    "method",
]


@allow_methods("GET")
@login_required
def segments_csv(request: HttpRequest) -> HttpResponse:
    page, table = _table(request)
    if table is None:
        return csv_refusal(request, page, "segments")
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 only with a BOM
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)

    def number(x: float | None) -> str:
        return "" if x is None else f"{x:.4f}"

    for row in table.rows:
        change = row.month_change
        writer.writerow(
            [
                table.kind,
                safe_cell(row.key),
                safe_cell(row.label),
                table.metric,
                row.value.n,
                number(row.value.display),
                number(row.value.display_low),
                number(row.value.display_high),
                number(row.shrunk),
                row.rank or "",
                number(change.difference) if change else "",
                number(change.q_value) if change else "",
                change.significant_drop if change else "",
                row.value.method,
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"segments-{table.kind}-{table.metric}-{timezone.localtime():%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns: list[URLPattern] = [
    path("segments/", segments_page, name="segments"),
    path("segments/csv", segments_csv, name="segments-csv"),
]
