"""The managers' review board: who may see it, its figures against hand-computed values, the
polled partials, and bulk reassignment."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from actions.access import visible_tasks
from actions.models import FollowUpTask, TaskEvent, TaskStatus
from actions.selectors import board_figures, board_scope
from analysis.stats import wilson
from cxm.models import User
from cxm.roles import Role
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory, TriggerRuleFactory, UserFactory
from tests.odata.test_customer_360 import StoreFactory

pytestmark = pytest.mark.django_db

URL = "/actions/board/"
BULK = "/actions/board/reassign/"


def _english(user: User) -> Client:
    User.objects.filter(pk=user.pk).update(language="en")
    user.refresh_from_db()
    return client_for(user)


def test_staff_and_outsiders_are_refused(agent: User, outsider: User) -> None:
    assert client_for(agent).get(URL).status_code == 403
    assert client_for(outsider).get(URL).status_code == 403


def test_figures_match_hand_computation(manager: User) -> None:
    now = timezone.now()
    ann, bob = UserFactory(name="Ann", role=Role.STAFF), UserFactory(name="Bob", role=Role.STAFF)
    north, south = StoreFactory(name="North"), StoreFactory(name="South")
    hour = timedelta(hours=1)
    # Open: Ann 2 (1 overdue) in North; Bob 1 waiting past due (paused: not overdue) in South.
    FollowUpTaskFactory(owner=ann, store=north, due_at=now - hour)
    FollowUpTaskFactory(owner=ann, store=north, due_at=now + hour)
    FollowUpTaskFactory(owner=bob, store=south, status=TaskStatus.WAITING, due_at=now - hour)
    # Resolved in the last 30 days: 3 on time, 1 late; one resolved 40 days ago is left out.
    created = now - timedelta(days=2)
    for late in (False, False, False, True):
        FollowUpTaskFactory(
            owner=bob,
            store=south,
            status=TaskStatus.CLOSED,
            created_at=created,
            due_at=created + 8 * hour,
            first_action_at=created + (3 if late else 1) * hour,
            resolved_at=created + (9 if late else 5) * hour,
            closed_at=created + (10 if late else 6) * hour,
            verdict=FollowUpTask.Verdict.NOT_RECOVERED if late else FollowUpTask.Verdict.RECOVERED,
            judged_at=now,
        )
    old = now - timedelta(days=40)
    FollowUpTaskFactory(
        owner=bob,
        status=TaskStatus.CLOSED,
        created_at=old,
        due_at=old + hour,
        resolved_at=old + 2 * hour,
        closed_at=old + 2 * hour,
        verdict=FollowUpTask.Verdict.UNKNOWN,
        judged_at=now,
    )
    figures = board_figures(board_scope(visible_tasks(manager), store=None, owner=None), now=now)
    assert (figures.open, figures.overdue, figures.waiting) == (3, 1, 1)
    assert (figures.compliance.successes, figures.compliance.n) == (3, 4)
    expected = wilson(3, 4)
    assert figures.compliance.percent == pytest.approx(75.0)
    assert figures.compliance.low == pytest.approx(expected.low * 100)
    assert figures.compliance.high == pytest.approx(expected.high * 100)
    # First action after 1, 1, 1, 3 hours → median 1; close after 6, 6, 6, 10 → median 6.
    assert figures.first_action.hours == pytest.approx(1.0)
    assert figures.first_action.n == 4
    assert figures.close.hours == pytest.approx(6.0)
    assert figures.close.n == 4
    # "Unknown" verdicts are left out: 3 recovered of 4 judged.
    assert (figures.recovery.successes, figures.recovery.n) == (3, 4)
    assert [(load.label, load.open, load.overdue) for load in figures.by_owner] == [
        ("Ann", 2, 1),
        ("Bob", 1, 0),
    ]
    assert [(load.label, load.open, load.overdue) for load in figures.by_store] == [
        ("North", 2, 1),
        ("South", 1, 0),
    ]

    only_north = board_figures(
        board_scope(visible_tasks(manager), store=north, owner=None), now=now
    )
    assert (only_north.open, only_north.compliance.n) == (2, 0)
    assert only_north.compliance.percent is None


def test_page_shows_figures_and_list_with_filters(manager: User) -> None:
    ann = UserFactory(name="Ann", role=Role.STAFF)
    north = StoreFactory(name="North")
    FollowUpTaskFactory(owner=ann, store=north, title="North task")
    FollowUpTaskFactory(title="Elsewhere task")
    FollowUpTaskFactory(title="Closed task", status=TaskStatus.CLOSED)
    client = _english(manager)
    html = client.get(URL).content.decode()
    assert "North task" in html and "Elsewhere task" in html and "Closed task" not in html
    assert "SLA compliance, last 30 days" in html and "Open by owner" in html
    html = client.get(URL, {"store": north.code}).content.decode()
    assert "North task" in html and "Elsewhere task" not in html
    html = client.get(URL, {"owner": ann.code}).content.decode()
    assert "North task" in html and "Elsewhere task" not in html
    html = client.get(URL, {"status": "closed"}).content.decode()
    assert "Closed task" in html and "North task" not in html
    # An unknown store code falls back to every store.
    html = client.get(URL, {"store": "not-a-code"}).content.decode()
    assert "North task" in html and "Elsewhere task" in html


def test_polled_partials(manager: User, settings: Any) -> None:
    settings.CXM_TASKS_POLL_SECONDS = 2
    FollowUpTaskFactory(title="Visible task")
    client = _english(manager)
    page = client.get(URL).content.decode()
    assert page.count("every 2s") == 2
    figures = client.get(URL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board-figures")
    html = figures.content.decode()
    assert 'data-figure="open">1<' in html and "Visible task" not in html and "<html" not in html
    listed = client.get(URL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="board-list").content.decode()
    assert "Visible task" in listed and "data-figure" not in listed and "<html" not in listed


def test_query_count_does_not_grow_with_tasks(
    manager: User, django_assert_num_queries: Any
) -> None:
    FollowUpTaskFactory.create_batch(3, store=StoreFactory())
    client = client_for(manager)
    # Session, user, permissions (2), the owners' labels, figures (3), list and counts (2), the
    # filter form's stores and owners, the reassign form's owners, the role badge's groups.
    with django_assert_num_queries(14):
        assert client.get(URL).status_code == 200
    for _ in range(5):
        FollowUpTaskFactory(
            rule=TriggerRuleFactory(), store=StoreFactory(), owner=UserFactory(role=Role.STAFF)
        )
    with django_assert_num_queries(14):
        assert client.get(URL).status_code == 200


# -- Bulk reassignment -----------------------------------------------------------------------


def test_bulk_get_is_refused(manager: User) -> None:
    assert client_for(manager).get(BULK).status_code == 405


def test_bulk_refused_for_staff_and_outsiders(agent: User, outsider: User) -> None:
    task = FollowUpTaskFactory(owner=agent)
    for user in (agent, outsider):
        response = client_for(user).post(
            BULK, {"tasks": [task.code], "reassign-owner": outsider.code}
        )
        assert response.status_code == 403
    assert FollowUpTask.objects.get(pk=task.pk).owner == agent


def test_bulk_reassigns_each_open_task(manager: User) -> None:
    ann, bob = UserFactory(role=Role.STAFF), UserFactory(role=Role.STAFF, name="Bob")
    first, second = FollowUpTaskFactory(owner=ann), FollowUpTaskFactory(owner=ann)
    closed = FollowUpTaskFactory(owner=ann, status=TaskStatus.CLOSED)
    untouched = FollowUpTaskFactory(owner=ann)
    client = _english(manager)
    response = client.post(
        BULK,
        {
            "tasks": [first.code, second.code, closed.code],
            "reassign-owner": bob.code,
            "reassign-note": "Ann is on leave",
            "back": f"{URL}?status=open",
        },
        follow=True,
    )
    assert response.redirect_chain[-1] == (f"{URL}?status=open", 302)
    html = response.content.decode()
    assert "2 tasks reassigned to Bob." in html
    assert "1 task was not reassigned: it is no longer open." in html
    owners = dict(FollowUpTask.objects.values_list("pk", "owner"))
    assert owners[first.pk] == owners[second.pk] == bob.pk
    assert owners[closed.pk] == owners[untouched.pk] == ann.pk
    events = TaskEvent.objects.filter(kind=TaskEvent.Kind.ASSIGNED, text="Ann is on leave")
    assert events.count() == 2


def test_bulk_bad_input_is_a_400(manager: User) -> None:
    task = FollowUpTaskFactory()
    client = _english(manager)
    response = client.post(BULK, {"reassign-owner": UserFactory(role=Role.STAFF).code})
    assert response.status_code == 400
    assert "Select the tasks to reassign first." in response.content.decode()
    response = client.post(BULK, {"tasks": [task.code], "reassign-owner": UserFactory().code})
    assert response.status_code == 400
    assert "This person cannot work follow-up tasks." in response.content.decode()
    # The selection and the filters survive the error.
    response = client.post(
        BULK,
        {"tasks": [task.code], "reassign-owner": UserFactory().code, "back": f"{URL}?status=all"},
    )
    html = response.content.decode()
    assert f'value="{task.code}" id="pick-{task.code}"' in html
    assert "checked" in html.split(f'id="pick-{task.code}"')[1].split(">")[0]
    assert f'name="back" value="{URL}?status=all"' in html


def test_bulk_back_only_goes_to_the_board(manager: User) -> None:
    task = FollowUpTaskFactory()
    response = client_for(manager).post(
        BULK,
        {
            "tasks": [task.code],
            "reassign-owner": UserFactory(role=Role.STAFF).code,
            "back": "https://evil.example/",
        },
    )
    assert response["Location"] == URL


def test_median_times_show_their_interval(manager: User) -> None:
    now = timezone.now()
    owner = UserFactory(role=Role.STAFF)
    created = now - timedelta(days=3)
    # First action after 1..10 hours: median 5.5 h, 95% interval the 2nd and 9th values.
    for hours in range(1, 11):
        FollowUpTaskFactory(
            owner=owner,
            status=TaskStatus.IN_PROGRESS,
            created_at=created,
            due_at=created + timedelta(days=30),
            first_action_at=created + timedelta(hours=hours),
        )
    figures = board_figures(board_scope(visible_tasks(manager), store=None, owner=None))
    assert figures.first_action.hours == pytest.approx(5.5)
    assert (figures.first_action.low, figures.first_action.high) == pytest.approx((2.0, 9.0))
    html = _english(manager).get(URL).content.decode()
    assert "95% CI 2.0 to 9.0 h · n = 10" in html
