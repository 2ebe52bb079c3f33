"""Survey responses and feedback on the customer 360 timeline (odata's `TIMELINE_SOURCES`
seam), registered from `XDataConfig.ready()`."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast, Collate

from odata.models import Customer
from odata.selectors import TimelineCursor, TimelineEntry, TimelineSource
from xdata.csat import response_csat_expression
from xdata.models import Feedback, Response

# The key is the row's code as text in the "C" collation: bytewise, as Python compares the
# strings the timeline merges on (see odata.selectors._KEY_COLLATION).
_KEY = Collate(Cast("code", output_field=TextField()), "C")


def _entries(
    rows: QuerySet[Response] | QuerySet[Feedback],
    *,
    kind: str,
    at: str,
    template: str,
    before: TimelineCursor | None,
    limit: int,
) -> list[TimelineEntry]:
    """The newest `limit` of `rows` older than `before`, timed by their field `at`."""
    rows = rows.alias(timeline_key=_KEY)
    if before is not None:
        rows = rows.filter(before.older_than(kind=kind, at=at, key="timeline_key"))
    return [
        TimelineEntry(
            at=getattr(row, at), kind=kind, key=str(row.code), template=template, subject=row
        )
        for row in rows.order_by(f"-{at}", "-timeline_key")[:limit]
    ]


def response_entries(
    customer: Customer, *, before: TimelineCursor | None, limit: int, now: datetime
) -> list[TimelineEntry]:
    return _entries(
        # The CSAT every page shows: a store-visit survey's rating counts (xdata.csat).
        customer.responses.select_related("survey", "store").annotate(
            csat_score=response_csat_expression()
        ),
        kind="response",
        at="submitted_at",
        template="xdata/_timeline_response.html",
        before=before,
        limit=limit,
    )


def feedback_entries(
    customer: Customer, *, before: TimelineCursor | None, limit: int, now: datetime
) -> list[TimelineEntry]:
    return _entries(
        customer.feedback.select_related("store"),
        kind="feedback",
        at="occurred_at",
        template="xdata/_timeline_feedback.html",
        before=before,
        limit=limit,
    )


SOURCES = (
    TimelineSource(kind="response", entries=response_entries),
    TimelineSource(kind="feedback", entries=feedback_entries),
)


def register_timeline_sources() -> None:
    """Add xdata's sources to the customer timeline once (ready() may run more than once)."""
    from odata.selectors import TIMELINE_SOURCES

    known = {source.kind for source in TIMELINE_SOURCES}
    TIMELINE_SOURCES.extend(source for source in SOURCES if source.kind not in known)
