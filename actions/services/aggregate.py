"""Aggregate rules: a statistic of a segment (a store's NPS, a region's CSAT, …) falls below a
threshold with enough answers, or drops significantly against the previous period after the
analysis app's false-discovery control.

The chain: the analysis app finishes a run → `analysis_finished(run_id=…)` → (on commit, the
`realtime` queue) `actions.jobs.evaluate_aggregate_rules` → `evaluate_aggregate_rules` →
`actions.services.tasks.fire` with the subject `segment:<kind>:<key>:<period_start>`.

Rules read the monthly comparison (the latest complete month against the one before,
`AGGREGATE_PERIOD`): a week seldom has enough answers per store for a minimum n worth having,
and one period keeps one task per segment and month. A (rule, segment, month) opens at most one
task, also after that task closed: the next hourly run sees the same month again and must not
open it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation

from actions.models import FollowUpTask, Holdout, TriggerRule
from actions.services.tasks import Trigger, fire
from actions.task_titles import aggregate_title
from analysis.models import SegmentChange
from analysis.selectors import latest_segment_changes
from cxm import queues
from odata.models import Region, Store
from surveys.models import Survey, Touchpoint

log = logging.getLogger(__name__)

EVALUATE_JOB = "actions.jobs.evaluate_aggregate_rules"
AGGREGATE_PERIOD = SegmentChange.Period.MONTH


def analysis_finished(*, run_id: int) -> None:
    """Called by the analysis app after a run finished: evaluate the aggregate rules against it
    once the transaction commits (`realtime` queue). If Redis is down the next run's call
    catches up, since a (rule, segment, month) fires once whichever run sees it first."""

    queues.enqueue_on_commit(
        "realtime", EVALUATE_JOB, run_id, job_id=f"evaluate-aggregate-{run_id}"
    )


@dataclass(frozen=True)
class Scope:
    """A rule's scope (empty fields match everything)."""

    survey: Survey | None = None
    touchpoint: Touchpoint | None = None
    store: Store | None = None
    region: Region | None = None

    @classmethod
    def of(cls, rule: TriggerRule) -> Scope:
        return cls(rule.survey, rule.touchpoint, rule.store, rule.region)


def _scoped(rows: QuerySet[SegmentChange], scope: Scope) -> QuerySet[SegmentChange]:
    """Segments inside the scope: a store scope keeps that store's segment; a region scope the
    region and its stores; a survey or touchpoint scope that survey's or touchpoint's segment.
    Segments of another kind (a channel, a weekday) are not inside a narrowed scope."""
    if scope.store is not None:
        rows = rows.filter(segment_kind="store", segment_key=scope.store.external_id)
    if scope.region is not None:
        stores = Store.objects.filter(region=scope.region).values_list("external_id", flat=True)
        rows = rows.filter(
            Q(segment_kind="region", segment_key=scope.region.code)
            | Q(segment_kind="store", segment_key__in=list(stores))
        )
    if scope.survey is not None:
        rows = rows.filter(segment_kind="survey", segment_key=str(scope.survey.code))
    if scope.touchpoint is not None:
        rows = rows.filter(segment_kind="touchpoint", segment_key=str(scope.touchpoint.code))
    return rows


def matching_changes(
    definition: dict[str, Any], scope: Scope, *, run_id: int | None = None
) -> list[SegmentChange]:
    """The latest run's monthly segment changes that meet an aggregate definition: value below
    `below` with at least `min_n` answers, or (when asked) a significant drop."""
    rows = latest_segment_changes(
        metric=definition["metric"], segment_kind=definition["segment_kind"]
    ).filter(period=AGGREGATE_PERIOD)
    if run_id is not None:
        rows = rows.filter(run_id=run_id)
    found = []
    below = definition.get("below")
    for change in _scoped(rows, scope).order_by("segment_key"):
        low = (
            below is not None
            and change.current_value is not None
            and change.current_n >= int(definition["min_n"])
            and change.current_value < float(below)
        )
        if low or (definition.get("significant_drop") and change.significant_drop):
            found.append(change)
    return found


def subject_key(change: SegmentChange) -> str:
    return f"segment:{change.segment_kind}:{change.segment_key}:{change.period_start.isoformat()}"


def _number(value: float | None) -> float | None:
    # Unrounded: the title rounds once when it is worded, so "below 3.5" never reads "3.5".
    return None if value is None else float(value)


def _facts(rule: TriggerRule, change: SegmentChange) -> dict[str, Any]:
    """The segment's figures, and the rule's name as the task opened: what the task's title is
    worded from whenever it is read (`actions.task_titles`)."""
    return {
        "rule_name": rule.name,
        "metric": change.metric,
        "segment_kind": change.segment_kind,
        "segment_key": change.segment_key,
        "segment": change.segment_label,
        "period": change.period,
        "period_start": change.period_start.isoformat(),
        "value": _number(change.current_value),
        "low": _number(change.current_low),
        "high": _number(change.current_high),
        "n": change.current_n,
        "previous_value": _number(change.previous_value),
        "previous_n": change.previous_n,
        "difference": _number(change.difference),
        "p_value": change.p_value,
        "q_value": change.q_value,
        "significant_drop": change.significant_drop,
        "run": change.run_id,
    }


def _title(rule: TriggerRule, facts: dict[str, Any]) -> str:
    # The stored title is in the site's language (the API, webhooks and search read it); pages
    # and e-mails word it again in their reader's language from the facts (`task_title`).
    with translation.override(settings.LANGUAGE_CODE):
        return aggregate_title(rule_name=rule.name, facts=facts)


def _segment_objects(change: SegmentChange) -> tuple[Store | None, Touchpoint | None]:
    if change.segment_kind == "store":
        return Store.objects.filter(external_id=change.segment_key).first(), None
    if change.segment_kind == "touchpoint":
        return None, Touchpoint.objects.filter(code=change.segment_key).first()
    return None, None


def evaluate_aggregate_rules(*, run_id: int) -> int:
    """Fire every enabled aggregate rule for the segments of run `run_id` that meet it; returns
    how many tasks (or holdouts) this call opened. Idempotent: a stale run (not the latest
    finished one) finds nothing, and a (rule, segment, month) that already has a task or a
    holdout is skipped. The rule row is locked while it is evaluated, so two jobs for the same
    run do not both fire."""
    opened = 0
    rules = TriggerRule.objects.filter(
        kind=TriggerRule.Kind.AGGREGATE, is_enabled=True, plan__is_active=True
    ).order_by("pk")
    for rule_id in rules.values_list("pk", flat=True):
        with transaction.atomic():
            rule = (
                TriggerRule.objects.select_for_update(of=("self",))
                .select_related("plan", "survey", "touchpoint", "store", "region")
                .filter(pk=rule_id, is_enabled=True)
                .first()
            )
            if rule is None:
                continue
            for change in matching_changes(rule.definition, Scope.of(rule), run_id=run_id):
                key = subject_key(change)
                done = (
                    FollowUpTask.objects.filter(rule=rule, subject_key=key).exists()
                    or Holdout.objects.filter(rule=rule, subject_key=key).exists()
                )
                if done:
                    continue
                store, touchpoint = _segment_objects(change)
                facts = _facts(rule, change)
                fire(
                    Trigger(
                        rule=rule,
                        subject_key=key,
                        title=_title(rule, facts),
                        at=timezone.now(),
                        store=store,
                        touchpoint=touchpoint or rule.touchpoint,
                        facts=facts,
                    )
                )
                opened += 1
    if opened:
        log.info("aggregate rules fired", extra={"run": run_id, "opened": opened})
    return opened


def preview_aggregate_rule(
    *,
    definition: dict[str, Any],
    survey: Survey | None = None,
    touchpoint: Touchpoint | None = None,
    store: Store | None = None,
    region: Region | None = None,
) -> int:
    """How many segments of the latest stored run a (valid) aggregate definition with this
    scope would open a task for (0 before the first analysis run)."""
    return len(matching_changes(definition, Scope(survey, touchpoint, store, region)))
