"""A task's life: start, wait on the customer (SLA paused), resume, resolve with a root cause,
close, reopen; comments, checklist, reassignment; each change once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from actions.models import Escalation, FollowUpTask, Notification, TaskEvent, TaskStatus
from actions.services.evaluation import evaluate_response
from actions.services.tasks import (
    TransitionNotAllowed,
    add_comment,
    close_task,
    reassign_task,
    reopen_task,
    resolve_task,
    resume_task,
    set_checklist_item,
    start_task,
    wait_on_customer,
)
from tests.actions.builders import make_customer, make_response, make_rule
from tests.factories import RootCauseFactory, UserFactory

pytestmark = pytest.mark.django_db
SEOUL = ZoneInfo("Asia/Seoul")


def _task(**plan_fields: object) -> FollowUpTask:
    customer = make_customer()
    make_rule(plan_fields=plan_fields, name=f"rule for {customer.pk}")
    evaluate_response(response_id=make_response(customer=customer, nps=2).pk)
    return FollowUpTask.objects.get(customer=customer)


def test_the_happy_path_records_each_step() -> None:
    task = _task()
    owner, cause = task.owner, RootCauseFactory()
    start_task(task=task, by=owner)
    assert task.first_action_at is not None
    add_comment(task=task, by=owner, text="고객과 통화했습니다")
    set_checklist_item(task=task, by=owner, index=0, done=True)
    resolve_task(task=task, by=owner, root_cause=cause, note="사과하고 쿠폰 제공")
    close_task(task=task, by=owner)

    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED
    assert task.root_cause == cause and task.resolution_note == "사과하고 쿠폰 제공"
    assert task.resolved_at is not None and task.closed_at is not None
    assert task.checklist[0]["done"] is True
    kinds = list(task.events.values_list("kind", flat=True))
    assert kinds == ["created", "status", "comment", "checklist", "status", "status"]


def test_resolving_needs_an_active_root_cause() -> None:
    task = _task()
    with pytest.raises(TransitionNotAllowed):
        resolve_task(task=task, by=task.owner, root_cause=None, note="")  # type: ignore[arg-type]
    with pytest.raises(TransitionNotAllowed):
        retired = RootCauseFactory(is_active=False)
        resolve_task(task=task, by=task.owner, root_cause=retired, note="")
    task.refresh_from_db()
    assert task.status == TaskStatus.NEW


def test_a_change_applies_once() -> None:
    task = _task()
    stale = FollowUpTask.objects.get(pk=task.pk)
    start_task(task=task, by=task.owner)
    with pytest.raises(TransitionNotAllowed):
        start_task(task=stale, by=task.owner)
    with pytest.raises(TransitionNotAllowed):
        close_task(task=task, by=task.owner)  # only a resolved task can be closed
    assert task.events.filter(kind=TaskEvent.Kind.STATUS).count() == 1


def test_waiting_on_the_customer_pauses_the_sla_clock() -> None:
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=SEOUL), tick=False):
        task = _task(sla_hours=4)
        assert task.due_at == datetime(2026, 11, 23, 14, 0, tzinfo=SEOUL)
    with time_machine.travel(datetime(2026, 11, 23, 11, 0, tzinfo=SEOUL), tick=False):
        wait_on_customer(task=task, by=task.owner, note="고객 회신 대기")
        assert task.status == TaskStatus.WAITING
    # Paused from Monday 11:00 (3 hours left) to Tuesday 15:00.
    with time_machine.travel(datetime(2026, 11, 24, 15, 0, tzinfo=SEOUL), tick=False):
        resume_task(task=task, by=task.owner)
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and task.paused_at is None
    assert task.due_at == datetime(2026, 11, 24, 18, 0, tzinfo=SEOUL)


def test_reopen_starts_a_fresh_sla_and_clears_escalations() -> None:
    task = _task()
    resolve_task(task=task, by=task.owner, root_cause=RootCauseFactory(), note="")
    Escalation.objects.create(task=task, level=1, at=task.created_at)
    close_task(task=task, by=task.owner)
    reopen_task(task=task, by=task.owner, reason="고객이 다시 불만 제기")
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.closed_at is None and task.resolved_at is None
    assert not Escalation.objects.filter(task=task).exists()


def test_reopen_is_refused_while_a_newer_task_is_open() -> None:
    task = _task()
    resolve_task(task=task, by=task.owner, root_cause=RootCauseFactory(), note="")
    # The same customer answers badly again: a new task opens for the same rule.
    evaluate_response(response_id=make_response(customer=task.customer, nps=1).pk)
    assert FollowUpTask.objects.filter(customer=task.customer).count() == 2
    with pytest.raises(TransitionNotAllowed):
        reopen_task(task=task, by=task.owner, reason="")
    task.refresh_from_db()
    assert task.status == TaskStatus.RESOLVED


def test_reassigning_notifies_the_new_owner_each_time() -> None:
    task = _task()
    first_owner, other = task.owner, UserFactory()
    reassign_task(task=task, by=first_owner, owner=other, note="휴가 중")
    reassign_task(task=task, by=other, owner=first_owner)
    task.refresh_from_db()
    assert task.owner == first_owner
    assigned = Notification.objects.filter(task=task, event__startswith="assigned:")
    assert sorted(n.recipient_id for n in assigned) == sorted([other.pk, first_owner.pk])


def test_a_checklist_step_that_does_not_exist_is_refused() -> None:
    task = _task()
    with pytest.raises(TransitionNotAllowed):
        set_checklist_item(task=task, by=task.owner, index=7, done=True)


def test_nobody_is_e_mailed_about_what_they_did_themselves() -> None:
    task = _task()
    owner, manager = task.owner, UserFactory()
    start_task(task=task, by=owner)
    resolve_task(task=task, by=owner, root_cause=RootCauseFactory(), note="전화로 사과")
    reopen_task(task=task, by=owner, reason="고객이 다시 연락함")
    mine = Notification.objects.filter(task=task, recipient=owner, channel="email")
    assert not mine.filter(event__startswith="resolved:").exists()
    assert not mine.filter(event__startswith="reopened:").exists()
    # Done by someone else, the owner hears of it.
    resolve_task(task=task, by=manager, root_cause=RootCauseFactory(), note="매니저가 처리")
    assert mine.filter(event__startswith="resolved:").count() == 1
