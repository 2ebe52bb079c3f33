"""Every saved change of a rule is kept as a version: a snapshot of all its fields, who and
when; the versions page shows what changed."""

from __future__ import annotations

from threading import Barrier, Thread
from typing import Any

import pytest
from django.db import connection

from actions.models import TriggerRule, TriggerRuleVersion
from actions.services.rules import (
    InvalidDefinition,
    create_rule,
    rule_snapshot,
    set_rule_enabled,
    update_rule,
)
from cxm.models import User
from tests.actions.builders import make_store
from tests.conftest import client_for
from tests.factories import ActionPlanFactory, UserFactory

pytestmark = pytest.mark.django_db

DETRACTOR = {"match": "all", "conditions": [{"field": "nps", "op": "lte", "value": 6}]}


def new_rule(by: User | None, **fields: Any) -> TriggerRule:
    fields.setdefault("plan", ActionPlanFactory(title="Call back"))
    return create_rule(by=by, name="Detractors", kind="response", definition=DETRACTOR, **fields)


def test_create_update_enable_disable_each_write_one_version(admin: User) -> None:
    rule = new_rule(admin)
    other = UserFactory(name="김민수")
    assert update_rule(rule=rule, by=other, name="Unhappy customers") is True
    assert set_rule_enabled(rule=rule, by=admin, enabled=True) is True
    assert set_rule_enabled(rule=rule, by=admin, enabled=False) is True

    rule.refresh_from_db()
    assert rule.version == 4
    versions = list(TriggerRuleVersion.objects.filter(rule=rule).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3, 4]
    assert [v.changed_by for v in versions] == [admin, other, admin, admin]
    assert [v.snapshot["is_enabled"] for v in versions] == [False, False, True, False]
    assert versions[0].snapshot["name"] == "Detractors"
    assert versions[1].snapshot["name"] == "Unhappy customers"
    # The snapshot is the whole rule, related objects by code and name.
    assert versions[-1].snapshot == rule_snapshot(rule)
    assert versions[-1].snapshot["plan"] == {"code": str(rule.plan.code), "name": "Call back"}
    assert set(versions[-1].snapshot) == {
        "name",
        "kind",
        "plan",
        "definition",
        "survey",
        "touchpoint",
        "store",
        "region",
        "holdout_percent",
        "is_enabled",
    }


def test_saving_without_a_change_writes_no_version(admin: User) -> None:
    rule = new_rule(admin)
    assert update_rule(rule=rule, by=admin, name="Detractors", definition=DETRACTOR) is False
    assert set_rule_enabled(rule=rule, by=admin, enabled=False) is False
    rule.refresh_from_db()
    assert rule.version == 1
    assert rule.versions.count() == 1


def test_an_invalid_definition_changes_nothing(admin: User) -> None:
    rule = new_rule(admin)
    bad = {"match": "all", "conditions": [{"field": "nps", "op": "lte", "value": 11}]}
    with pytest.raises(InvalidDefinition) as raised:
        update_rule(rule=rule, by=admin, definition=bad)
    assert raised.value.errors
    rule.refresh_from_db()
    assert (rule.version, rule.definition) == (1, DETRACTOR)
    assert rule.versions.count() == 1


def test_the_edit_page_saves_a_new_version(admin: User) -> None:
    rule = new_rule(admin)
    data = {
        "name": "Detractors",
        "plan": rule.plan.pk,
        "holdout_percent": 20,
        "match": "all",
        "rows": 3,
        "c0_field": "nps",
        "c0_op": "lte",
        "c0_value": "4",
        "action": "save",
    }
    response = client_for(admin).post(f"/actions/manage/rules/{rule.code}/edit/", data)
    assert response.status_code == 302
    version = rule.versions.get(number=2)
    assert version.changed_by == admin
    assert version.snapshot["holdout_percent"] == 20
    assert version.snapshot["definition"]["conditions"][0]["value"] == 4


def test_versions_page_shows_who_when_and_what_changed(admin: User) -> None:
    admin.language, admin.name = "en", "Park Admin"
    admin.save(update_fields=["language", "name"])
    rule = new_rule(admin)
    store = make_store(name="Gangnam")
    update_rule(
        rule=rule,
        by=admin,
        store=store,
        definition={"match": "all", "conditions": [{"field": "nps", "op": "lte", "value": 3}]},
    )
    response = client_for(admin).get(f"/actions/manage/rules/{rule.code}/versions/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h2 id="version-2">v2</h2>' in html and '<h2 id="version-1">v1</h2>' in html
    assert "Park Admin" in html
    # Cut at the version headings: "v1" alone may also occur in the page's random CSRF token.
    newest = html[html.index('id="version-2"') : html.index('id="version-1"')]
    # Only the changed fields, before and after, the conditions as a sentence.
    assert "<del>NPS answer (0-10) at most 6</del>" in newest
    assert "<ins>NPS answer (0-10) at most 3</ins>" in newest
    assert "<ins>Gangnam</ins>" in newest
    assert "holdout" not in newest.lower()
    assert ">name<" not in newest


def test_versions_page_refuses_outsiders(outsider: User, manager: User) -> None:
    rule = new_rule(None)
    for user in (outsider, manager):
        assert (
            client_for(user).get(f"/actions/manage/rules/{rule.code}/versions/").status_code == 403
        )


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_get_distinct_version_numbers() -> None:
    rule = new_rule(None)
    start = Barrier(2)
    errors: list[BaseException] = []

    def save(name: str) -> None:
        try:
            start.wait()
            update_rule(rule=TriggerRule.objects.get(pk=rule.pk), by=None, name=name)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [Thread(target=save, args=(name,)) for name in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rule.refresh_from_db()
    assert rule.version == 3
    assert sorted(rule.versions.values_list("number", flat=True)) == [1, 2, 3]
