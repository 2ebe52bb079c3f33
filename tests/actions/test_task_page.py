"""The task page: who may see it, the customer's story, the SLA state, the activity log."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from actions.models import TaskEvent, TaskStatus
from actions.selectors import SlaState, sla_of
from cxm.models import User
from cxm.roles import Role
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory, RootCauseFactory, UserFactory
from tests.odata.test_customer_360 import (
    CustomerFactory,
    DeliveryFactory,
    OrderFactory,
    StoreFactory,
)
from tests.surveys.test_answer_pages import make_survey
from xdata.models import Answer, Response

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")


def _url(task: Any) -> str:
    return f"/actions/tasks/{task.code}/"


def _get(user: User, url: str) -> Any:
    with translation.override("en"):
        return client_for(user).get(url, HTTP_ACCEPT_LANGUAGE="en")


def _detractor_response(customer: Any, store: Any) -> Response:
    survey = make_survey()
    response = Response.objects.create(
        survey=survey,
        version=survey.current_version,
        customer=customer,
        touchpoint=survey.touchpoint,
        store=store,
        language="en",
        submitted_at=timezone.now() - timedelta(hours=1),
        nps=2,
        csat=1,
        intent="no",
        comment="The parcel came a week late and nobody called.",
    )
    Answer.objects.create(response=response, question_key="nps", number=2)
    Answer.objects.create(
        response=response,
        question_key="wrong",
        text="The parcel came a week late and nobody called.",
    )
    Answer.objects.create(response=response, question_key="intent", text="no")
    return response


@time_machine.travel(datetime(2025, 6, 10, 10, 0, tzinfo=SEOUL), tick=False)
def test_owner_sees_the_customers_story(agent: User) -> None:
    now = timezone.now()
    store = StoreFactory(name="강남점")
    customer = CustomerFactory(name="김민지", phone="01012345678")
    order = OrderFactory(customer=customer, external_id="O-777", amount=Decimal("125000"))
    DeliveryFactory(
        order=order,
        external_id="D-888",
        promised_at=now - timedelta(days=5),
        delivered_at=now - timedelta(days=2),
    )
    response = _detractor_response(customer, store)
    task = FollowUpTaskFactory(
        owner=agent,
        customer=customer,
        store=store,
        response=response,
        trigger={"nps": 2, "comment": "late"},
    )
    task.plan.instructions = "Call within four hours and apologise."
    task.plan.save()
    TaskEvent.objects.create(
        task=task, kind=TaskEvent.Kind.CREATED, at=now, data={"owner": agent.username}
    )

    page = _get(agent, _url(task))
    html = page.content.decode()
    assert page.status_code == 200
    assert task.title in html and task.rule.name in html
    # The answer in full, the customer with a link to the 360 page, their orders and deliveries.
    assert "The parcel came a week late and nobody called." in html
    assert "How likely are you to recommend us?" in html
    assert f'href="/odata/customers/{customer.code}/"' in html
    assert "O-777" in html and "D-888" in html
    assert "Delivered 3 days late" in html
    assert "Call within four hours and apologise." in html
    # The checklist as buttons that post, the actions of a new task.
    assert html.count('name="done" value="1"') == 2
    assert "Start working on it" in html and "Resolve" in html
    assert "Reopen the task" not in html
    assert "On track" in html
    assert "Opened" in html  # the activity log


def test_another_staff_member_gets_404(agent: User) -> None:
    task = FollowUpTaskFactory()  # someone else's, in no store the agent manages
    assert _get(agent, _url(task)).status_code == 404


def test_store_manager_sees_the_stores_tasks() -> None:
    lead = UserFactory(role=Role.STAFF)
    task = FollowUpTaskFactory(store=StoreFactory(manager=lead))
    assert _get(lead, _url(task)).status_code == 200


def test_reviewer_sees_every_task(manager: User) -> None:
    assert _get(manager, _url(FollowUpTaskFactory())).status_code == 200


def test_outsider_is_refused(outsider: User) -> None:
    assert _get(outsider, _url(FollowUpTaskFactory())).status_code == 403


def test_unknown_code_is_404(agent: User) -> None:
    assert _get(agent, "/actions/tasks/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_sla_states() -> None:
    now = timezone.now()
    task = FollowUpTaskFactory.build(sla_hours=8, status=TaskStatus.NEW)
    task.due_at = now - timedelta(minutes=1)
    assert sla_of(task, now=now).state == SlaState.BREACHED
    task.status = TaskStatus.WAITING
    assert sla_of(task, now=now).state == SlaState.PAUSED
    task.status = TaskStatus.RESOLVED
    task.resolved_at = now - timedelta(minutes=2)
    assert sla_of(task, now=now).state == SlaState.MET
    task.resolved_at = now
    assert sla_of(task, now=now).state == SlaState.MISSED


def test_sla_at_risk_from_80_percent_of_business_hours() -> None:
    # Tuesday 2025-06-10, 10:00 in Seoul; an 8-hour SLA due at 16:00 the same day (6 h left: 25 %
    # used → on track); due at 11:00 (1 h left: 87.5 % used → at risk).
    now = datetime(2025, 6, 10, 10, 0, tzinfo=SEOUL)
    task = FollowUpTaskFactory.build(sla_hours=8, status=TaskStatus.IN_PROGRESS)
    task.due_at = now.replace(hour=16)
    assert sla_of(task, now=now).state == SlaState.ON_TRACK
    task.due_at = now.replace(hour=11)
    sla = sla_of(task, now=now)
    assert sla.state == SlaState.AT_RISK and sla.percent == 88


def test_resolved_task_shows_root_cause_and_reopen(agent: User) -> None:
    cause = RootCauseFactory(label_en="Late delivery")
    task = FollowUpTaskFactory(
        owner=agent,
        status=TaskStatus.RESOLVED,
        root_cause=cause,
        resolution_note="Refunded the shipping.",
        resolved_at=timezone.now(),
    )
    html = _get(agent, _url(task)).content.decode()
    assert "Late delivery" in html and "Refunded the shipping." in html
    assert "Reopen the task" in html and "Close the task" in html
    assert "Start working on it" not in html


def test_page_query_count_is_bounded(agent: User, django_assert_num_queries: Any) -> None:
    customer = CustomerFactory()
    task = FollowUpTaskFactory(
        owner=agent, customer=customer, response=_detractor_response(customer, None)
    )
    for _ in range(5):
        OrderFactory(customer=customer)
        TaskEvent.objects.create(
            task=task, kind=TaskEvent.Kind.COMMENT, actor=agent, at=timezone.now(), text="hi"
        )
    client = client_for(agent)
    with django_assert_num_queries(16):
        assert client.get(_url(task)).status_code == 200
    for _ in range(5):
        OrderFactory(customer=customer)
        TaskEvent.objects.create(
            task=task, kind=TaskEvent.Kind.COMMENT, actor=agent, at=timezone.now(), text="hi"
        )
    with django_assert_num_queries(16):
        assert client.get(_url(task)).status_code == 200


def test_segment_task_without_customer_or_response(agent: User) -> None:
    task = FollowUpTaskFactory(
        owner=agent,
        subject_key="segment:store:S0001",
        trigger={"metric": "nps", "value": -12.5, "n": 48, "response": "response-code-zz9"},
        checklist=[],
    )
    html = _get(agent, _url(task)).content.decode()
    assert "No customer" not in html  # the inbox wording; the page shows a dash
    # Negative figures carry the minus sign U+2212, as every figure and interval does.
    assert "Metric" in html and "\u221212.5" in html and "48" in html
    assert "response-code-zz9" not in html  # the response has its own panel
    assert "This plan has no checklist." in html
    assert "Recent orders, deliveries and service" not in html


def test_the_owner_of_an_open_task_sees_the_full_contact_to_call_back(agent: User) -> None:
    customer = CustomerFactory(email="kim.minji@example.com", phone="01012345678")
    colleague = UserFactory(role=Role.STAFF)
    task = FollowUpTaskFactory(
        owner=agent, customer=customer, store=StoreFactory(manager=colleague)
    )
    assert "kim.minji@example.com" in _get(agent, _url(task)).content.decode()
    # The store's other staff see the task but not the whole address; nor does the owner
    # once the task is closed.
    assert "kim.minji@example.com" not in _get(colleague, _url(task)).content.decode()
    task.status = TaskStatus.CLOSED
    task.save(update_fields=["status"])
    assert "kim.minji@example.com" not in _get(agent, _url(task)).content.decode()


def test_a_segment_change_shows_its_statistics_labelled_and_formatted(agent: User) -> None:
    """What an aggregate rule recorded, as a reader needs it: labels, rounded values, p and q
    as numbers a person reads, and none of the keys and ids kept for machines."""
    facts = {
        "metric": "csat",
        "segment_kind": "store",
        "segment_key": "delivery:1487",
        "segment": "강남점",
        "period": "2026-10",
        "period_start": "2026-10-01T00:00:00+09:00",
        "value": 3.2142857,
        "low": 2.9876,
        "high": 3.4411,
        "n": 1234,
        "previous_n": 980,
        "p_value": 2.8329971506111063e-15,
        "q_value": 0.0123456,
        "significant_drop": True,
        "run": 77,
    }
    task = FollowUpTaskFactory(owner=agent, trigger={"facts": facts}, checklist=[])
    html = _get(agent, _url(task)).content.decode()
    for shown in ("CSAT", "강남점", "3.2", "3.0", "3.4", "1,234", "&lt; 0.001", "0.012"):
        assert shown in html, shown
    assert "Significant drop" in html and "Lower 95 percent limit" in html
    for hidden in (
        "segment_kind",
        "delivery:1487",
        "p_value",
        "2.8329971506111063e-15",
        "3.2142857",
    ):
        assert hidden not in html, hidden


def test_a_revenue_fact_is_written_in_won_as_on_the_customer_page(agent: User) -> None:
    task = FollowUpTaskFactory(
        owner=agent,
        customer=CustomerFactory(),
        trigger={"facts": {"nps": 2, "revenue_12m": 878100}},
        checklist=[],
    )
    html = _get(agent, _url(task)).content.decode()
    assert "₩878,100" in html


def test_the_activity_log_names_people_not_usernames(manager: User) -> None:
    UserFactory(username="store02", name="장지우 점장")
    task = FollowUpTaskFactory(owner=UserFactory(username="cs01", name="배송팀 김하나"))
    now = timezone.now()
    TaskEvent.objects.create(
        task=task, kind=TaskEvent.Kind.CREATED, at=now, data={"owner": "store02"}
    )
    TaskEvent.objects.create(
        task=task,
        kind=TaskEvent.Kind.ASSIGNED,
        actor=manager,
        at=now,
        data={"old": "store02", "new": "cs01"},
    )
    TaskEvent.objects.create(
        task=task, kind=TaskEvent.Kind.ASSIGNED, at=now, data={"old": "cs01", "new": "gone"}
    )
    html = _get(manager, _url(task)).content.decode()
    assert "owner: 장지우 점장" in html
    assert "장지우 점장 → 배송팀 김하나" in html
    assert "배송팀 김하나 → gone" in html  # a user since removed keeps the logged username
    assert "store02 →" not in html and "owner: store02" not in html
