"""Rule evaluation: each recorded response against the per-response rules (on the `realtime`
queue, enqueued on commit), operational facts against the operational rules (a scheduled
sweep), and the preview that says what a rule would have done in the last 30 days.

The chain from a submitted survey to a task: the answer view calls `response_recorded` →
`actions.jobs.evaluate_recent_responses` → `evaluate_recent_responses` → `evaluate_response` →
`actions.services.tasks.fire`. One job drains every response committed before it started, so
a burst of answers costs one job, not one per answer; the reconciler queues
`actions.jobs.evaluate_response` for a response that waited longer than `RECENT`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from actions.conditions import FIELDS, ResponseFacts, response_matches
from actions.models import OperationalFiring, TriggerRule
from actions.services.tasks import Trigger, fire
from cxm import queues
from odata.models import Customer, Region, Store
from surveys.models import Survey, Touchpoint
from xdata.models import Response

log = logging.getLogger(__name__)

DRAIN_JOB = "actions.jobs.evaluate_recent_responses"
# Set while a drain job is queued and not yet started (see `cxm.queues.wake_on_commit`).
DRAIN_FLAG = "cxm:actions:evaluate-recent:queued"
DRAIN_FLAG_TTL = 60
# A drain takes responses submitted this recently; older unevaluated ones are the reconciler's
# (a response whose evaluation failed is then retried by its own job, in RQ's failed registry
# if it fails again, instead of by every drain).
RECENT = timedelta(minutes=2)
DRAIN_BATCH = 200
# A drain that has worked this long (a large backlog) queues the next one and ends, well
# within the realtime queue's job timeout.
DRAIN_SECONDS = 60.0
# Operational rules act on facts that became true this recently: enabling a rule does not open
# a task for every late delivery of last year.
OPERATIONAL_LOOKBACK = timedelta(days=14)
PREVIEW_DAYS = 30


# -- per response ----------------------------------------------------------------------------


def response_recorded(*, response: Response) -> None:
    """Hand a just-recorded response to rule evaluation once the transaction commits: a drain
    job is queued unless one is waiting already (which then reads this response). If Redis is
    unreachable the response keeps an empty `evaluated_at` and the reconciler queues it."""
    _queue_drain()


def _queue_drain() -> None:
    queues.wake_on_commit("realtime", DRAIN_JOB, flag=DRAIN_FLAG, ttl=DRAIN_FLAG_TTL)


def evaluate_recent_responses(*, now: datetime | None = None) -> dict[str, int]:
    """Evaluate every response submitted in the last `RECENT` and not evaluated yet, oldest
    first, up to those submitted when this started (later ones queued the next drain).

    Each response in its own transaction; one that another worker is evaluating is skipped,
    and one whose evaluation fails is logged and left for the next drain or the reconciler,
    so it never holds up the others. A drain that reaches `DRAIN_SECONDS` queues the next
    one to go on. Returns counts."""
    queues.woken("realtime", DRAIN_FLAG)
    started = time.monotonic()
    now = now or timezone.now()
    pending = Response.objects.filter(
        evaluated_at=None, submitted_at__gte=now - RECENT, submitted_at__lte=now
    ).order_by("submitted_at", "pk")
    counts = {"responses": 0, "fired": 0, "failed": 0}
    after: tuple[datetime, int] | None = None
    while True:
        batch = pending
        if after is not None:
            batch = batch.filter(
                Q(submitted_at__gt=after[0]) | Q(submitted_at=after[0], pk__gt=after[1])
            )
        rows = list(batch.values_list("submitted_at", "pk")[:DRAIN_BATCH])
        for _submitted_at, response_id in rows:
            try:
                counts["fired"] += evaluate_response(response_id=response_id, skip_locked=True)
            except Exception:
                log.exception("response %s not evaluated; it is retried", response_id)
                counts["failed"] += 1
                continue
            counts["responses"] += 1
        if len(rows) < DRAIN_BATCH:
            return counts
        if time.monotonic() - started > DRAIN_SECONDS:
            _queue_drain()
            counts["continued"] = 1
            return counts
        after = rows[-1]


def rules_in_scope(
    *,
    kind: str,
    survey_id: int | None = None,
    touchpoint_id: int | None = None,
    store: Store | None = None,
) -> QuerySet[TriggerRule]:
    """Enabled rules of `kind` whose scope includes the given survey, touchpoint and store
    (an empty scope field matches everything)."""
    rules = TriggerRule.objects.filter(kind=kind, is_enabled=True, plan__is_active=True)
    rules = rules.filter(Q(survey__isnull=True) | Q(survey_id=survey_id))
    rules = rules.filter(Q(touchpoint__isnull=True) | Q(touchpoint_id=touchpoint_id))
    rules = rules.filter(Q(store__isnull=True) | Q(store=store))
    region_id = store.region_id if store is not None else None
    rules = rules.filter(Q(region__isnull=True) | Q(region_id=region_id))
    return rules.select_related("plan").order_by("id")


def _response_subject(response: Response) -> str:
    if response.customer_id is not None:
        return f"customer:{response.customer_id}"
    # An anonymous open-link answer: the store can still look into what went wrong.
    return f"response:{response.pk}"


def _response_title(rule: TriggerRule, response: Response) -> str:
    who = (
        str(response.customer)
        if response.customer is not None
        else (response.store.name if response.store is not None else "")
    )
    return f"{rule.name} · {who}" if who else rule.name


def _answer_facts(response: Response) -> dict[str, Any]:
    facts: dict[str, Any] = {"response": str(response.code), "survey": response.survey.name}
    for name in ("nps", "csat", "ces"):
        value = getattr(response, name)
        if value is not None:
            facts[name] = value
    if response.intent:
        facts["intent"] = response.intent
    return facts


def evaluate_response(*, response_id: int, skip_locked: bool = False) -> int:
    """Test one response against every enabled per-response rule in its scope, fire the
    matching ones, and mark it evaluated; returns how many rules fired.

    Idempotent and safe when several workers run it at once: the response row is locked and a
    response with `evaluated_at` set is skipped (PostgreSQL re-checks the condition after the
    lock wait, so the second worker finds nothing to do). With `skip_locked`, a response that
    another worker holds is not waited for (that worker evaluates it)."""
    with transaction.atomic():
        response = (
            Response.objects.select_for_update(of=("self",), skip_locked=skip_locked)
            .select_related("customer", "store", "survey", "touchpoint")
            .filter(pk=response_id, evaluated_at__isnull=True)
            .first()
        )
        if response is None:
            return 0
        facts = ResponseFacts(response)
        fired = 0
        for rule in rules_in_scope(
            kind=TriggerRule.Kind.RESPONSE,
            survey_id=response.survey_id,
            touchpoint_id=response.touchpoint_id,
            store=response.store,
        ):
            if not response_matches(rule.definition, facts):
                continue
            fire(
                Trigger(
                    rule=rule,
                    subject_key=_response_subject(response),
                    title=_response_title(rule, response),
                    at=response.submitted_at,
                    customer=response.customer,
                    store=response.store,
                    touchpoint=response.touchpoint,
                    response=response,
                    facts={**_answer_facts(response), **facts.looked_at()},
                )
            )
            fired += 1
        Response.objects.filter(pk=response.pk).update(evaluated_at=timezone.now())
    return fired


# -- operational -----------------------------------------------------------------------------

# Late deliveries: delivered (or still not delivered) at least N whole days after the promise,
# crossing that threshold within the lookback. Lateness as `Delivery.days_late`: a started day
# counts.
_LATE_DELIVERIES = """
SELECT d.id, o.customer_id, o.store_id,
       CEIL(EXTRACT(EPOCH FROM (COALESCE(d.delivered_at, %(now)s) - d.promised_at)) / 86400)::int
  FROM odata_delivery d JOIN odata_order o ON o.id = d.order_id
 WHERE d.promised_at + make_interval(days => %(days)s) <= COALESCE(d.delivered_at, %(now)s)
   AND d.promised_at + make_interval(days => %(days)s) >= %(since)s
   AND d.status NOT IN ('failed', 'returned')
   AND (%(store)s::bigint IS NULL OR o.store_id = %(store)s)
   AND (%(region)s::bigint IS NULL
        OR o.store_id IN (SELECT id FROM odata_store WHERE region_id = %(region)s))
   AND NOT EXISTS (SELECT 1 FROM actions_operationalfiring f
                    WHERE f.rule_id = %(rule)s AND f.fact_key = 'delivery:' || d.id)
 ORDER BY d.id
 LIMIT 5000
"""

# Repeat complaints: a complaint opened within the lookback that is at least the K-th
# complaint of its customer within D days.
_REPEAT_COMPLAINTS = """
SELECT s.id, s.customer_id, o.store_id,
       (SELECT count(*) FROM odata_servicerecord p
         WHERE p.customer_id = s.customer_id AND p.kind = 'complaint'
           AND p.opened_at > s.opened_at - make_interval(days => %(window)s)
           AND p.opened_at <= s.opened_at)::int AS complaints
  FROM odata_servicerecord s LEFT JOIN odata_order o ON o.id = s.order_id
 WHERE s.kind = 'complaint' AND s.opened_at >= %(since)s AND s.opened_at <= %(now)s
   AND (%(store)s::bigint IS NULL OR o.store_id = %(store)s)
   AND (%(region)s::bigint IS NULL
        OR o.store_id IN (SELECT id FROM odata_store WHERE region_id = %(region)s))
   AND NOT EXISTS (SELECT 1 FROM actions_operationalfiring f
                    WHERE f.rule_id = %(rule)s AND f.fact_key = 'complaint:' || s.id)
 ORDER BY s.id
 LIMIT 5000
"""


def _operational_facts(
    rule_id: int,
    definition: dict[str, Any],
    now: datetime,
    since: datetime,
    store_id: int | None,
    region_id: int | None,
) -> list[tuple[str, int, int | None, dict[str, Any]]]:
    """(fact key, customer id, store id, facts) for every fact in scope the rule has not acted
    on yet (at most 5,000 per call; the next sweep takes the rest)."""
    found = []
    params: dict[str, Any] = {
        "now": now,
        "since": since,
        "rule": rule_id,
        "store": store_id,
        "region": region_id,
    }
    with connection.cursor() as cursor:
        if definition["event"] == "delivery_late":
            cursor.execute(_LATE_DELIVERIES, {**params, "days": definition["min_days"]})
            for delivery_id, customer_id, store_id, days_late in cursor.fetchall():
                found.append(
                    (f"delivery:{delivery_id}", customer_id, store_id, {"days_late": days_late})
                )
        else:
            cursor.execute(_REPEAT_COMPLAINTS, {**params, "window": definition["within_days"]})
            for record_id, customer_id, store_id, count in cursor.fetchall():
                if count >= definition["min_count"]:
                    found.append(
                        (
                            f"complaint:{record_id}",
                            customer_id,
                            store_id,
                            {"complaints": count, "within_days": definition["within_days"]},
                        )
                    )
    return found


def evaluate_operational_rules(*, now: datetime | None = None) -> int:
    """Fire every enabled operational rule for the facts it has not acted on yet; returns how
    many facts fired. Each (rule, fact) is claimed by inserting an `OperationalFiring` in the
    same transaction as the task, so overlapping sweeps act once."""
    now = now or timezone.now()
    since = now - OPERATIONAL_LOOKBACK
    fired = 0
    rules = TriggerRule.objects.filter(
        kind=TriggerRule.Kind.OPERATIONAL, is_enabled=True, plan__is_active=True
    ).select_related("plan", "touchpoint")
    for rule in rules:
        facts = _operational_facts(
            rule.pk, rule.definition, now, since, rule.store_id, rule.region_id
        )
        customers = Customer.objects.in_bulk({customer_id for _k, customer_id, _s, _f in facts})
        stores = Store.objects.in_bulk({s for _k, _c, s, _f in facts if s is not None})
        for fact_key, customer_id, store_id, data in facts:
            store = stores.get(store_id) if store_id is not None else None
            customer = customers[customer_id]
            with transaction.atomic():
                _firing, created = OperationalFiring.objects.get_or_create(
                    rule=rule, fact_key=fact_key, defaults={"fired_at": now}
                )
                if not created:
                    continue
                fire(
                    Trigger(
                        rule=rule,
                        subject_key=f"customer:{customer_id}",
                        title=f"{rule.name} · {customer}",
                        at=now,
                        customer=customer,
                        store=store,
                        touchpoint=rule.touchpoint,
                        facts={"fact": fact_key, **data},
                    )
                )
            fired += 1
    return fired


# -- preview ---------------------------------------------------------------------------------


def _prefilter(definition: dict[str, Any]) -> Q:
    """SQL for the answer conditions of an "all" rule, so the preview reads few rows."""
    if definition.get("match", "all") != "all":
        return Q()
    query = Q()
    for condition in definition["conditions"]:
        name, op, value = condition["field"], condition["op"], condition["value"]
        if FIELDS[name].type == "int":
            query &= Q(**{f"{name}__{'exact' if op == 'eq' else op}": value})
        elif name == "intent":
            query &= Q(intent=value)
    return query


def preview_rule(
    *,
    kind: str,
    definition: dict[str, Any],
    survey: Survey | None = None,
    touchpoint: Touchpoint | None = None,
    store: Store | None = None,
    region: Region | None = None,
    days: int = PREVIEW_DAYS,
    now: datetime | None = None,
) -> int:
    """How many tasks a rule with this (valid) definition and scope would have opened in the
    last `days` days: distinct subjects, since repeat triggers add to an open task."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    if kind == TriggerRule.Kind.AGGREGATE:
        from actions.services.aggregate import preview_aggregate_rule

        return preview_aggregate_rule(
            definition=definition, survey=survey, touchpoint=touchpoint, store=store, region=region
        )
    if kind == TriggerRule.Kind.OPERATIONAL:
        return _preview_operational(definition, store, region, since, now)
    return preview_response_rule(
        definition=definition,
        survey=survey,
        touchpoint=touchpoint,
        store=store,
        region=region,
        days=days,
        now=now,
        overlaps=False,
    ).tasks


@dataclass(frozen=True)
class Overlap:
    """An enabled rule that also fires on some of the responses a rule would fire on."""

    rule: TriggerRule
    responses: int


@dataclass(frozen=True)
class ResponsePreview:
    """What a per-response rule would have done in the last `days` days: the tasks it would
    have opened, the responses it would have fired on, and the enabled rules that fire on the
    same responses (most shared first), each of which opens its own task and e-mail."""

    tasks: int
    responses: int
    days: int
    overlaps: list[Overlap] = field(default_factory=list)


def _in_scope(rule: TriggerRule, response: Response, region_id: int | None) -> bool:
    """`rules_in_scope` for one response, in Python (the candidates are few)."""
    return (
        rule.survey_id in (None, response.survey_id)
        and rule.touchpoint_id in (None, response.touchpoint_id)
        and rule.store_id in (None, response.store_id)
        and rule.region_id in (None, region_id)
    )


def preview_response_rule(
    *,
    definition: dict[str, Any],
    survey: Survey | None = None,
    touchpoint: Touchpoint | None = None,
    store: Store | None = None,
    region: Region | None = None,
    exclude: TriggerRule | None = None,
    days: int = PREVIEW_DAYS,
    now: datetime | None = None,
    overlaps: bool = True,
) -> ResponsePreview:
    """The preview of a (valid) per-response definition and scope, by the same matching the
    evaluation uses. With `overlaps`, each matching response is also tested against the other
    enabled per-response rules (all but `exclude`, the rule being edited) as
    `evaluate_response` would test it: a rule in scope whose conditions hold fires too."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    responses = Response.objects.filter(submitted_at__gte=since, submitted_at__lte=now)
    if survey is not None:
        responses = responses.filter(survey=survey)
    if touchpoint is not None:
        responses = responses.filter(touchpoint=touchpoint)
    if store is not None:
        responses = responses.filter(store=store)
    if region is not None:
        responses = responses.filter(store__region=region)
    others: list[TriggerRule] = []
    if overlaps:
        candidates = TriggerRule.objects.filter(
            kind=TriggerRule.Kind.RESPONSE, is_enabled=True, plan__is_active=True
        )
        if exclude is not None:
            candidates = candidates.exclude(pk=exclude.pk)
        if survey is not None:
            candidates = candidates.filter(Q(survey__isnull=True) | Q(survey=survey))
        others = list(candidates.order_by("name", "id"))
    subjects = set()
    matched = 0
    shared = dict.fromkeys((other.pk for other in others), 0)
    rows = responses.filter(_prefilter(definition)).annotate(region_id=F("store__region_id"))
    for response in rows.iterator(chunk_size=2000):
        facts = ResponseFacts(response)
        if not response_matches(definition, facts):
            continue
        matched += 1
        subjects.add(_response_subject(response))
        for other in others:
            in_scope = _in_scope(other, response, response.region_id)
            if in_scope and response_matches(other.definition, facts):
                shared[other.pk] += 1
    found = [Overlap(rule=o, responses=shared[o.pk]) for o in others if shared[o.pk]]
    found.sort(key=lambda overlap: -overlap.responses)
    return ResponsePreview(tasks=len(subjects), responses=matched, days=days, overlaps=found)


def _preview_operational(
    definition: dict[str, Any],
    store: Store | None,
    region: Region | None,
    since: datetime,
    now: datetime,
) -> int:
    # Rule id 0 matches no firing: the preview ignores what an existing rule already did.
    facts = _operational_facts(
        0,
        definition,
        now,
        since,
        store.pk if store is not None else None,
        region.pk if region is not None else None,
    )
    return len({customer_id for _key, customer_id, _store, _data in facts})
