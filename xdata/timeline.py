"""Survey responses and feedback on the customer 360 timeline (odata's `TIMELINE_SOURCES`
seam), registered from `XDataConfig.ready()`."""

from __future__ import annotations

from datetime import datetime

from django.db.models import TextField
from django.db.models.functions import Cast, Collate

from odata.models import Customer
from odata.selectors import TimelineCursor, TimelineEntry, TimelineSource

# The key is the row's code as text in the "C" collation: bytewise, as Python compares the
# strings the timeline merges on (see odata.selectors._KEY_COLLATION).
_KEY = Collate(Cast("code", output_field=TextField()), "C")


def response_entries(
    customer: Customer, *, before: TimelineCursor | None, limit: int, now: datetime
) -> list[TimelineEntry]:
    responses = customer.responses.select_related("survey", "store").alias(timeline_key=_KEY)
    if before is not None:
        responses = responses.filter(
            before.older_than(kind="response", at="submitted_at", key="timeline_key")
        )
    return [
        TimelineEntry(
            at=response.submitted_at,
            kind="response",
            key=str(response.code),
            template="xdata/_timeline_response.html",
            subject=response,
        )
        for response in responses.order_by("-submitted_at", "-timeline_key")[:limit]
    ]


def feedback_entries(
    customer: Customer, *, before: TimelineCursor | None, limit: int, now: datetime
) -> list[TimelineEntry]:
    feedback = customer.feedback.select_related("store").alias(timeline_key=_KEY)
    if before is not None:
        feedback = feedback.filter(
            before.older_than(kind="feedback", at="occurred_at", key="timeline_key")
        )
    return [
        TimelineEntry(
            at=row.occurred_at,
            kind="feedback",
            key=str(row.code),
            template="xdata/_timeline_feedback.html",
            subject=row,
        )
        for row in feedback.order_by("-occurred_at", "-timeline_key")[:limit]
    ]


SOURCES = (
    TimelineSource(kind="response", entries=response_entries),
    TimelineSource(kind="feedback", entries=feedback_entries),
)


def register_timeline_sources() -> None:
    """Add xdata's sources to the customer timeline once (ready() may run more than once)."""
    from odata.selectors import TIMELINE_SOURCES

    known = {source.kind for source in TIMELINE_SOURCES}
    TIMELINE_SOURCES.extend(source for source in SOURCES if source.kind not in known)
