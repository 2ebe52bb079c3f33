"""My tasks: the signed-in user's own tasks, open ones first, filters, the htmx partial."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from actions.models import FollowUpTask, TaskStatus
from cxm.models import User
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory, TriggerRuleFactory
from tests.odata.test_customer_360 import CustomerFactory, StoreFactory

pytestmark = pytest.mark.django_db

URL = "/actions/tasks/"


def _get(user: User, url: str = URL, **headers: Any) -> Any:
    with translation.override("en"):
        return client_for(user).get(url, HTTP_ACCEPT_LANGUAGE="en", **headers)


def test_outsider_is_refused(outsider: User) -> None:
    assert client_for(outsider).get(URL).status_code == 403


def test_anonymous_is_sent_to_login() -> None:
    from django.test import Client

    response = Client().get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_shows_only_my_open_tasks_overdue_marked(agent: User) -> None:
    now = timezone.now()
    store = StoreFactory(name="강남점")
    customer = CustomerFactory(name="김민지")
    overdue = FollowUpTaskFactory(
        owner=agent,
        title="Call 김민지 back",
        customer=customer,
        store=store,
        created_at=now - timedelta(days=2),
        due_at=now - timedelta(hours=3),
    )
    upcoming = FollowUpTaskFactory(
        owner=agent, title="Upcoming one", due_at=now + timedelta(hours=5)
    )
    FollowUpTaskFactory(owner=agent, title="Closed one", status=TaskStatus.CLOSED)
    FollowUpTaskFactory(title="Someone else's task")
    response = _get(agent)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Call 김민지 back" in html and "Upcoming one" in html
    assert "Closed one" not in html and "Someone else&#x27;s task" not in html
    assert html.index("Call 김민지 back") < html.index("Upcoming one")  # due first
    assert "2 open tasks" in html and "1 overdue" in html
    assert "강남점" in html and "김민지" in html
    assert overdue.rule.name in html and upcoming.rule.name in html
    # Due time: relative and absolute.
    assert "Overdue by 3\xa0hours" in html
    assert f'datetime="{timezone.localtime(overdue.due_at).isoformat()}"' in html


def test_urgent_task_comes_before_a_normal_one_due_earlier(agent: User) -> None:
    now = timezone.now()
    FollowUpTaskFactory(
        owner=agent, title="Normal soon", priority=3, due_at=now + timedelta(hours=1)
    )
    FollowUpTaskFactory(
        owner=agent, title="Urgent later", priority=1, due_at=now + timedelta(hours=6)
    )
    html = _get(agent).content.decode()
    assert html.index("Urgent later") < html.index("Normal soon")


def test_filters_status_and_overdue(agent: User) -> None:
    now = timezone.now()
    FollowUpTaskFactory(owner=agent, title="Late one", due_at=now - timedelta(hours=1))
    FollowUpTaskFactory(owner=agent, title="On time one", due_at=now + timedelta(hours=1))
    FollowUpTaskFactory(owner=agent, title="Resolved one", status=TaskStatus.RESOLVED)
    # A task waiting on the customer has its clock stopped: never overdue.
    FollowUpTaskFactory(
        owner=agent, title="Waiting one", status=TaskStatus.WAITING, due_at=now - timedelta(hours=1)
    )

    html = _get(agent, URL + "?overdue=on").content.decode()
    assert "Late one" in html
    assert "On time one" not in html and "Waiting one" not in html

    html = _get(agent, URL + "?status=resolved").content.decode()
    assert "Resolved one" in html and "Late one" not in html

    html = _get(agent, URL + "?status=all").content.decode()
    assert all(t in html for t in ("Late one", "On time one", "Resolved one", "Waiting one"))
    assert html.index("Waiting one") < html.index("Resolved one")  # open ones first

    # A bad value falls back to the open tasks instead of failing.
    html = _get(agent, URL + "?status=nonsense").content.decode()
    assert "Late one" in html and "Resolved one" not in html


def test_htmx_poll_gets_the_list_partial_only(agent: User, settings: Any) -> None:
    settings.CXM_TASKS_POLL_SECONDS = 3
    FollowUpTaskFactory(owner=agent, title="Fresh task")
    page = _get(agent).content.decode()
    assert 'hx-trigger="every 3s"' in page
    partial = _get(agent, URL + "?status=open", HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert "Fresh task" in html
    assert "<html" not in html and "<h1" not in html
    assert "HX-Request" in partial["Vary"]


def test_query_count_does_not_grow_with_tasks(agent: User, django_assert_num_queries: Any) -> None:
    rule = TriggerRuleFactory()
    store = StoreFactory()
    FollowUpTaskFactory.create_batch(3, owner=agent, rule=rule, plan=rule.plan, store=store)
    client = client_for(agent)
    # Session, user, permissions (2), tasks, counts, the role badge's groups.
    with django_assert_num_queries(7):
        assert client.get(URL).status_code == 200
    FollowUpTaskFactory.create_batch(
        10, owner=agent, rule=TriggerRuleFactory(), customer=CustomerFactory(), store=StoreFactory()
    )
    with django_assert_num_queries(7):
        assert client.get(URL).status_code == 200
    assert FollowUpTask.objects.filter(owner=agent).count() == 13


def test_a_task_waiting_on_the_customer_shows_its_clock_paused(agent: User) -> None:
    FollowUpTaskFactory(
        owner=agent,
        title="Waiting one",
        status=TaskStatus.WAITING,
        due_at=timezone.now() + timedelta(hours=2),
    )
    html = _get(agent).content.decode()
    assert "Waiting one" in html
    assert "Paused while waiting on the customer" in html
    assert "Due <time" not in html  # no due time the clock is not running toward


def test_a_filtered_list_says_how_many_tasks_it_lists(agent: User) -> None:
    for n in range(2):
        FollowUpTaskFactory(owner=agent, title=f"Resolved {n}", status=TaskStatus.RESOLVED)
    FollowUpTaskFactory(owner=agent, title="Open one")
    resolved = " ".join(_get(agent, URL + "?status=resolved").content.decode().split())
    assert "2 tasks listed · 1 open task" in resolved
    # The unfiltered inbox lists exactly its open tasks: no second figure.
    assert "listed" not in _get(agent).content.decode()
