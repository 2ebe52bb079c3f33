"""The dashboards' shared filter bar: dates, region, store, touchpoint, survey.

Every analysis page (overview, segments, and the insight pages) parses the query string with
`DashboardFilters` (or a subclass adding its own fields). An unknown store, a malformed date or
a range that ends before it starts is a form error: the page answers 400 with the message next
to the field, never a silently widened result.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from analysis.measures import METRICS
from analysis.periods import PERIODS
from analysis.selectors.cells import CellFilter
from cxm.forms import validate_filter_date
from odata.models import Region, Store
from surveys.models import Survey, Touchpoint

# Without dates a page shows the twelve months up to the day of the analysis run it reads
# (that day's answers until the run's time).
DEFAULT_DAYS = 365
# Longer ranges than this are refused: ten years of daily cells is a report, not a page.
MAX_DAYS = 3660
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DashboardFilters(forms.Form):
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "From"),
        required=False,
        widget=DATE_WIDGET,
        validators=[validate_filter_date],
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        required=False,
        widget=DATE_WIDGET,
        validators=[validate_filter_date],
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("All regions"),
    )
    store = forms.ModelChoiceField(
        label=_("Store"),
        queryset=Store.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("All stores"),
    )
    touchpoint = forms.ModelChoiceField(
        label=_("Touchpoint"),
        queryset=Touchpoint.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("All touchpoints"),
    )
    survey = forms.ModelChoiceField(
        label=_("Survey"),
        queryset=Survey.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("All surveys"),
    )

    # The names of the shared filter fields, for links that keep the filter.
    FILTER_FIELDS: tuple[str, ...] = (
        "date_from",
        "date_to",
        "region",
        "store",
        "touchpoint",
        "survey",
    )

    # Choice fields a page fills in when the query string leaves them out or empty, so the
    # bar shows the choice the page actually uses (a select otherwise shows its first option).
    DEFAULTS: ClassVar[dict[str, str]] = {}

    def __init__(self, data: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        # What was submitted, without the defaults: links and exports keep only this.
        self.submitted: Mapping[str, Any] = data if data is not None else {}
        defaults = self.defaults_for(data) if data is not None else {}
        if data is not None and defaults:
            filled = data.copy()  # type: ignore[attr-defined]  # a QueryDict or a dict
            for name, value in defaults.items():
                if not data.get(name):
                    filled[name] = value
            data = filled
        super().__init__(data, **kwargs)

    def defaults_for(self, data: Mapping[str, Any]) -> dict[str, str]:
        """The defaults for this query string (`DEFAULTS`, unless a page's depend on it)."""
        return self.DEFAULTS

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        elif start and end and (end - start).days > MAX_DAYS:
            self.add_error(
                "date_from",
                _("Choose at most ten years at once (%(days)s days).") % {"days": MAX_DAYS},
            )
        return data

    def cell_filter(self, *, last_day: date | None) -> CellFilter:
        """The valid filter as ids; missing dates default to the year up to `last_day`."""
        data = self.cleaned_data
        end = data.get("date_to") or last_day
        start = data.get("date_from") or (end - timedelta(days=DEFAULT_DAYS - 1) if end else None)

        def pk(name: str) -> int | None:
            value = data.get(name)
            return value.pk if value is not None else None

        return CellFilter(
            date_from=start,
            date_to=end,
            region_id=pk("region"),
            store_id=pk("store"),
            touchpoint_id=pk("touchpoint"),
            survey_id=pk("survey"),
        )

    def query(self) -> dict[str, str]:
        """The filter part of the submitted query string (for links and exports)."""
        return {
            name: str(self.submitted[name])
            for name in self.FILTER_FIELDS
            if self.submitted.get(name)
        }


METRIC_CHOICES = [(key, m.label) for key, m in METRICS.items()]
PERIOD_CHOICES = [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))]
assert tuple(p for p, _label in PERIOD_CHOICES) == PERIODS  # noqa: S101  # one list of periods


class OverviewFilters(DashboardFilters):
    metric = forms.ChoiceField(label=_("Metric"), choices=METRIC_CHOICES, required=False)
    period = forms.ChoiceField(label=_("Trend by"), choices=PERIOD_CHOICES, required=False)

    FILTER_FIELDS = (*DashboardFilters.FILTER_FIELDS, "metric", "period")
    DEFAULTS: ClassVar[dict[str, str]] = {"metric": "nps", "period": "week"}


SEGMENT_KIND_CHOICES = [
    ("store", _("Store")),
    ("region", _("Region")),
    ("touchpoint", _("Touchpoint")),
    ("survey", _("Survey")),
    ("channel", _("Channel")),
    ("segment", _("Customer segment")),
    ("language", _("Language")),
    ("daypart", _("Time of purchase")),
    ("weekday", _("Weekday")),
]
SORT_CHOICES = [
    ("rank", _("Rank (shrunk)")),
    ("value", _("Value")),
    ("n", _("Answers")),
    ("label", _("Name")),
]


class SegmentFilters(DashboardFilters):
    kind = forms.ChoiceField(label=_("Segments"), choices=SEGMENT_KIND_CHOICES, required=False)
    metric = forms.ChoiceField(label=_("Metric"), choices=METRIC_CHOICES, required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)
    order = forms.ChoiceField(
        label=_("Order"),
        choices=[("asc", _("Ascending")), ("desc", _("Descending"))],
        required=False,
    )

    FILTER_FIELDS = (*DashboardFilters.FILTER_FIELDS, "kind", "metric", "sort", "order")
    DEFAULTS: ClassVar[dict[str, str]] = {"kind": "store", "metric": "nps", "sort": "rank"}

    def defaults_for(self, data: Mapping[str, Any]) -> dict[str, str]:
        # The order follows the sort unless asked: rank 1 or A first, the biggest value or n
        # first, so the select shows the order the table uses.
        sort = data.get("sort") or self.DEFAULTS["sort"]
        return {**self.DEFAULTS, "order": default_order(sort)}


def default_order(sort: str) -> str:
    """The segment table's order when none is asked for."""
    return "asc" if sort in ("rank", "label") else "desc"
