"""The insight pages: drivers, the say-do gap, value x experience and text themes.

Each page parses the shared filter bar (plus one choice of its own), reads the latest finished
run's facts through `analysis.selectors.insights`, and shows every chart with a table of the
same numbers, a "how this is computed" note and a CSV export of what it shows.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analysis import charts, stats
from analysis.forms import DashboardFilters
from analysis.models.insights import ValuePoint
from analysis.selectors import insights as reads
from analysis.views.common import Dashboard, csv_refusal, dashboard, not_ready
from cxm.csvsafe import safe_cell
from cxm.methods import allow_methods
from odata.selectors import contact_cost

NUMBER = re.compile(r"-?\d+(\.\d+)?")

# -- Forms: the shared filter bar plus each page's own choice ---------------------------------


class DriversFilters(DashboardFilters):
    measure = forms.ChoiceField(
        label=gettext_lazy("Score"),
        choices=[("", gettext_lazy("Most answers"))]
        + [(key, m.label) for key, m in reads.MEASURES.items()],
        required=False,
    )
    FILTER_FIELDS = (*DashboardFilters.FILTER_FIELDS, "measure")


class SayDoFilters(DashboardFilters):
    by = forms.ChoiceField(
        label=gettext_lazy("Compare by"), choices=list(reads.SEGMENT_BY.items()), required=False
    )
    FILTER_FIELDS = (*DashboardFilters.FILTER_FIELDS, "by")


class ValueFilters(DashboardFilters):
    quadrant = forms.ChoiceField(
        label=gettext_lazy("List"), choices=list(reads.QUADRANTS.items()), required=False
    )
    FILTER_FIELDS = (*DashboardFilters.FILTER_FIELDS, "quadrant")


class ThemeFilters(DashboardFilters):
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=[("", gettext_lazy("Korean and English")), ("ko", "한국어"), ("en", "English")],
        required=False,
    )
    FILTER_FIELDS = (*DashboardFilters.FILTER_FIELDS, "language")


# -- Shared helpers --------------------------------------------------------------------------


def _number(value: float | None, digits: int = 2) -> str:
    return "" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _export_url(name: str, page: Dashboard) -> str:
    return reverse(name) + "?" + urlencode(page.form.query())


def _cell(value: Any) -> Any:
    """Numbers this page computed stay numbers (a negative one is not a formula); every other
    cell (names, labels, comments) goes through the formula guard."""
    if isinstance(value, int | float | Decimal) or (
        isinstance(value, str) and NUMBER.fullmatch(value)
    ):
        return value
    return safe_cell(value)


def _csv(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 only with a BOM
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(cell) for cell in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = f"{timezone.localtime():%Y%m%d-%H%M}"
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


def _estimate_cells(value: stats.Estimate, digits: int = 2) -> list[str | int]:
    return [
        _number(value.value, digits),
        _number(value.low, digits),
        _number(value.high, digits),
        value.n,
    ]


def _method(
    label: str, n: int, interval: str, scale: str = "", extra: Sequence[str] = ()
) -> dict[str, Any]:
    return {"label": label, "n": n, "interval": interval, "scale": scale, "extra": list(extra)}


def _gap(high: float | None, low: float | None) -> float | None:
    """An error bar's length, None where either end is missing or not finite."""
    if high is None or low is None or not (math.isfinite(high) and math.isfinite(low)):
        return None
    return high - low


def _point_figure(
    labels: Sequence[str],
    values: Sequence[stats.Estimate],
    *,
    title: str,
    horizontal: bool = False,
    zero_line: bool = False,
    value_range: tuple[float, float] | None = None,
) -> dict[str, Any] | None:
    """Points with their 95 % intervals as error bars; hover shows the interval and n. The
    value axis spans `value_range` (a score's scale) when given. None when no point has a
    value: the page says there is no data instead of drawing empty axes."""
    v = [reads.finite(e.value) for e in values]
    if not charts.has_points(v):
        return None
    plus = [_gap(e.high, x) for x, e in zip(v, values, strict=True)]
    minus = [_gap(x, e.low) for x, e in zip(v, values, strict=True)]
    custom = [[e.n, reads.finite(e.low), reads.finite(e.high)] for e in values]
    # Labels and the title are wrapped for a phone's width; the margins grow to fit them.
    labels = [charts.wrap(label) for label in labels]
    axis = "x" if horizontal else "y"
    other = "y" if horizontal else "x"
    hover = (
        f"%{{{other}}}<br>%{{{axis}:.2f}}<br>{_('Interval (95%)')}: "
        f"%{{customdata[1]:.2f}} \u2013 %{{customdata[2]:.2f}}"
        "<br>n = %{customdata[0]:,}<extra></extra>"
    )
    trace: dict[str, Any] = {
        "type": "scatter",
        "mode": "markers" if horizontal else "lines+markers",
        axis: v,
        other: list(labels),
        f"error_{axis}": {
            "type": "data", "array": plus, "arrayminus": minus, "color": charts.BRAND,
            "thickness": 1.5, "width": 4,
        },
        "marker": {"color": charts.BRAND, "size": 9},
        "line": {"color": charts.BRAND, "width": 2},
        "customdata": custom,
        "hovertemplate": hover,
    }  # fmt: skip
    value_axis: dict[str, Any] = {
        "title": {"text": charts.wrap(title, charts.TITLE_WIDTH)},
        "automargin": True,
        "nticks": 6,
    }
    if zero_line:
        value_axis.update(zeroline=True, zerolinecolor=charts.MUTED, zerolinewidth=1)
    if value_range is not None:
        value_axis["range"] = charts.padded(value_range)
    category_axis: dict[str, Any] = {"type": "category", "automargin": True}
    if horizontal:
        category_axis["autorange"] = "reversed"
        fig_layout = charts.layout(
            height=max(220, 70 + sum(max(34, 18 * charts.line_count(x)) for x in labels)),
            margin={"l": 16},
            xaxis=value_axis,
            yaxis=category_axis,
        )
    else:
        fig_layout = charts.layout(height=320, xaxis=category_axis, yaxis=value_axis)
    return charts.figure([trace], fig_layout)


# -- Drivers ---------------------------------------------------------------------------------


# The chart is 70 px plus 34 px a store: 20 stores fill about one laptop screen (750 px).
# The table lists them all.
STORE_CHART_LIMIT = 20


def _charted_stores(groups: Sequence[reads.GroupAgainstRest]) -> list[reads.GroupAgainstRest]:
    """The tested stores with the strongest evidence (smallest p), lowest difference first."""
    tested = [g for g in groups if g.tested]
    strongest = sorted(tested, key=lambda g: (g.difference.p_value, g.label))[:STORE_CHART_LIMIT]  # type: ignore[union-attr]
    return sorted(strongest, key=lambda g: (g.difference.difference, g.label))  # type: ignore[union-attr]


def _as_estimate(difference: stats.Comparison) -> stats.Estimate:
    """A difference drawn as a point with its interval, n being both sides' answers."""
    return stats.Estimate(
        difference.difference,
        difference.low,
        difference.high,
        difference.n_a + difference.n_b,
        difference.method,
    )


def _drivers_context(page: Dashboard, report: reads.DriversReport) -> dict[str, Any]:
    measure = report.measure
    unit = _("NPS points") if measure.unit == "points" else _("mean score")
    late = next(d for d in report.drivers if d.key == "days_late")
    dose = _point_figure(
        [str(b.label) for b in late.buckets],
        [b.value for b in late.buckets],
        title=f"{measure.label} ({unit})",
        value_range=measure.axis,
    )
    effects = [
        d
        for d in report.drivers
        if d.difference is not None and math.isfinite(d.difference.difference)
    ]
    effect_figure = _point_figure(
        [f"{d.label}: {d.contrast}" for d in effects],
        [_as_estimate(d.difference) for d in effects if d.difference is not None],
        title=_("Difference (%(unit)s)") % {"unit": unit},
        horizontal=True,
        zero_line=True,
    )  # fmt: skip
    stores = next(d for d in report.drivers if d.key == "store")
    charted = _charted_stores(stores.against_rest)
    store_figure = (
        _point_figure(
            [g.label for g in charted],
            [_as_estimate(g.difference) for g in charted],  # type: ignore[arg-type]  # tested
            title=_("Store minus the other stores (%(unit)s)") % {"unit": unit},
            horizontal=True,
            zero_line=True,
        )
        if charted
        else None
    )  # fmt: skip
    interval = (
        _("adjusted Wald for NPS; the difference of two NPS values by z")
        if measure.unit == "points"
        else _("t interval for means; differences by Welch's t")
    )
    method = _method(
        str(measure.label),
        report.n,
        interval,
        measure.scale,
        [
            _(
                "Each answer is joined with its order (or, without one, the customer's latest "
                "order in the 90 days before), that order's delivery (days late: whole days "
                "after the promise, a started day counts) and the customer's service records "
                "of the 30 days before the answer."
            ),
            _(
                "Spearman's rho with a Fisher-z interval (Bonett-Wright variance). "
                "q: Benjamini-Hochberg across this page's differences (tested when both groups "
                "have at least %(n)s answers)."
            )
            % {"n": reads.MIN_N},
            _(
                "Relative importance: general dominance analysis (the Shapley split of R²) "
                "over the ordered drivers known for at least half of the answers, on the "
                "answers that have all of them; a driver most answers lack (days late: only "
                "delivered orders have it) is weighed in a second model over the answers that "
                "have it. Shares are shown only when the model explains at least %(floor)s%% of "
                "the variation: below that they split noise."
            )
            % {"floor": f"{100 * reads.IMPORTANCE_MIN_R2:g}"},
            _(
                "Stores: each store's answers against the answers of all the other stores under "
                "the filter, by the same test, when both sides have at least %(n)s answers; "
                "smaller stores are shown with their interval but not tested. q: "
                "Benjamini-Hochberg across the tested stores only; a store differs when q is at "
                "most %(q)s. Answers without a store are left out. The chart shows up to "
                "%(limit)s tested stores, those with the strongest evidence."
            )
            % {"n": reads.MIN_N, "q": reads.FDR_Q, "limit": STORE_CHART_LIMIT},
        ],
    )
    return {
        "report": report,
        "late": late,
        "stores": stores,
        "store_figure": store_figure,
        "min_n": reads.MIN_N,
        "dose_figure": dose,
        "effect_figure": effect_figure,
        "method": method,
        "export_url": _export_url("analysis:drivers-csv", page),
    }


@allow_methods("GET")
@login_required
def drivers_page(request: HttpRequest) -> HttpResponse:
    page = dashboard(request, DriversFilters)
    if page.where is None or page.run is None:
        return not_ready(request, "analysis/drivers.html", page, "drivers")
    requested = page.form.cleaned_data.get("measure") or ""
    report = reads.drivers_report(page.run, page.where, requested)
    return render(
        request, "analysis/drivers.html", page.context("drivers", **_drivers_context(page, report))
    )


@allow_methods("GET")
@login_required
def drivers_csv(request: HttpRequest) -> HttpResponse:
    page = dashboard(request, DriversFilters)
    if page.where is None or page.run is None:
        return csv_refusal(request, page, "drivers")
    report = reads.drivers_report(page.run, page.where, page.form.cleaned_data.get("measure") or "")
    rows: list[list[Any]] = []
    for driver in report.drivers:
        for bucket in driver.buckets:
            rows.append(
                [report.measure.key, driver.key, "bucket", str(bucket.label),
                 *_estimate_cells(bucket.value), "", "", bucket.value.method]
            )  # fmt: skip
        if driver.difference is not None:
            d = driver.difference
            rows.append(
                [report.measure.key, driver.key, "difference", str(driver.contrast),
                 _number(d.difference), _number(d.low), _number(d.high), d.n_a + d.n_b,
                 _number(d.p_value, 6), _number(driver.q_value, 6), d.method]
            )  # fmt: skip
        for group in driver.against_rest:
            if group.difference is not None:
                d = group.difference
                rows.append(
                    [report.measure.key, driver.key, "against_rest", group.label,
                     _number(d.difference), _number(d.low), _number(d.high), d.n_a + d.n_b,
                     _number(d.p_value, 6), _number(group.q_value, 6), d.method]
                )  # fmt: skip
        if driver.rho is not None:
            rows.append(
                [report.measure.key, driver.key, "spearman_rho", "",
                 *_estimate_cells(driver.rho, 4), "", "", driver.rho.method]
            )  # fmt: skip
        if driver.importance is not None:
            rows.append(
                [report.measure.key, driver.key, "relative_importance", "",
                 _number(driver.importance, 4), "", "", _model_n(report, driver), "", "",
                 "dominance"]
            )  # fmt: skip
    header = ["measure", "driver", "row", "group", "value", "low", "high", "n", "p", "q", "method"]
    return _csv(f"drivers-{report.measure.key}", header, rows)


def _model_n(report: reads.DriversReport, driver: reads.Driver) -> int:
    """The number of answers in the relative-importance model a driver's share comes from."""
    model = next(m for m in report.importance_models if m.key == driver.importance_model)
    return model.n


# -- Say-do ----------------------------------------------------------------------------------


def _saydo_context(page: Dashboard, report: reads.SayDoReport) -> dict[str, Any]:
    yes_rows = [r for r in report.rows if r.said in ("yes", "no", "unsure")]
    figure = (
        _point_figure(
            [f"{r.group}: {r.label}" for r in yes_rows],
            [r.rates[-1] for r in yes_rows],
            title=_("Share who bought again within 90 days"),
            horizontal=True,
        )
        if yes_rows
        else None
    )
    n = sum(r.rates[0].n for r in report.rows)
    method = _method(
        _("Share who ordered again"),
        n,
        _("Wilson interval for proportions; differences by the two-proportion z-test"),
        "0..1",
        [
            _(
                "An answer counts for a 30-, 60- or 90-day window only once that many days have "
                "passed by the run, so recent answers never look like broken promises. The "
                "order the answer was about does not count; cancelled orders do not count."
            ),
            _(
                'Intent answers stay per survey ("yes" means what that survey asked); NPS '
                "groups come from every survey with an NPS question."
            ),
            _(
                "Review ratings: ratings from other channels (reviews, rated call notes) linked to "
                "a customer, in three groups (1-2, 3 and 4-5 stars), timed when they were given; "
                "the order a rating was about does not count. They have no survey, so a survey or "
                "touchpoint filter leaves them out."
            ),
            _(
                "The follow-up list: customers who said yes at least %(days)s days ago and have "
                "not ordered since, newest first."
            )
            % {"days": reads.FOLLOW_UP_AFTER_DAYS},
        ],
    )
    return {
        "report": report,
        "saydo_figure": figure,
        "by_label": reads.SEGMENT_BY[report.by],
        "method": method,
        "export_url": _export_url("analysis:say-do-csv", page),
    }


@allow_methods("GET")
@login_required
def saydo_page(request: HttpRequest) -> HttpResponse:
    page = dashboard(request, SayDoFilters)
    if page.where is None or page.run is None:
        return not_ready(request, "analysis/say_do.html", page, "say-do")
    report = reads.saydo_report(page.run, page.where, page.form.cleaned_data.get("by") or "")
    return render(
        request, "analysis/say_do.html", page.context("say-do", **_saydo_context(page, report))
    )


@allow_methods("GET")
@login_required
def saydo_csv(request: HttpRequest) -> HttpResponse:
    """The follow-up list in full (customers who said yes and did not come back), after the
    rates per group."""
    page = dashboard(request, SayDoFilters)
    if page.where is None or page.run is None:
        return csv_refusal(request, page, "say-do")
    rows: list[list[Any]] = []
    for row in reads.saydo_rows(page.run, page.where):
        for days, rate in zip(reads.WINDOWS, row.rates, strict=True):
            rows.append(
                ["rate", row.group, row.said, days, *_estimate_cells(rate, 4), "", "", "", ""]
            )
    base = reverse("odata:customer-detail", kwargs={"code": "00000000-0000-0000-0000-000000000000"})
    waiting = reads.follow_up_facts(page.run, page.where)
    for item in reads.follow_ups(waiting.iterator(chunk_size=2000)):
        rows.append(
            ["follow_up", item.survey, "yes", "", "", "", "", "", item.customer_name, item.store,
             timezone.localtime(item.submitted_at).isoformat(timespec="minutes"),
             base.replace("00000000-0000-0000-0000-000000000000", item.customer_code)]
        )  # fmt: skip
    header = ["row", "group", "said", "within_days", "share", "low", "high", "n",
              "customer", "store", "answered_at", "customer_page"]  # fmt: skip
    return _csv("say-do", header, rows)


# -- Value x experience ----------------------------------------------------------------------

QUADRANT_COLOURS: dict[str, str] = {
    ValuePoint.Quadrant.VALUABLE_UNHAPPY: charts.DOWN,
    ValuePoint.Quadrant.VALUABLE_HAPPY: charts.UP,
    ValuePoint.Quadrant.OTHER_UNHAPPY: "#e6a23c",
    ValuePoint.Quadrant.OTHER_HAPPY: charts.MUTED,
}


def _value_figure(report: reads.ValueReport) -> dict[str, Any]:
    traces = []
    for key, label in reads.QUADRANTS.items():
        points = [p for p in report.points if p[2] == key]
        traces.append(
            {
                "type": "scattergl" if len(report.points) > 1000 else "scatter",
                "mode": "markers",
                "name": str(label),
                "x": [p[0] for p in points],
                "y": [p[1] for p in points],
                "marker": {"color": QUADRANT_COLOURS[key], "size": 6, "opacity": 0.6},
                "hovertemplate": f"{label}<br>%{{x:,.0f}}<br>%{{y:.0f}} / 100<extra></extra>",
            }
        )
    shapes = []
    if report.threshold is not None:
        shapes.append(
            {"type": "line", "xref": "x", "yref": "paper", "x0": float(report.threshold),
             "x1": float(report.threshold), "y0": 0, "y1": 1,
             "line": {"color": charts.INK, "dash": "dot", "width": 1}}
        )  # fmt: skip
    return charts.figure(
        traces,
        charts.layout(
            height=380,
            showlegend=True,
            legend={"orientation": "h", "y": -0.2},
            shapes=shapes,
            xaxis={"title": {"text": _("Net value (revenue - cost to serve)")}},
            yaxis={"title": {"text": _("Latest score, 0-100")}, "range": [-5, 105]},
        ),
    )


def _value_context(page: Dashboard, report: reads.ValueReport) -> dict[str, Any]:
    cost = contact_cost()
    method = _method(
        _("Customers by net value and latest score"),
        report.n,
        _("Wilson interval for shares; the unhappy shares compared by the two-proportion z-test"),
        "",
        [
            _(
                "As on the customer 360 page: revenue is the KRW orders placed or completed in "
                "the year before the run; cost to serve is the service contacts of that year x "
                "%(cost)s KRW per contact (setting CXM_SERVICE_CONTACT_COST_KRW). Net value = "
                "revenue - cost to serve."
            )
            % {"cost": f"{cost:,.0f}"},
            _(
                "Latest score: the customer's most recent NPS, CSAT or CES answer or rating from "
                "another channel (a review, 1-5 stars), whichever came last (a survey answer "
                "first at the same moment), on a 0-100 scale: NPS x 10, CSAT and rating "
                "(score - 1) x 25, CES (score - 1) x 100 / 6. Unhappy means NPS 0-6, CSAT 1-2, "
                "CES 1-3 or a rating of 1-2 stars. Ratings have no survey or touchpoint, so a "
                "survey or touchpoint filter counts only customers whose latest score is a "
                "survey answer."
            ),
            _(
                "Valuable: net value in the top quarter of all scored customers (from %(value)s), "
                "the same line whatever the filter. The chart shows up to %(limit)s customers, "
                "a fixed pseudo-random sample; the counts and lists use all of them."
            )
            % {
                "value": f"{report.threshold:,.0f}" if report.threshold is not None else "-",
                "limit": reads.SCATTER_LIMIT,
            },
        ],
    )
    return {
        "report": report,
        "value_figure": _value_figure(report) if report.points else None,
        "listed_label": reads.QUADRANTS[report.listed],
        "method": method,
        "export_url": _export_url("analysis:value-experience-csv", page),
    }


@allow_methods("GET")
@login_required
def value_page(request: HttpRequest) -> HttpResponse:
    page = dashboard(request, ValueFilters)
    if page.where is None or page.run is None:
        return not_ready(request, "analysis/value.html", page, "value-experience")
    report = reads.value_report(page.run, page.where, page.form.cleaned_data.get("quadrant") or "")
    return render(
        request,
        "analysis/value.html",
        page.context("value-experience", **_value_context(page, report)),
    )


@allow_methods("GET")
@login_required
def value_csv(request: HttpRequest) -> HttpResponse:
    """Every customer under the filter, valuable-and-unhappy first, then by net value."""
    page = dashboard(request, ValueFilters)
    if page.where is None or page.run is None:
        return csv_refusal(request, page, "value-experience")
    rows: list[list[Any]] = []
    for quadrant in reads.QUADRANTS:
        for item in reads.value_customers(page.run, page.where, quadrant, limit=None):
            rows.append(
                [quadrant, item.customer_name, item.store, _decimal(item.revenue),
                 item.contacts, _decimal(item.cost_to_serve), _decimal(item.net_value),
                 item.measure, item.score, item.day.isoformat()]
            )  # fmt: skip
    header = ["quadrant", "customer", "store", "revenue", "contacts", "cost_to_serve",
              "net_value", "latest_measure", "latest_score", "latest_answer_day"]  # fmt: skip
    return _csv("value-experience", header, rows)


def _decimal(value: Decimal) -> str:
    return f"{value:.0f}"


# -- Text themes -----------------------------------------------------------------------------


def _themes_figure(report: reads.ThemesReport) -> dict[str, Any] | None:
    if not report.trend:
        return None
    x = [m.isoformat() for m in report.months]
    traces = [
        {"type": "scatter", "mode": "lines+markers", "name": term, "x": x, "y": counts,
         "hovertemplate": f"{term}<br>%{{x|%Y-%m}}: %{{y}}<extra></extra>"}
        for term, counts in report.trend
    ]  # fmt: skip
    return charts.figure(
        traces,
        charts.layout(
            height=320,
            showlegend=True,
            legend={"orientation": "h", "y": -0.2},
            yaxis={"title": {"text": _("Comments per month")}},
        ),
    )


def _themes_context(page: Dashboard, report: reads.ThemesReport) -> dict[str, Any]:
    method = _method(
        _("Comments and feedback texts"),
        report.texts,
        _("Wilson interval for the share of texts that mention a term"),
        "",
        [
            _(
                "Korean is split into morphemes by Kiwi (nouns, and verb and adjective stems); "
                "English into words without stopwords. Each text counts a term once; two-word "
                "phrases are adjacent content words."
            ),
            _(
                "Over-represented among unhappy customers (NPS 0-6, CSAT 1-2, CES 1-3, rating "
                "1-2; n = %(unhappy)s texts) against happy ones (NPS 9-10, CSAT 4-5, CES 6-7, "
                "rating 4-5; n = %(happy)s): weighted log-odds with an informative Dirichlet "
                "prior (Monroe, Colaresi & Quinn 2008), ranked by z; at least %(min)s unhappy "
                "texts per term."
            )
            % {
                "unhappy": report.texts_unhappy,
                "happy": report.texts_happy,
                "min": reads.MIN_UNHAPPY_COUNT,
            },
        ],
    )
    return {
        "report": report,
        "themes_figure": _themes_figure(report),
        "method": method,
        "export_url": _export_url("analysis:themes-csv", page),
    }


@allow_methods("GET")
@login_required
def themes_page(request: HttpRequest) -> HttpResponse:
    page = dashboard(request, ThemeFilters)
    if page.where is None or page.run is None:
        return not_ready(request, "analysis/themes.html", page, "themes")
    report = reads.themes_report(page.run, page.where, page.form.cleaned_data.get("language") or "")
    return render(
        request, "analysis/themes.html", page.context("themes", **_themes_context(page, report))
    )


@allow_methods("GET")
@login_required
def themes_csv(request: HttpRequest) -> HttpResponse:
    page = dashboard(request, ThemeFilters)
    if page.where is None or page.run is None:
        return csv_refusal(request, page, "themes")
    report = reads.themes_report(page.run, page.where, page.form.cleaned_data.get("language") or "")
    rows: list[list[Any]] = []
    for term in report.top:
        rows.append(["top", term.term, term.count, *_estimate_cells(term.share, 4)[:3],
                     report.texts, "", "", "", " | ".join(term.variants)])  # fmt: skip
    for term in report.distinct:
        rows.append(["unhappy_vs_happy", term.term, term.count,
                     *_estimate_cells(term.share, 4)[:3], report.texts_unhappy,
                     term.count_happy, _number(term.z, 3), " | ".join(term.examples),
                     " | ".join(term.variants)])  # fmt: skip
    for word, counts in report.trend:
        for month, count in zip(report.months, counts, strict=True):
            rows.append(["month", word, count, "", "", "", "", "", "", month.isoformat(), ""])
    header = ["row", "term", "texts", "share", "low", "high", "n", "texts_happy", "z",
              "examples_or_month", "variants"]  # fmt: skip
    return _csv("themes", header, rows)


urlpatterns: list[URLPattern] = [
    path("drivers/", drivers_page, name="drivers"),
    path("drivers/csv", drivers_csv, name="drivers-csv"),
    path("say-do/", saydo_page, name="say-do"),
    path("say-do/csv", saydo_csv, name="say-do-csv"),
    path("value/", value_page, name="value-experience"),
    path("value/csv", value_csv, name="value-experience-csv"),
    path("themes/", themes_page, name="themes"),
    path("themes/csv", themes_csv, name="themes-csv"),
]
