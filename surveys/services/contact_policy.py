"""The contact-frequency policy: whether a customer may be invited to a survey now.

One function answers for all three sources (bulk, journey milestones, one customer), so a
customer is never asked twice in a week because two teams each sent "just one" survey.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db.models import QuerySet

from odata.models import Customer
from surveys.models import Invitation, Suppression, Survey

DEFAULT_CONTACT_INTERVAL_DAYS = 30


def contact_interval_days(survey: Survey) -> int:
    """Minimum days between two invitations to one customer before `survey` may go out.

    A journey-critical touchpoint can set its own interval (shorter or longer) over the global
    `CXM_CONTACT_INTERVAL_DAYS`.
    """
    override = survey.touchpoint.contact_interval_days
    if override is not None:
        return override
    return int(getattr(settings, "CXM_CONTACT_INTERVAL_DAYS", DEFAULT_CONTACT_INTERVAL_DAYS))


# Sources of "this customer is being followed up": each takes customer ids and returns those
# with an open follow-up task. `surveys` may not import the actions app (dependencies point
# left), so the actions app registers its answer when it loads (`ActionsConfig.ready`).
_open_followup_sources: list[Callable[[Sequence[int] | None], set[int]]] = []


def register_open_followup_source(source: Callable[[Sequence[int] | None], set[int]]) -> None:
    """Add a source of customers with an open follow-up (idempotent)."""
    if source not in _open_followup_sources:
        _open_followup_sources.append(source)


def customers_with_open_followup(customer_ids: Sequence[int] | None) -> set[int]:
    """Which of `customer_ids` (None: of all customers) have an open follow-up task (we do not
    survey them meanwhile). Open tasks are few, so "all" is a small set."""
    found: set[int] = set()
    for source in _open_followup_sources:
        found |= source(customer_ids)
    return found


def has_open_followup(customer: Customer) -> bool:
    """Whether a follow-up task is open for this customer."""
    return customer.pk in customers_with_open_followup([customer.pk])


def invited_since(*, customer: Customer, since: datetime) -> bool:
    """An invitation (any survey) was created for the customer at or after `since`.

    Revoked invitations do not count: revoking undoes a mistake, it did not reach anyone.
    """
    return (
        Invitation.objects.filter(customer=customer, created_at__gte=since)
        .exclude(status=Invitation.Status.REVOKED)
        .exists()
    )


@dataclass(frozen=True)
class IntervalHold:
    """Why the contact interval holds a survey back: the customer's last invitation (its
    survey's name and when it was made), the interval that applies, and when it has passed."""

    last_survey: str
    invited_at: datetime
    interval_days: int
    free_from: datetime


def last_invitation(customer: Customer) -> Invitation | None:
    """The customer's newest invitation that counts for the contact interval (not revoked)."""
    return (
        Invitation.objects.filter(customer=customer)
        .exclude(status=Invitation.Status.REVOKED)
        .select_related("survey")
        .order_by("-created_at", "-id")
        .first()
    )


def interval_holds(
    *, last: Invitation | None, surveys: Iterable[Survey], now: datetime
) -> dict[int, IntervalHold]:
    """For each of `surveys` (by primary key) that the contact interval holds back now because
    of the invitation `last` (see `last_invitation`): why, and until when. The same rule as
    `check`; each survey's touchpoint may set its own interval. No query."""
    if last is None:
        return {}
    holds = {}
    for survey in surveys:
        days = contact_interval_days(survey)
        if last.created_at >= now - timedelta(days=days):
            holds[survey.pk] = IntervalHold(
                last_survey=last.survey.name,
                invited_at=last.created_at,
                interval_days=days,
                free_from=last.created_at + timedelta(days=days),
            )
    return holds


def check(customer: Customer, survey: Survey, now: datetime) -> str | None:
    """The reason (a `Suppression.Reason` value) the customer may not be invited now, or None.

    Checked in this order: survey consent, an e-mail address, the contact interval across all
    surveys, an open follow-up task. The caller records the suppression.
    """
    since = now - timedelta(days=contact_interval_days(survey))
    return _reason(customer, recently_invited=lambda: invited_since(customer=customer, since=since))


def check_many(
    customers: Sequence[Customer], survey: Survey, now: datetime
) -> dict[int, str | None]:
    """`check` for a batch of customers (by primary key) in one query instead of one each."""
    since = now - timedelta(days=contact_interval_days(survey))
    recent = set(
        Invitation.objects.filter(customer__in=[c.pk for c in customers], created_at__gte=since)
        .exclude(status=Invitation.Status.REVOKED)
        .values_list("customer_id", flat=True)
    )
    followed_up = customers_with_open_followup([c.pk for c in customers])
    return {
        c.pk: _reason(
            c,
            recently_invited=partial(set.__contains__, recent, c.pk),
            open_followup=partial(set.__contains__, followed_up, c.pk),
        )
        for c in customers
    }


def reason_at_send(customer: Customer) -> str | None:
    """The rules again when an invitation goes out, without the contact interval (this
    invitation is the contact). A milestone invitation is made on delivery and sent a day
    later; the late-delivery rule opens its recovery task in between."""
    return _reason(customer, recently_invited=lambda: False)


def _reason(
    customer: Customer,
    *,
    recently_invited: Callable[[], bool],
    open_followup: Callable[[], bool] | None = None,
) -> str | None:
    # The one place the order of the rules is written down.
    if not customer.survey_consent:
        return Suppression.Reason.NO_CONSENT
    if not customer.email:
        return Suppression.Reason.NO_EMAIL
    if recently_invited():
        return Suppression.Reason.RECENTLY_INVITED
    if (open_followup or partial(has_open_followup, customer))():
        return Suppression.Reason.OPEN_TASK
    return None


def suppression_log(*, reason: str = "", survey: Survey | None = None) -> QuerySet[Suppression]:
    """Suppressed invitations, newest first, optionally of one reason and/or survey."""
    rows = Suppression.objects.select_related("survey", "customer").order_by("-created_at", "-id")
    if reason:
        rows = rows.filter(reason=reason)
    if survey is not None:
        rows = rows.filter(survey=survey)
    return rows
