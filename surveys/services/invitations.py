"""Survey invitations: created from three sources (bulk, journey milestones, one customer)
through one service that applies the contact policy, then sent, reminded and expired by a
periodic sweep.

Tokens. A link token is never stored. An invitation is created with a unique placeholder hash
(`pending:<uuid>`); the send job draws a random 256-bit token (`surveys.tokens.new_token`),
stores its SHA-256 hash and e-mails the link in one step. The reminder draws a second random
token kept as `reminder_token_hash`, so the link in the first e-mail keeps working beside it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from uuid import UUID, uuid4

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from rq.job import JobStatus

from cxm import queues
from cxm.mail import send_templated_email
from cxm.models import User
from odata.models import Channel, Customer, Milestone, OperationalEvent, Order, Store
from odata.services.milestones import mark_processed, unprocessed_events
from surveys.models import Daypart, Invitation, Suppression, Survey
from surveys.services import contact_policy
from surveys.tokens import new_token, token_matches

log = logging.getLogger(__name__)

MILESTONE_CONSUMER = "surveys.invitations"
PENDING_PREFIX = "pending:"
QUIET_STARTS = time(21, 0)
QUIET_ENDS = time(9, 0)
BULK_BATCH = 500
# Jobs enqueued per sweep and kind; the rest waits for the next minute.
SEND_BATCH = 1000
MILESTONE_BATCH = 500

_LIVE = (Invitation.Status.SCHEDULED, Invitation.Status.SENT)


# -- Time rules -----------------------------------------------------------------------------------


def daypart_of(moment: datetime) -> str:
    """Morning < 11:00 ≤ lunch < 14:00 ≤ afternoon < 17:00 ≤ evening, in local time."""
    local = timezone.localtime(moment).time()
    if local < time(11):
        return Daypart.MORNING
    if local < time(14):
        return Daypart.LUNCH
    if local < time(17):
        return Daypart.AFTERNOON
    return Daypart.EVENING


def in_quiet_window(moment: datetime) -> bool:
    """Between 21:00 and 09:00 local time nobody gets a survey e-mail."""
    local = timezone.localtime(moment).time()
    return local >= QUIET_STARTS or local < QUIET_ENDS


def out_of_quiet_window(moment: datetime) -> datetime:
    """`moment`, or 09:00 local time after it when it falls in the quiet window."""
    if not in_quiet_window(moment):
        return moment
    local = timezone.localtime(moment)
    day = local.date() + timedelta(days=1) if local.time() >= QUIET_STARTS else local.date()
    return datetime.combine(day, QUIET_ENDS, tzinfo=local.tzinfo)


# -- Tokens and links -----------------------------------------------------------------------------


def survey_link(token: str) -> str:
    return settings.CXM_BASE_URL + f"/s/{token}/"


def unsubscribe_link(token: str) -> str:
    return settings.CXM_BASE_URL + reverse("survey-public:unsubscribe", kwargs={"token": token})


def _placeholder_hash() -> str:
    # Unique (token_hash is unique) and never the SHA-256 hex of any token.
    return PENDING_PREFIX + uuid4().hex


def _language_of(customer: Customer) -> str:
    languages = {code for code, _name in settings.LANGUAGES}
    return customer.language if customer.language in languages else settings.LANGUAGE_CODE


# -- Access ---------------------------------------------------------------------------------------


def access_invitation_by_token(token: str) -> Invitation:
    """The invitation a customer's link names (any status), with its customer; 404 if none."""
    if not token or len(token) > 100:
        raise Http404
    invitation = (
        Invitation.objects.select_related("customer", "survey").filter(token_matches(token)).first()
    )
    if invitation is None:
        raise Http404
    return invitation


def access_invitation(user: User, code: UUID) -> Invitation:
    """An invitation for survey admins; 403 without `surveys.manage_surveys`, 404 if unknown."""
    if not user.has_perm("surveys.manage_surveys"):
        raise PermissionDenied
    invitation = Invitation.objects.select_related("survey", "customer").filter(code=code).first()
    if invitation is None:
        raise Http404
    return invitation


def access_survey_for_invitations(user: User, code: UUID) -> Survey:
    """A survey whose invitations `user` manages; 403 / 404."""
    if not user.has_perm("surveys.manage_surveys"):
        raise PermissionDenied
    survey = Survey.objects.select_related("touchpoint").filter(code=code).first()
    if survey is None:
        raise Http404
    return survey


def invitation_list(*, status: str = "", survey: Survey | None = None) -> QuerySet[Invitation]:
    """Invitations, newest first, optionally of one status and/or survey."""
    rows = Invitation.objects.select_related("survey", "customer", "store").order_by(
        "-created_at", "-id"
    )
    if status:
        rows = rows.filter(status=status)
    if survey is not None:
        rows = rows.filter(survey=survey)
    return rows


def published_surveys() -> QuerySet[Survey]:
    return Survey.objects.filter(status=Survey.Status.PUBLISHED).select_related("touchpoint")


# -- Creating invitations -------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What creating one invitation did: an invitation, a suppression, or nothing (already
    handled, e.g. the same milestone in a second sweep)."""

    invitation: Invitation | None = None
    suppression: Suppression | None = None


@dataclass(frozen=True)
class _Context:
    store: Store | None = None
    order: Order | None = None
    event: OperationalEvent | None = None


def _new_invitation(
    *,
    customer: Customer,
    survey: Survey,
    source: str,
    send_after: datetime,
    context: _Context,
    created_by: User | None,
) -> Invitation:
    order = context.order
    return Invitation(
        survey=survey,
        customer=customer,
        token_hash=_placeholder_hash(),
        status=Invitation.Status.SCHEDULED,
        source=source,
        language=_language_of(customer),
        touchpoint_id=survey.touchpoint_id,
        store=context.store,
        order=order,
        purchase_channel=order.channel if order is not None else "",
        daypart=daypart_of(order.placed_at) if order is not None else "",
        operational_event=context.event,
        send_after=send_after,
        # Until sent: the link would expire this long after the planned send (reset at send).
        expires_at=send_after + timedelta(days=survey.expires_after_days),
        created_by=created_by,
    )


def _invite_locked(
    *,
    customer: Customer,
    survey: Survey,
    source: str,
    send_after: datetime,
    now: datetime,
    context: _Context,
    created_by: User | None = None,
) -> Outcome:
    """Apply the policy and create the invitation or the suppression. Caller holds the
    customer's row lock (so two sources cannot both pass the contact interval)."""
    reason = contact_policy.check(customer, survey, now)
    if reason is not None:
        suppression = Suppression.objects.create(
            survey=survey,
            customer=customer,
            reason=reason,
            source=source,
            operational_event=context.event,
        )
        return Outcome(suppression=suppression)
    invitation = _new_invitation(
        customer=customer,
        survey=survey,
        source=source,
        send_after=send_after,
        context=context,
        created_by=created_by,
    )
    try:
        with transaction.atomic():  # a savepoint: the unique constraint is the last word
            invitation.save()
    except IntegrityError:
        return Outcome()
    return Outcome(invitation=invitation)


def _lock_customer(customer_id: int) -> Customer:
    # Serialises invitations per customer: the contact interval is read, then written.
    return Customer.objects.select_for_update().get(pk=customer_id)


def invite_customer(
    *,
    customer: Customer,
    survey: Survey,
    by: User,
    order: Order | None = None,
    store: Store | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Invite one customer (the customer 360 page, a task's recovery survey). Sent as soon as
    the quiet window allows: a `realtime` job is queued on commit when it is due now, else the
    sweep sends it.

    The answer is credited where the experience happened: the `order`'s store (and the order
    carries its channel and daypart into the response), else `store`, else the customer's
    home store. The order must be the customer's own."""
    if order is not None and order.customer_id != customer.pk:
        raise ValueError("the order belongs to another customer")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_customer(customer.pk)
        where = order.store if order is not None else (store or locked.home_store)
        outcome = _invite_locked(
            customer=locked,
            survey=survey,
            source=Invitation.Source.MANUAL,
            send_after=out_of_quiet_window(now),
            now=now,
            context=_Context(store=where, order=order),
            created_by=by,
        )
        if outcome.invitation is not None and outcome.invitation.send_after <= now:
            _enqueue_send(outcome.invitation.pk)
    return outcome


# -- From journey milestones ----------------------------------------------------------------------


def milestone_send_after(*, occurred_at: datetime, survey: Survey) -> datetime:
    """The milestone time plus the survey's delay, pushed out of the quiet window."""
    return out_of_quiet_window(occurred_at + timedelta(hours=survey.send_delay_hours))


def _invite_for_event(*, event: OperationalEvent, survey: Survey, now: datetime) -> Outcome:
    """Exactly once per (event, survey), even with two sweeps at the same moment: both wait
    for the customer's row lock, and the second finds the first one's invitation or
    suppression (the unique constraint `invitation_once_per_milestone` backs this up)."""
    send_after = milestone_send_after(occurred_at=event.occurred_at, survey=survey)
    if send_after + timedelta(days=survey.expires_after_days) <= now:
        return Outcome()  # so old that the link would be born expired
    with transaction.atomic():
        customer = _lock_customer(event.customer_id)
        handled = (
            Invitation.objects.filter(operational_event=event, survey=survey).exists()
            or Suppression.objects.filter(operational_event=event, survey=survey).exists()
        )
        if handled:
            return Outcome()
        order = event.order
        return _invite_locked(
            customer=customer,
            survey=survey,
            source=Invitation.Source.MILESTONE,
            send_after=max(send_after, out_of_quiet_window(now)),
            now=now,
            context=_Context(
                store=event.store or (order.store if order is not None else None),
                order=order,
                event=event,
            ),
        )


def create_milestone_invitations(*, now: datetime, limit: int = MILESTONE_BATCH) -> Counter[str]:
    """Consume unprocessed milestones for published surveys that send on their touchpoint's
    milestone; idempotent. Returns counts ("invited", "suppressed", "events")."""
    surveys_by_kind: dict[str, list[Survey]] = {}
    for survey in (
        published_surveys()
        .filter(send_on_milestone=True, touchpoint__is_active=True)
        .exclude(touchpoint__milestone="")
    ):
        surveys_by_kind.setdefault(survey.touchpoint.milestone, []).append(survey)
    counts: Counter[str] = Counter()
    if not surveys_by_kind:
        return counts
    events = unprocessed_events(consumer=MILESTONE_CONSUMER, kinds=surveys_by_kind, limit=limit)
    orders = Order.objects.select_related("store").in_bulk(
        [e.order_id for e in events if e.order_id is not None]
    )
    stores = Store.objects.in_bulk([e.store_id for e in events if e.store_id is not None])
    for event in events:
        # Fill the relations from the two bulk reads instead of one query per event.
        event.order = orders.get(event.order_id) if event.order_id else None
        event.store = stores.get(event.store_id) if event.store_id else None
        for survey in surveys_by_kind[event.kind]:
            outcome = _invite_for_event(event=event, survey=survey, now=now)
            counts["invited"] += outcome.invitation is not None
            counts["suppressed"] += outcome.suppression is not None
        mark_processed(consumer=MILESTONE_CONSUMER, event_ids=[event.pk])
        counts["events"] += 1
    return counts


# -- Bulk -----------------------------------------------------------------------------------------


def bulk_audience(*, segment: str, store: Store | None) -> QuerySet[Customer]:
    """Customers of a segment and/or home store (both empty: every customer)."""
    customers = Customer.objects.all()
    if segment:
        customers = customers.filter(segment=segment)
    if store is not None:
        customers = customers.filter(home_store=store)
    return customers


@dataclass(frozen=True)
class BulkPreview:
    matching: int
    suppressed: dict[str, int] = field(default_factory=dict)

    @property
    def suppressed_total(self) -> int:
        return sum(self.suppressed.values())

    @property
    def to_invite(self) -> int:
        return self.matching - self.suppressed_total


def bulk_preview(
    *, survey: Survey, segment: str, store: Store | None, now: datetime
) -> BulkPreview:
    """How many customers match and how many the policy would suppress, by reason (one
    query, after reading who has an open follow-up; the same rules, in the same order, as
    `contact_policy.check`)."""
    since = now - timedelta(days=contact_policy.contact_interval_days(survey))
    recent = Invitation.objects.filter(customer=OuterRef("pk"), created_at__gte=since).exclude(
        status=Invitation.Status.REVOKED
    )
    reachable = Q(survey_consent=True) & ~Q(email="")
    followed_up = contact_policy.customers_with_open_followup(None)
    figures = bulk_audience(segment=segment, store=store).aggregate(
        matching=Count("pk"),
        no_consent=Count("pk", filter=Q(survey_consent=False)),
        no_email=Count("pk", filter=Q(survey_consent=True, email="")),
        recently_invited=Count("pk", filter=reachable & Q(Exists(recent))),
        open_task=Count("pk", filter=reachable & ~Q(Exists(recent)) & Q(pk__in=followed_up)),
    )
    reasons = [
        Suppression.Reason.NO_CONSENT,
        Suppression.Reason.NO_EMAIL,
        Suppression.Reason.RECENTLY_INVITED,
        Suppression.Reason.OPEN_TASK,
    ]
    return BulkPreview(
        matching=figures["matching"], suppressed={str(r): figures[str(r)] for r in reasons}
    )


def request_bulk_invitations(
    *, survey: Survey, segment: str, store: Store | None, by: User, now: datetime | None = None
) -> datetime:
    """Queue the creation of a segment's invitations (a `default` job, on commit); returns the
    request time, which the job uses to skip customers a retry already handled."""
    if survey.status != Survey.Status.PUBLISHED:
        raise ValueError("only a published survey can be sent")
    requested_at = now or timezone.now()
    queue = queues.get_queue("default")
    kwargs = {
        "survey_id": survey.pk,
        "segment": segment,
        "store_id": store.pk if store is not None else None,
        "requested_by_id": by.pk,
        "requested_at": requested_at.isoformat(),
    }
    transaction.on_commit(
        lambda: queue.enqueue("surveys.jobs.create_bulk_invitations", kwargs=kwargs)
    )
    return requested_at


def create_bulk_invitations(
    *,
    survey: Survey,
    segment: str,
    store: Store | None,
    requested_at: datetime,
    by: User | None,
    now: datetime | None = None,
    batch_size: int = BULK_BATCH,
) -> Counter[str]:
    """Create the invitations (and suppressions) of a bulk request, in batches of customers,
    one transaction each. Idempotent: customers with an invitation or suppression of this
    survey from a bulk request since `requested_at` are skipped, so a retried job carries on
    where it stopped. The sweep sends them (from 09:00 if created in the quiet window)."""
    counts: Counter[str] = Counter()
    audience = bulk_audience(segment=segment, store=store).order_by("pk")
    last_pk = 0
    while True:
        now_ = now or timezone.now()
        with transaction.atomic():
            # Locked in primary-key order (no deadlock with another batch or a milestone sweep).
            batch = list(audience.filter(pk__gt=last_pk).select_for_update()[:batch_size])
            if not batch:
                break
            last_pk = batch[-1].pk
            _bulk_batch(
                batch=batch,
                survey=survey,
                requested_at=requested_at,
                by=by,
                now=now_,
                counts=counts,
            )
    return counts


def _bulk_batch(
    *,
    batch: list[Customer],
    survey: Survey,
    requested_at: datetime,
    by: User | None,
    now: datetime,
    counts: Counter[str],
) -> None:
    ids = [c.pk for c in batch]
    source = Invitation.Source.BULK
    done = set(
        Invitation.objects.filter(
            survey=survey, source=source, customer__in=ids, created_at__gte=requested_at
        ).values_list("customer_id", flat=True)
    ) | set(
        Suppression.objects.filter(
            survey=survey, source=source, customer__in=ids, created_at__gte=requested_at
        ).values_list("customer_id", flat=True)
    )
    todo = [c for c in batch if c.pk not in done]
    counts["skipped"] += len(batch) - len(todo)
    reasons = contact_policy.check_many(todo, survey, now)
    send_after = out_of_quiet_window(now)
    invitations, suppressions = [], []
    for customer in todo:
        reason = reasons[customer.pk]
        if reason is None:
            invitations.append(
                _new_invitation(
                    customer=customer,
                    survey=survey,
                    source=source,
                    send_after=send_after,
                    context=_Context(store=customer.home_store),
                    created_by=by,
                )
            )
        else:
            suppressions.append(
                Suppression(survey=survey, customer=customer, reason=reason, source=source)
            )
    Invitation.objects.bulk_create(invitations)
    Suppression.objects.bulk_create(suppressions)
    counts["invited"] += len(invitations)
    counts["suppressed"] += len(suppressions)


# -- Sending --------------------------------------------------------------------------------------


def _enqueue_send(invitation_id: int) -> None:
    _enqueue_once(
        "surveys.jobs.send_invitation", invitation_id, f"survey-invitation-{invitation_id}"
    )


def _enqueue_reminder(invitation_id: int) -> None:
    _enqueue_once("surveys.jobs.send_reminder", invitation_id, f"survey-reminder-{invitation_id}")


def _enqueue_once(func: str, invitation_id: int, job_id: str) -> None:
    """Queue a `realtime` job on commit, unless the same job still waits or runs (the sweep
    sees a due invitation every minute until its job has claimed it)."""
    # "auto": this callback already runs on commit; the check and the enqueue happen together.
    queue = queues.get_queue("realtime", commit_mode="auto")

    def enqueue() -> None:
        job = queue.fetch_job(job_id)
        waiting = (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED)
        if job is not None and job.get_status(refresh=False) in waiting:
            return
        queue.enqueue(func, invitation_id, job_id=job_id)

    transaction.on_commit(enqueue)


def _email_context(invitation: Invitation, token: str) -> dict[str, object]:
    """What the invitation and reminder e-mails say. They ask about a visit only when the
    invitation follows a store purchase: most invitations carry a store (a bulk one the
    customer's home store, a delivery the selling store), and a relationship survey or a
    delivery is not a visit. Without an order or a milestone there is no one experience to
    ask about, so the e-mail asks for the customer's opinion of the company."""
    store = invitation.store
    visit = store is not None and (
        invitation.purchase_channel == Channel.STORE
        or invitation.touchpoint.milestone == Milestone.STORE_ORDER_COMPLETED
    )
    return {
        "customer_name": invitation.customer.name,
        "survey_name": invitation.survey.name,
        "store_name": store.name if store is not None else "",
        "visit": visit,
        "about_purchase": visit
        or invitation.order_id is not None
        or invitation.operational_event_id is not None,
        "link": survey_link(token),
        "unsubscribe_link": unsubscribe_link(token),
        "expires_at": invitation.expires_at,
    }


def _suppress_at_send(invitation: Invitation, reason: str, now: datetime) -> None:
    """The customer withdrew consent, lost the address or got an open follow-up task after the
    invitation was made. Recorded once: only the job that revokes the row records it."""
    with transaction.atomic():
        revoked = Invitation.objects.filter(
            pk=invitation.pk, status=Invitation.Status.SCHEDULED
        ).update(status=Invitation.Status.REVOKED, revoked_at=now)
        if revoked:
            Suppression.objects.create(
                survey=invitation.survey,
                customer=invitation.customer,
                reason=reason,
                source=invitation.source,
                operational_event_id=invitation.operational_event_id,
            )


def send_invitation_email(*, invitation_id: int, now: datetime | None = None) -> bool:
    """E-mail a due invitation once; returns whether it went out.

    The claim (scheduled → sent, with the token's hash and the real expiry) is a conditional
    update, and the e-mail is sent inside the same transaction: a second job finds nothing to
    claim, and a failed e-mail rolls the claim back so the next sweep tries again.
    """
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_related("customer", "survey", "store", "touchpoint")
        .filter(pk=invitation_id, status=Invitation.Status.SCHEDULED, send_after__lte=now)
        .first()
    )
    if invitation is None or in_quiet_window(now):
        return False  # already sent, revoked, not due yet; or the sweep will send it at 09:00
    customer = invitation.customer
    reason = contact_policy.reason_at_send(customer)
    if reason is not None:
        _suppress_at_send(invitation, reason, now)
        return False
    token, digest = new_token()
    expires_at = now + timedelta(days=invitation.survey.expires_after_days)
    with transaction.atomic():
        claimed = Invitation.objects.filter(
            pk=invitation.pk, status=Invitation.Status.SCHEDULED, sent_at=None
        ).update(
            status=Invitation.Status.SENT,
            sent_at=now,
            expires_at=expires_at,
            token_hash=digest,
        )
        if not claimed:
            return False
        invitation.expires_at = expires_at
        send_templated_email(
            to=[customer.email],
            template="surveys/email/invitation",
            context=_email_context(invitation, token),
            language=invitation.language,
        )
    log.info("survey invitation sent", extra={"invitation": invitation.code.hex})
    return True


def _reminder_due(now: datetime) -> Q:
    return Q(
        status=Invitation.Status.SENT,
        reminder_sent_at=None,
        answered_at=None,
        revoked_at=None,
        expires_at__gt=now,
        customer__survey_consent=True,
    ) & ~Q(customer__email="")


def _reminders_due(now: datetime) -> QuerySet[Invitation]:
    after = ExpressionWrapper(
        F("survey__reminder_after_days") * Value(timedelta(days=1)),
        output_field=DurationField(),
    )
    return (
        Invitation.objects.filter(_reminder_due(now))
        .alias(reminder_at=F("sent_at") + after)
        .filter(reminder_at__lte=now)
    )


def _reminders_to_queue(now: datetime, limit: int) -> list[int]:
    """Due reminders, oldest first, leaving out customers with an open follow-up task (the
    actions app answers that question, so it cannot be part of `_reminder_due`'s query; open
    tasks are few, so their customers are read once). Held-back reminders never take the
    batch's places."""
    followed_up = contact_policy.customers_with_open_followup(None)
    due = _reminders_due(now).exclude(customer_id__in=followed_up).order_by("pk")
    return list(due.values_list("pk", flat=True)[:limit])


def send_reminder_email(*, invitation_id: int, now: datetime | None = None) -> bool:
    """Remind a customer who has not answered, once, with the same link; returns whether it
    went out. Never after an answer, expiry or revocation (re-checked in the claim), nor while
    the customer has an open follow-up task.

    A held-back reminder changes nothing: the first e-mail reached the customer, so its link
    keeps working and it still counts for the contact interval (a revoked invitation would
    not); the reminder may go out if the task is closed before the link expires.
    """
    now = now or timezone.now()
    if in_quiet_window(now):
        return False
    invitation = (
        _reminders_due(now)
        .select_related("customer", "survey", "store", "touchpoint")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.sent_at is None:
        return False
    if contact_policy.has_open_followup(invitation.customer):
        log.info("survey reminder held back", extra={"invitation": invitation.code.hex})
        return False
    token, digest = new_token()
    with transaction.atomic():
        claimed = (
            Invitation.objects.filter(pk=invitation.pk)
            .filter(_reminder_due(now))
            .update(reminder_sent_at=now, reminder_token_hash=digest)
        )
        if not claimed:
            return False
        send_templated_email(
            to=[invitation.customer.email],
            template="surveys/email/reminder",
            context=_email_context(invitation, token),
            language=invitation.language,
        )
    log.info("survey reminder sent", extra={"invitation": invitation.code.hex})
    return True


# -- Revoking and unsubscribing -------------------------------------------------------------------


def revoke_invitation(*, invitation: Invitation, now: datetime | None = None) -> bool:
    """Withdraw a scheduled or sent invitation: it is not sent, reminded or answerable."""
    now = now or timezone.now()
    revoked = Invitation.objects.filter(pk=invitation.pk, status__in=_LIVE).update(
        status=Invitation.Status.REVOKED, revoked_at=now
    )
    return bool(revoked)


def unsubscribe_customer(*, invitation: Invitation, now: datetime | None = None) -> None:
    """The customer behind a link wants no more surveys: consent off (idempotent). Invitations
    still scheduled are dropped by the send job, which checks consent again."""
    Customer.objects.filter(pk=invitation.customer_id).update(
        survey_consent=False, updated_at=now or timezone.now()
    )
    invitation.customer.survey_consent = False
    log.info("customer unsubscribed from surveys", extra={"customer": invitation.customer.code.hex})


# -- The sweep ------------------------------------------------------------------------------------


def sweep_invitations(*, now: datetime | None = None) -> dict[str, int]:
    """One pass (every minute, and `manage.py sweep_invitations`): expire old links, turn
    milestones into invitations, queue due e-mails and reminders. Safe to run twice at once."""
    now = now or timezone.now()
    expired = Invitation.objects.filter(status__in=_LIVE, expires_at__lte=now).update(
        status=Invitation.Status.EXPIRED
    )
    milestones = create_milestone_invitations(now=now)
    sends = reminders = 0
    if not in_quiet_window(now):
        due = Invitation.objects.filter(
            status=Invitation.Status.SCHEDULED, send_after__lte=now
        ).order_by("send_after")
        for invitation_id in due.values_list("pk", flat=True)[:SEND_BATCH]:
            _enqueue_send(invitation_id)
            sends += 1
        for invitation_id in _reminders_to_queue(now, SEND_BATCH):
            _enqueue_reminder(invitation_id)
            reminders += 1
    return {
        "expired": expired,
        "milestone_events": milestones["events"],
        "invited": milestones["invited"],
        "suppressed": milestones["suppressed"],
        "sends_queued": sends,
        "reminders_queued": reminders,
    }
