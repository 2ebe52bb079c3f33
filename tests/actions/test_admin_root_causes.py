"""Admins manage the root-cause taxonomy; a cause tasks were resolved with is deactivated,
never deleted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from actions.models import FollowUpTask, RootCause
from cxm.models import User
from tests.conftest import client_for
from tests.factories import RootCauseFactory, TriggerRuleFactory

pytestmark = pytest.mark.django_db

LIST = "/actions/manage/root-causes/"


def english(user: User) -> Client:
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user)


def resolved_with(cause: RootCause) -> FollowUpTask:
    rule = TriggerRuleFactory()
    now = timezone.now()
    return FollowUpTask.objects.create(
        rule=rule,
        rule_version=1,
        plan=rule.plan,
        subject_key="customer:1",
        title="Call back",
        owner=rule.plan.fallback_owner,
        sla_hours=8,
        due_at=now + timedelta(hours=8),
        created_at=now,
        status="resolved",
        root_cause=cause,
    )


def test_root_cause_pages_refuse_everyone_but_admins(
    manager: User, agent: User, outsider: User
) -> None:
    cause = RootCauseFactory(key="late")
    for user in (manager, agent, outsider):
        client = client_for(user)
        assert client.get(LIST).status_code == 403
        assert (
            client.post(f"{LIST}new/", {"key": "x", "label_ko": "x", "label_en": "x"}).status_code
            == 403
        )
        assert (
            client.post(
                f"{LIST}{cause.code}/", {"key": "y", "label_ko": "y", "label_en": "y"}
            ).status_code
            == 403
        )
        assert client.post(f"{LIST}{cause.code}/retire/").status_code == 403
    assert list(RootCause.objects.values_list("key", "is_active")) == [("late", True)]


def test_admin_adds_and_edits_a_root_cause(admin: User) -> None:
    client = client_for(admin)
    data = {
        "key": "Late-Delivery",
        "label_ko": " 배송 지연 ",
        "label_en": "Late delivery",
        "is_active": "on",
    }
    assert client.post(f"{LIST}new/", data).status_code == 302
    cause = RootCause.objects.get()
    assert (cause.key, cause.label_ko, cause.label_en, cause.is_active) == (
        "late-delivery",
        "배송 지연",
        "Late delivery",
        True,
    )
    edit = {"key": "late-delivery", "label_ko": "배송 늦음", "label_en": "Late delivery"}
    assert client.post(f"{LIST}{cause.code}/", edit).status_code == 302
    cause.refresh_from_db()
    assert (cause.label_ko, cause.is_active) == ("배송 늦음", False)


def test_a_duplicate_key_is_refused_in_the_users_language(admin: User) -> None:
    RootCauseFactory(key="rude-staff")
    data = {"key": "rude-staff", "label_ko": "불친절", "label_en": "Rude staff"}
    response = english(admin).post(f"{LIST}new/", data)
    assert response.status_code == 400
    assert "Another root cause already has this key." in response.content.decode()
    assert RootCause.objects.count() == 1
    bad = english(admin).post(f"{LIST}new/", {"key": "bad key!", "label_ko": "", "label_en": ""})
    assert bad.status_code == 400
    assert "Enter a valid “slug”" in bad.content.decode()
    assert RootCause.objects.count() == 1


def test_retire_deletes_an_unused_cause_and_deactivates_a_used_one(admin: User) -> None:
    unused, used = RootCauseFactory(key="unused"), RootCauseFactory(key="used")
    task = resolved_with(used)
    client = client_for(admin)
    assert client.get(f"{LIST}{used.code}/retire/").status_code == 405
    assert client.post(f"{LIST}{unused.code}/retire/").status_code == 302
    assert client.post(f"{LIST}{used.code}/retire/").status_code == 302
    assert list(RootCause.objects.values_list("key", "is_active")) == [("used", False)]
    task.refresh_from_db()
    assert task.root_cause == used
    # Again: still there, still inactive.
    assert client.post(f"{LIST}{used.code}/retire/").status_code == 302
    assert RootCause.objects.get().is_active is False


def test_list_shows_labels_and_use_in_a_fixed_number_of_queries(
    admin: User, django_assert_num_queries: Any
) -> None:
    client = english(admin)
    resolved_with(RootCauseFactory(key="late", label_ko="배송 지연", label_en="Late delivery"))
    client.get(LIST)
    with django_assert_num_queries(6):
        client.get(LIST)
    for n in range(5):
        RootCauseFactory(key=f"cause-x{n}")
    with django_assert_num_queries(6):
        response = client.get(LIST)
    html = response.content.decode()
    assert "배송 지연" in html and "Late delivery" in html and "cause-x4" in html
    assert 'aria-label="Deactivate late"' in html
    assert 'aria-label="Delete cause-x4"' in html
