"""Sums of a run's `MetricCell` counts by segment and period, under the dashboard filters.

One query per call: the database does the SUM over the (run, dim, day) index range, Python gets
at most a few thousand summed rows back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import DateField, F, Model, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractIsoWeekDay
from django.utils.translation import gettext as _

from analysis.measures import COUNT_FIELDS
from analysis.models import MetricCell
from analysis.periods import period_start
from odata.models import Channel, Region, Store
from surveys.models import Daypart, Survey, Touchpoint

M = TypeVar("M", bound=Model)

# segment kind: (MetricCell.dim of its rows, the column or expression that keys it)
SEGMENT_KINDS: dict[str, tuple[str, str]] = {
    "all": ("", ""),
    "survey": ("", "survey_id"),
    "touchpoint": ("", "touchpoint_id"),
    "region": ("", "region_id"),
    "store": ("", "store_id"),
    "channel": ("channel", "value"),
    "segment": ("segment", "value"),
    "language": ("language", "value"),
    "daypart": ("daypart", "value"),
    "weekday": ("", "weekday"),
}


# A period's first day by date arithmetic: date_trunc on a date would cast every row to a
# timestamp with time zone first, which costs more than the sums.
_PERIOD_SQL: dict[str, Any] = {
    "day": F("day"),
    "week": RawSQL("day - (EXTRACT(ISODOW FROM day)::int - 1)", (), output_field=DateField()),
    "month": RawSQL("day - (EXTRACT(DAY FROM day)::int - 1)", (), output_field=DateField()),
}


@dataclass(frozen=True)
class CellFilter:
    """The dashboard filters as ids (None = any)."""

    date_from: date | None = None
    date_to: date | None = None
    region_id: int | None = None
    store_id: int | None = None
    touchpoint_id: int | None = None
    survey_id: int | None = None

    def applied(self, rows: QuerySet[M]) -> QuerySet[M]:
        """`rows` under these filters: cells, or any per-run fact table with the same `day`,
        `region_id`, `store_id`, `touchpoint_id` and `survey_id` columns."""
        if self.date_from is not None:
            rows = rows.filter(day__gte=self.date_from)
        if self.date_to is not None:
            rows = rows.filter(day__lte=self.date_to)
        for name in ("region_id", "store_id", "touchpoint_id", "survey_id"):
            value = getattr(self, name)
            if value is not None:
                rows = rows.filter(**{name: value})
        return rows


def _cells(run_id: int, dim: str, where: CellFilter) -> QuerySet[MetricCell]:
    return where.applied(MetricCell.objects.filter(run_id=run_id, dim=dim))


def summed_counts(
    *, run_id: int, where: CellFilter, kind: str = "all", period: str | None = None
) -> list[dict[str, Any]]:
    """Rows of {"key": segment key or None, "period": start date or None, <count columns>}.

    `kind` is one of SEGMENT_KINDS; "all" sums everything (key None). The key is the raw id
    (store id, region id, …) or the dim value; `segment_keys` turns it into the public key and a
    label.
    """
    dim, column = SEGMENT_KINDS[kind]
    cells = _cells(run_id, dim, where)
    group: dict[str, Any] = {}
    if column == "weekday":
        group["key"] = ExtractIsoWeekDay("day")
    elif column:
        group["key"] = F(column)
    if period is not None:
        group["on"] = _PERIOD_SQL[period]
    sums = {name: Sum(name) for name in COUNT_FIELDS}
    if group:
        rows = list(cells.values(**group).annotate(**sums).order_by())
    else:
        rows = [cells.aggregate(**sums)]
    folded: dict[tuple[Any, Any], dict[str, Any]] = {}
    for row in rows:
        start = period_start(row.pop("on"), period) if period is not None else None
        key = row.get("key")
        target = folded.get((key, start))
        if target is None:
            folded[(key, start)] = {
                "key": key,
                "period": start,
                **{name: int(row[name] or 0) for name in COUNT_FIELDS},
            }
        else:
            for name in COUNT_FIELDS:
                target[name] += int(row[name] or 0)
    return list(folded.values())


def segment_keys(kind: str, raw_keys: Iterable[Any]) -> dict[Any, tuple[str, str]]:
    """raw key -> (public key, label) for one segment kind; one query for model-backed kinds.

    Public keys are what the actions app and the URLs see: a store's external id, a region's
    code, a survey's or touchpoint's UUID code, or the dimension value itself.
    """
    keys = [k for k in raw_keys]
    if kind == "all":
        return dict.fromkeys(keys, ("all", str(_("Everything"))))
    if kind in ("survey", "touchpoint", "store", "region"):
        model: Any = {"survey": Survey, "touchpoint": Touchpoint, "store": Store, "region": Region}[
            kind
        ]
        public = {"store": "external_id", "region": "code"}.get(kind, "code")
        found = {
            pk: (str(code), name)
            for pk, code, name in model.objects.filter(pk__in=[k for k in keys if k is not None])
            .values_list("pk", public, "name")
            .order_by()
        }
        result: dict[Any, tuple[str, str]] = {}
        for key in keys:
            if key is None:
                result[key] = (
                    "",
                    str(_("Not recorded") if kind != "survey" else _("Other channels")),
                )
            elif key in found:
                code, name = found[key]
                result[key] = (code, f"{name} ({code})" if kind == "store" else name)
            else:
                result[key] = (str(key), str(_("Deleted")))
        return result
    if kind == "weekday":
        names = [
            _("Monday"),
            _("Tuesday"),
            _("Wednesday"),
            _("Thursday"),
            _("Friday"),
            _("Saturday"),
            _("Sunday"),
        ]
        return {k: (str(k), str(names[int(k) - 1])) for k in keys}
    labels: dict[str, str] = {}
    if kind == "daypart":
        labels = {str(v): str(label) for v, label in Daypart.choices}
    elif kind == "channel":
        labels = {str(v): str(label) for v, label in Channel.choices}
    elif kind == "language":
        labels = {code: str(name) for code, name in settings.LANGUAGES}
    return {k: (str(k), labels.get(str(k), str(k)) if k else str(_("Not recorded"))) for k in keys}
