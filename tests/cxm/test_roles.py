"""Roles are groups with permissions; pages and navigation follow them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from cxm.models import User
from cxm.roles import ROLE_PERMISSIONS, Role
from cxm.services import role_of, set_user_role, sync_role_permissions
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MANAGE_PAGES = ["/manage/users/", "/manage/users/new/", "/manage/sent-email/"]


def test_migrate_creates_each_role_with_its_permissions() -> None:
    for role, names in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.value)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert held == names


def test_sync_restores_permissions_removed_by_hand() -> None:
    Group.objects.get(name="Admin").permissions.clear()
    sync_role_permissions()
    assert Group.objects.get(name="Admin").permissions.count() == len(ROLE_PERMISSIONS[Role.ADMIN])


def test_a_user_holds_one_role_at_a_time() -> None:
    user = UserFactory(role=Role.STAFF)
    set_user_role(user=user, role=Role.MANAGER)
    assert [g.name for g in user.groups.all()] == ["Manager"]
    assert role_of(user) is Role.MANAGER


@pytest.mark.parametrize("url", MANAGE_PAGES)
def test_admin_opens_management_pages(admin: User, url: str) -> None:
    assert client_for(admin).get(url).status_code == 200


@pytest.mark.parametrize("url", MANAGE_PAGES)
def test_manager_staff_and_outsider_are_refused_management_pages(
    manager: User, agent: User, outsider: User, url: str
) -> None:
    for user in (manager, agent, outsider):
        assert client_for(user).get(url).status_code == 403


def test_system_status_is_for_admins_and_managers(admin: User, manager: User, agent: User) -> None:
    assert client_for(admin).get("/manage/system/").status_code == 200
    assert client_for(manager).get("/manage/system/").status_code == 200
    assert client_for(agent).get("/manage/system/").status_code == 403


def test_anonymous_visitor_is_sent_to_login() -> None:
    response = Client().get("/manage/users/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def _nav_links(user: User) -> set[str]:
    response = client_for(user).get("/")
    assert response.status_code == 200
    return {item["url"] for item in response.context["nav_work"] + response.context["nav_manage"]}


def test_navigation_shows_each_role_what_it_may_use(
    admin: User, manager: User, agent: User
) -> None:
    assert _nav_links(admin) == {
        "/",
        "/xdata/responses/",
        "/odata/customers/",
        "/analysis/",
        "/actions/tasks/",
        "/actions/board/",
        "/actions/outcomes/",
        "/actions/manage/rules/",
        "/actions/manage/plans/",
        "/actions/manage/root-causes/",
        "/actions/manage/webhooks/",
        "/surveys/",
        "/surveys/touchpoints/",
        "/surveys/invitations/",
        "/odata/imports/",
        "/odata/integrations/",
        "/manage/users/",
        "/manage/sent-email/",
        "/manage/system/",
    }
    assert _nav_links(manager) == {
        "/",
        "/xdata/responses/",
        "/odata/customers/",
        "/analysis/",
        "/actions/tasks/",
        "/actions/board/",
        "/actions/outcomes/",
        "/manage/system/",
    }
    assert _nav_links(agent) == {
        "/",
        "/xdata/responses/",
        "/odata/customers/",
        "/analysis/",
        "/actions/tasks/",
    }


def test_role_badge_is_shown_in_the_shell(manager: User) -> None:
    manager.language = "en"
    manager.save(update_fields=["language"])
    html = client_for(manager).get("/").content.decode()
    assert '<span class="badge">Manager</span>' in html
