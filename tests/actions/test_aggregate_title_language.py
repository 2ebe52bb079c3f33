"""An aggregate task's title is worded when it is read: the rule's name and the segment's label
as typed, the figures' wording (the interval's "95% CI") in the reader's language on the pages
and in the recipient's language in e-mails. A task without that data shows its stored title."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from actions.models import FollowUpTask
from actions.services.aggregate import evaluate_aggregate_rules
from actions.services.notifications import notify
from actions.services.sending import send_notification
from cxm.models import User
from cxm.roles import Role
from tests.actions.test_aggregate_rules import _change, _run, _stores
from tests.actions.test_outcomes_helpers import make_rule
from tests.conftest import client_for, with_language
from tests.factories import FollowUpTaskFactory, UserFactory

pytestmark = pytest.mark.django_db

CSAT_BELOW_3_5 = {"metric": "csat", "segment_kind": "store", "below": 3.5, "min_n": 30}
FIGURES_EN = "CSAT 2.9 (95% CI 2.7 to 3.1, n=124)"
FIGURES_KO = "CSAT 2.9 (95% 신뢰구간 2.7 ~ 3.1, n=124)"


def _aggregate_task(owner: User) -> FollowUpTask:
    s1, _s2, _s3 = _stores()
    run = _run()
    _change(
        run, s1, metric="csat", current_value=2.9, current_low=2.7, current_high=3.1, current_n=124
    )
    make_rule(kind="aggregate", definition=CSAT_BELOW_3_5, name="매장 CSAT 3.5 미만")
    assert evaluate_aggregate_rules(run_id=run.pk) == 1
    task = FollowUpTask.objects.get()
    FollowUpTask.objects.filter(pk=task.pk).update(owner=owner)
    task.refresh_from_db()
    return task


def test_the_same_title_reads_in_english_and_in_korean() -> None:
    task = _aggregate_task(UserFactory())
    store_label = task.trigger["segment"]

    with translation.override("en"):
        english = task.shown_title
    with translation.override("ko"):
        korean = task.shown_title

    assert english == f"매장 CSAT 3.5 미만 · {store_label} · {FIGURES_EN}"
    assert korean == f"매장 CSAT 3.5 미만 · {store_label} · {FIGURES_KO}"
    assert task.title == korean  # stored in the site's language, for the API and webhooks


def test_my_tasks_task_page_and_board_word_the_title_in_the_readers_language() -> None:
    manager = with_language(UserFactory(role=Role.MANAGER), "en")
    task = _aggregate_task(manager)
    english = client_for(manager)

    for url in ("/actions/tasks/", f"/actions/tasks/{task.code}/", "/actions/board/"):
        page = english.get(url).content.decode()
        assert FIGURES_EN in page, url
        assert "신뢰구간" not in page, url

    with_language(manager, "ko")
    page = client_for(manager).get("/actions/tasks/").content.decode()
    assert FIGURES_KO in page


def test_the_email_subject_is_in_the_recipients_language() -> None:
    task = _aggregate_task(with_language(UserFactory(), "en"))
    (notification,) = notify(task=task, event="created")

    with translation.override("ko"):  # the worker's own language does not leak into the mail
        assert send_notification(notification_id=notification.pk) == "sent"

    (message,) = mail.outbox
    assert message.subject.startswith("New follow-up task: 매장 CSAT 3.5 미만 · ")
    assert message.subject.endswith(FIGURES_EN)


def test_a_task_without_the_figures_shows_its_stored_title() -> None:
    task = FollowUpTaskFactory(title="매장 점검 · 홍대점 · CSAT 2.9 (95% 신뢰구간 2.7–3.1, n=124)")  # noqa: RUF001  # a range's en dash

    with translation.override("en"):
        assert task.shown_title == task.title


def test_the_migration_gives_older_aggregate_tasks_their_rule_name() -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("actions.migrations.0003_aggregate_task_rule_name")
    task = _aggregate_task(UserFactory())
    older = {k: v for k, v in task.trigger.items() if k != "rule_name"}
    FollowUpTask.objects.filter(pk=task.pk).update(
        trigger=older, title=task.title.replace("매장 CSAT 3.5 미만", "옛 규칙 이름")
    )

    migration.fill_rule_name(apps, None)

    task.refresh_from_db()
    assert task.trigger["rule_name"] == "옛 규칙 이름"
    with translation.override("en"):
        assert task.shown_title.startswith("옛 규칙 이름 · ") and task.shown_title.endswith(
            FIGURES_EN
        )


def test_the_migration_reads_the_rule_name_before_a_segment_label_holding_the_separator() -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("actions.migrations.0003_aggregate_task_rule_name")
    task = _aggregate_task(UserFactory())
    segment = "홍대 · 신촌점 (S001)"
    older = {k: v for k, v in task.trigger.items() if k != "rule_name"} | {"segment": segment}
    FollowUpTask.objects.filter(pk=task.pk).update(
        trigger=older, title=f"옛 규칙 · 이름 · {segment} · {FIGURES_KO}"
    )
    shortened = FollowUpTaskFactory(
        subject_key="segment:store:S9:2026-01-01",
        title="옛 규칙 · 홍대… · CSAT 2.9 (n=3)",
        trigger={**older, "segment": "홍대 신촌점 아주 긴 이름"},
    )

    migration.fill_rule_name(apps, None)

    task.refresh_from_db()
    shortened.refresh_from_db()
    assert task.trigger["rule_name"] == "옛 규칙 · 이름"
    assert "rule_name" not in shortened.trigger  # a label it cannot find: left as stored
