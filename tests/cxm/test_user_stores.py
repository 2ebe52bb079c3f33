"""Admins tie a store manager to stores on the user form (new and edit): a store chosen for one
person is taken from its previous manager, the users list shows who manages which stores, and
routing to the store's manager and the staff's view of the store's tasks follow at once."""

from __future__ import annotations

import pytest

from actions.access import visible_tasks
from actions.models import ActionPlan
from actions.services.tasks import route_owner
from cxm.models import User
from cxm.roles import Role
from odata.models import Store
from tests.conftest import client_for, with_language
from tests.factories import ActionPlanFactory, FollowUpTaskFactory, UserFactory
from tests.odata.test_customer_360 import StoreFactory

pytestmark = pytest.mark.django_db


def _edit(user: User, role: Role = Role.STAFF, **fields: object) -> dict[str, object]:
    return {
        "name": user.name,
        "email": user.email,
        "role": role.value,
        "language": "",
        "is_active": "on",
        **fields,
    }


def test_admin_adds_a_user_who_manages_stores(admin: User) -> None:
    hongdae, gangnam = StoreFactory(name="홍대점"), StoreFactory(name="강남점")
    response = client_for(admin).post(
        "/manage/users/new/",
        {
            "username": "park",
            "name": "박점장",
            "email": "",
            "role": Role.STAFF.value,
            "language": "",
            "stores": [str(hongdae.code), str(gangnam.code)],
        },
    )
    assert response.status_code == 302
    park = User.objects.get(username="park")
    assert set(park.managed_stores.all()) == {hongdae, gangnam}


def test_choosing_a_store_moves_it_and_unchoosing_gives_it_up(admin: User) -> None:
    before = UserFactory(name="김전임")
    hongdae, gangnam = StoreFactory(name="홍대점", manager=before), StoreFactory(name="강남점")
    person = UserFactory(name="박점장")
    client = client_for(with_language(admin, "en"))
    url = f"/manage/users/{person.code}/"

    page = client.get(url).content.decode()
    assert "Stores managed" in page and "takes it from its current manager" in page
    assert f"홍대점 ({hongdae.external_id}) · managed by 김전임" in page

    client.post(url, _edit(person, stores=[str(hongdae.code), str(gangnam.code)]))
    assert set(Store.objects.filter(manager=person)) == {hongdae, gangnam}
    assert not Store.objects.filter(manager=before).exists()
    page = client.get(url).content.decode()
    assert page.count("selected>") >= 2  # the form shows what the person manages

    client.post(url, _edit(person, stores=[str(gangnam.code)]))
    hongdae.refresh_from_db()
    assert hongdae.manager is None
    assert list(Store.objects.filter(manager=person)) == [gangnam]


def test_the_users_list_shows_the_stores_each_person_manages(admin: User) -> None:
    person = UserFactory(username="park", name="박점장")
    StoreFactory(name="홍대점", external_id="S003", manager=person)
    StoreFactory(name="강남점", external_id="S001", manager=person)

    page = client_for(with_language(admin, "en")).get("/manage/users/").content.decode()

    assert "Stores managed" in page
    assert "강남점 (S001), 홍대점 (S003)" in page


def test_only_admins_set_who_manages_a_store(manager: User, agent: User) -> None:
    store = StoreFactory()
    target = UserFactory()
    for user in (manager, agent):
        client = client_for(user)
        url = f"/manage/users/{target.code}/"
        assert client.post(url, _edit(target, stores=[str(store.code)])).status_code in (403, 404)
        assert (
            client.post(
                "/manage/users/new/",
                {"username": "x", "role": "Staff", "stores": [str(store.code)]},
            ).status_code
            == 403
        )
    store.refresh_from_db()
    assert store.manager is None


def test_routing_and_the_staffs_view_follow_the_new_manager(admin: User) -> None:
    store = StoreFactory(manager=UserFactory())
    person = UserFactory(role=Role.STAFF)
    plan: ActionPlan = ActionPlanFactory(routing=ActionPlan.Routing.STORE_MANAGER)
    task = FollowUpTaskFactory(store=store)
    assert task not in visible_tasks(person)

    client_for(admin).post(f"/manage/users/{person.code}/", _edit(person, stores=[str(store.code)]))

    store.refresh_from_db()
    assert route_owner(plan=plan, store=store, touchpoint=None) == person
    assert task in visible_tasks(person)


def test_each_store_names_its_manager_as_a_store_manager_and_namesakes_by_username(
    admin: User,
) -> None:
    first = UserFactory(username="store04", name="서시우 점장")
    second = UserFactory(username="store11", name="서시우 점장")
    StoreFactory(name="여의도점", external_id="S004", manager=first)
    StoreFactory(name="서면점", external_id="S011", manager=second)
    html = client_for(with_language(admin, "ko")).get("/manage/users/new/").content.decode()
    assert "여의도점 (S004) · 현재 점장: 서시우 점장 (store04)" in html
    assert "서면점 (S011) · 현재 점장: 서시우 점장 (store11)" in html
    assert "현재 관리자" not in html  # 관리자 is the Administrator role's name
