"""Aggregate rules: segment statistics of the latest analysis run open tasks, once per
(rule, segment, month)."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_rq
import pytest
from django.utils import timezone

from actions.jobs import evaluate_aggregate_rules as evaluate_job
from actions.models import FollowUpTask, TaskStatus
from actions.services import analysis_finished
from actions.services.aggregate import evaluate_aggregate_rules, preview_aggregate_rule
from analysis.models import AnalysisRun, SegmentChange
from odata.models import Region, Store
from tests.actions.test_outcomes_helpers import make_rule
from tests.odata.test_customer_360 import RegionFactory, StoreFactory

pytestmark = pytest.mark.django_db

MONTH = date(2025, 2, 1)
BELOW_50 = {"metric": "nps", "segment_kind": "store", "below": 0, "min_n": 30}
DROP = {
    "metric": "nps",
    "segment_kind": "store",
    "below": None,
    "min_n": 30,
    "significant_drop": True,
}


def _run() -> AnalysisRun:
    return AnalysisRun.objects.create(
        status=AnalysisRun.Status.FINISHED, finished_at=timezone.now()
    )


def _change(run: AnalysisRun, store: Store, **fields: Any) -> SegmentChange:
    values: dict[str, Any] = {
        "segment_kind": "store",
        "segment_key": store.external_id,
        "segment_label": f"{store.name} ({store.external_id})",
        "metric": "nps",
        "period": "month",
        "period_start": MONTH,
        "current_value": 10.0,
        "current_low": 0.0,
        "current_high": 20.0,
        "current_n": 80,
        "previous_value": 30.0,
        "previous_n": 90,
        "difference": -20.0,
        "p_value": 0.2,
        "q_value": 0.4,
        "significant_drop": False,
        "method": "nps_z",
        "min_n": 30,
    }
    values.update(fields)
    return SegmentChange.objects.create(run=run, **values)


def _stores() -> tuple[Store, Store, Store]:
    seoul = RegionFactory(code="SEOUL")
    return (
        StoreFactory(external_id="S001", region=seoul),
        StoreFactory(external_id="S002", region=seoul),
        StoreFactory(external_id="S003", region=RegionFactory(code="BUSAN")),
    )


def test_analysis_finished_queues_the_evaluation_on_commit(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    queue = django_rq.get_queue("realtime")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        analysis_finished(run_id=42)
    assert queue.count == 0  # nothing before the commit
    for callback in callbacks:
        callback()
    [job] = queue.jobs
    assert (job.func_name, job.args) == ("actions.jobs.evaluate_aggregate_rules", (42,))


def test_a_low_value_with_enough_answers_opens_a_task_for_the_store() -> None:
    s1, s2, s3 = _stores()
    run = _run()
    _change(run, s1, current_value=-12.5, current_n=40)
    _change(run, s2, current_value=-30.0, current_n=12)  # too few answers
    _change(run, s3, current_value=25.0)  # not low
    _change(run, s1, period="week", current_value=-50.0, period_start=date(2025, 2, 24))
    rule = make_rule(kind="aggregate", definition=BELOW_50)

    assert evaluate_aggregate_rules(run_id=run.pk) == 1

    task = FollowUpTask.objects.get()
    assert task.rule == rule and task.customer is None
    assert task.store == s1
    assert task.subject_key == "segment:store:S001:2025-02-01"
    assert task.trigger["value"] == -12.5 and task.trigger["n"] == 40
    assert task.trigger["previous_value"] == 30.0 and task.trigger["period"] == "month"
    assert "S001" in task.title and "n=40" in task.title


def test_a_significant_drop_fires_only_rules_that_ask_for_it() -> None:
    s1, s2, _s3 = _stores()
    run = _run()
    _change(run, s1, significant_drop=True, q_value=0.01)
    _change(run, s2, significant_drop=False)
    asks = make_rule(kind="aggregate", definition=DROP)
    make_rule(kind="aggregate", definition={**BELOW_50, "below": -50})  # threshold only

    assert evaluate_aggregate_rules(run_id=run.pk) == 1
    assert FollowUpTask.objects.get().rule == asks


def test_the_same_segment_and_month_fires_once_even_after_the_task_closed() -> None:
    s1, _s2, _s3 = _stores()
    run = _run()
    _change(run, s1, current_value=-5.0)
    make_rule(kind="aggregate", definition=BELOW_50)
    assert evaluate_job(run.pk) == 1
    assert evaluate_aggregate_rules(run_id=run.pk) == 0
    FollowUpTask.objects.update(status=TaskStatus.CLOSED, closed_at=timezone.now())
    later = _run()
    _change(later, s1, current_value=-5.0)
    assert evaluate_aggregate_rules(run_id=later.pk) == 0
    next_month = _run()
    _change(next_month, s1, current_value=-5.0, period_start=date(2025, 3, 1))
    assert evaluate_aggregate_rules(run_id=next_month.pk) == 1
    assert FollowUpTask.objects.count() == 2


def test_a_run_that_is_not_the_latest_fires_nothing() -> None:
    s1, _s2, _s3 = _stores()
    old = _run()
    _change(old, s1, current_value=-5.0)
    _run()
    make_rule(kind="aggregate", definition=BELOW_50)
    assert evaluate_aggregate_rules(run_id=old.pk) == 0


def test_disabled_rules_do_not_fire() -> None:
    s1, _s2, _s3 = _stores()
    run = _run()
    _change(run, s1, current_value=-5.0)
    make_rule(kind="aggregate", definition=BELOW_50, is_enabled=False)
    assert evaluate_aggregate_rules(run_id=run.pk) == 0


def test_scope_narrows_the_segments() -> None:
    s1, s2, s3 = _stores()
    run = _run()
    for store in (s1, s2, s3):
        _change(run, store, current_value=-5.0)
    seoul = Region.objects.get(code="SEOUL")
    by_store = make_rule(kind="aggregate", definition=BELOW_50, store=s3)
    by_region = make_rule(kind="aggregate", definition=BELOW_50, region=seoul)

    assert evaluate_aggregate_rules(run_id=run.pk) == 3
    assert set(FollowUpTask.objects.filter(rule=by_store).values_list("store", flat=True)) == {
        s3.pk
    }
    assert set(FollowUpTask.objects.filter(rule=by_region).values_list("store", flat=True)) == {
        s1.pk,
        s2.pk,
    }


def test_preview_counts_segments_of_the_latest_run() -> None:
    s1, s2, s3 = _stores()
    assert preview_aggregate_rule(definition=BELOW_50) == 0  # no run yet
    run = _run()
    _change(run, s1, current_value=-5.0)
    _change(run, s2, current_value=-5.0, significant_drop=True)
    _change(run, s3, current_value=5.0, significant_drop=True)
    assert preview_aggregate_rule(definition=BELOW_50) == 2
    assert preview_aggregate_rule(definition=DROP) == 2
    assert preview_aggregate_rule(definition=BELOW_50, store=s1) == 1
    assert preview_aggregate_rule(definition=BELOW_50, region=s3.region) == 0
    assert not FollowUpTask.objects.exists()
