"""Admins list, add and edit touchpoints (journey stages)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxm.models import User
from surveys.models import Touchpoint
from surveys.services.builder import create_touchpoint
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/surveys/touchpoints/"
NEW = "/surveys/touchpoints/new/"


def _form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "배송 완료",
        "description": "상품이 고객에게 도착한 때",
        "owner_team": "",
        "owner_user": "",
        "milestone": "delivery.delivered",
        "contact_interval_days": "",
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_outsider_and_manager_are_refused(outsider: User, manager: User) -> None:
    touchpoint = create_touchpoint(name="관계")
    for user in (outsider, manager):
        client = client_for(user)
        assert client.get(LIST).status_code == 403
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, _form()).status_code == 403
        assert client.get(f"{LIST}{touchpoint.code}/").status_code == 403
        assert client.post(f"{LIST}{touchpoint.code}/", _form()).status_code == 403
    assert Touchpoint.objects.get().name == "관계"


def test_admin_adds_a_touchpoint_owned_by_a_team(admin: User) -> None:
    team = Group.objects.create(name="물류팀")
    client = client_for(admin)
    assert client.get(NEW).status_code == 200
    response = client.post(
        NEW, _form(name="  배송 완료 ", owner_team=team.pk, contact_interval_days="7")
    )
    assert response.status_code == 302
    assert response["Location"] == LIST
    touchpoint = Touchpoint.objects.get()
    assert touchpoint.name == "배송 완료"
    assert touchpoint.owner_team == team
    assert touchpoint.milestone == "delivery.delivered"
    assert touchpoint.contact_interval_days == 7
    assert touchpoint.is_active


def test_a_touchpoint_has_a_team_or_a_person_not_both(admin: User) -> None:
    team = Group.objects.create(name="물류팀")
    client = client_for(admin)
    admin.language = "en"
    admin.save(update_fields=["language"])
    response = client.post(NEW, _form(owner_team=team.pk, owner_user=admin.pk))
    assert response.status_code == 400
    assert "Choose a team or a person, not both." in response.content.decode()
    assert not Touchpoint.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [{"name": "  "}, {"milestone": "order.placed"}, {"contact_interval_days": "0"}],
)
def test_bad_input_is_refused(admin: User, changes: dict[str, str]) -> None:
    response = client_for(admin).post(NEW, _form(**changes))
    assert response.status_code == 400
    assert not Touchpoint.objects.exists()


def test_admin_edits_a_touchpoint(admin: User) -> None:
    touchpoint = create_touchpoint(name="A/S", milestone="service.closed")
    owner = UserFactory(username="lee")
    client = client_for(admin)
    url = f"{LIST}{touchpoint.code}/"
    assert "A/S" in client.get(url).content.decode()
    response = client.post(
        url, _form(name="A/S 종료", owner_user=owner.pk, milestone="", is_active="")
    )
    assert response.status_code == 302
    touchpoint.refresh_from_db()
    assert touchpoint.name == "A/S 종료"
    assert touchpoint.owner_user == owner
    assert touchpoint.milestone == ""
    assert not touchpoint.is_active


def test_unknown_touchpoint_is_not_found(admin: User) -> None:
    url = f"{LIST}00000000-0000-0000-0000-000000000000/"
    assert client_for(admin).get(url).status_code == 404


def test_list_shows_owners_in_constant_queries(admin: User) -> None:
    client = client_for(admin)
    team = Group.objects.create(name="물류팀")
    create_touchpoint(name="배송 완료", owner_team=team, milestone="delivery.delivered")
    client.get(LIST)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for n in range(4):
        create_touchpoint(name=f"단계 {n}", owner_user=UserFactory(), contact_interval_days=5)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert response.status_code == 200
    assert len(many) == len(few)
    page = response.content.decode()
    assert "물류팀" in page
    assert "단계 3" in page
