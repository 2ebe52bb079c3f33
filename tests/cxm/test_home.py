"""Home shows each reader what waits for them and how the customers feel: their own open tasks,
the team's follow-up figures for those who review it, and the last twelve months' scores with
intervals (their store's, when they manage exactly one), each only to those who may open the
page it summarises."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analysis import stats
from cxm.models import User
from tests.analysis.test_metrics_cells import finished_run
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory
from tests.odata.test_customer_360 import StoreFactory
from tests.xdata.test_explorer import make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
AS_OF = date(2025, 9, 3)
DAY = datetime(2025, 8, 20, 12, 0, tzinfo=SEOUL)


def home(user: User, language: str = "en") -> str:
    response = client_for(user).get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_staff_see_their_open_tasks_most_urgent_first_and_no_team_figures(agent: User) -> None:
    now = timezone.now()
    FollowUpTaskFactory(owner=agent, title="Call back Kim", due_at=now - timedelta(hours=2))
    FollowUpTaskFactory(owner=agent, title="Apologise to Lee", due_at=now + timedelta(hours=5))
    FollowUpTaskFactory(owner=agent, title="Already closed", status="closed")
    FollowUpTaskFactory(title="Someone else's task")
    text = home(agent)
    assert "2 open tasks" in text and "1 overdue" in text
    assert text.index("Call back Kim") < text.index("Apologise to Lee")
    assert "Already closed" not in text and "Someone else&#x27;s task" not in text
    assert "Follow-up across the team" not in text


def test_home_lists_at_most_five_tasks_and_links_to_the_rest(agent: User) -> None:
    for n in range(7):
        FollowUpTaskFactory(owner=agent, title=f"Task number {n}")
    text = home(agent)
    assert sum(f"Task number {n}" in text for n in range(7)) == 5
    assert "All my tasks (7 open)" in text


def test_an_empty_inbox_says_so(agent: User) -> None:
    assert "Nothing is waiting for you: new tasks appear here and in" in home(agent)
    assert (
        "기다리는 할 일이 없습니다. "
        '새 할 일은 여기와 <a href="/actions/tasks/">내 할 일</a>에 나타납니다.'
        in home(agent, "ko")
    )


def test_managers_see_the_teams_open_and_overdue_tasks(manager: User) -> None:
    FollowUpTaskFactory(due_at=timezone.now() - timedelta(hours=1))
    FollowUpTaskFactory()
    text = home(manager)
    assert "Follow-up across the team" in text
    part = text[text.index("Follow-up across the team") :]
    assert '<span class="value">2</span>' in part  # open
    assert '<span class="value bad">1</span>' in part  # overdue


def test_before_the_first_analysis_the_scores_part_says_why_it_is_empty(manager: User) -> None:
    assert "No analysis yet" in home(manager)


def test_scores_are_the_companys_with_n_and_interval(manager: User) -> None:
    version = published()
    store, other = StoreFactory(), StoreFactory()
    for score in (10, 10, 9, 3):
        make_response(version, at=DAY, nps=score, store=store)
    for score in (0, 0):
        make_response(version, at=DAY, nps=score, store=other)
    finished_run(AS_OF)
    text = home(manager)
    nps = stats.nps_estimate(3, 3, 6)
    assert "Scores, last 12 months" in text
    assert f"{nps.value:.1f}" in text and "n = 6" in text
    assert "Interval (95%)" in text


def test_a_store_manager_sees_their_stores_scores(agent: User) -> None:
    version = published()
    store, other = StoreFactory(name="Hongdae", manager=agent), StoreFactory()
    for score in (10, 10, 9, 3):
        make_response(version, at=DAY, nps=score, store=store)
    for score in (0, 0):
        make_response(version, at=DAY, nps=score, store=other)
    finished_run(AS_OF)
    text = home(agent)
    assert "Scores at Hongdae, last 12 months" in text
    assert f"{stats.nps_estimate(3, 1, 4).value:.1f}" in text and "n = 4" in text
    assert f"/analysis/?store={store.code}" in text


def test_home_costs_the_same_queries_with_many_tasks(manager: User) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            home(manager)
        return len(queries)

    FollowUpTaskFactory(owner=manager)
    few = count()
    for _ in range(12):
        FollowUpTaskFactory(owner=manager)
    assert count() == few


def test_scores_count_the_run_days_answers_as_the_overview_does(manager: User) -> None:
    version = published()
    for score in (10, 3):
        make_response(version, at=datetime(2026, 11, 24, 9, tzinfo=SEOUL), nps=score)
    finished_run(date(2026, 11, 24))
    assert "n = 2" in home(manager)
