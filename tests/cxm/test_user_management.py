"""Admins add staff, give them a role and switch accounts off, in the product's own pages."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from cxm.jobs import send_account_invitation
from cxm.models import User
from cxm.roles import Role
from cxm.services import role_of
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

NEW_USER = {
    "username": "kim",
    "name": "김민지",
    "email": "minji@example.com",
    "role": "Manager",
    "language": "ko",
    "send_invitation": "on",
}


def test_new_user_form_refuses_outsider_and_manager(outsider: User, manager: User) -> None:
    for user in (outsider, manager):
        assert client_for(user).post("/manage/users/new/", NEW_USER).status_code == 403
    assert not User.objects.filter(username="kim").exists()


def test_admin_adds_a_user_with_a_role_and_an_invitation(
    admin: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post("/manage/users/new/", NEW_USER)
    user = User.objects.get(username="kim")
    assert response.status_code == 302
    assert response["Location"] == f"/manage/users/{user.code}/"
    assert role_of(user) is Role.MANAGER
    assert not user.has_usable_password()
    # The invitation job was enqueued on commit; run it as the worker would.
    import django_rq

    jobs = django_rq.get_queue("realtime").jobs
    assert [job.func_name for job in jobs] == ["cxm.jobs.send_account_invitation"]
    send_account_invitation(*jobs[0].args)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["minji@example.com"]
    assert "비밀번호" in message.subject
    assert f"/account/password/{user.code.hex}/" in message.body
    # The link names the user by the public code, never the integer id (which a random hex
    # code may happen to contain, so compare the whole segment).
    segment = message.body.split("/account/password/")[1].split("/")[0]
    assert segment == user.code.hex


def test_invitation_goes_out_once(admin: User) -> None:
    user = User.objects.create(username="lee", email="lee@example.com")
    send_account_invitation(user.pk)
    send_account_invitation(user.pk)
    assert len(mail.outbox) == 1


def test_invitation_link_lets_the_user_choose_a_password_and_sign_in(admin: User) -> None:
    user = User.objects.create(username="park", email="park@example.com")
    user.set_unusable_password()
    user.save()
    send_account_invitation(user.pk)
    link = next(line for line in mail.outbox[0].body.splitlines() if "/account/password/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    form_page = client.get("/" + path, follow=True)
    assert form_page.context["validlink"] is True
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-Long-new-Passw0rd", "new_password2": "a-Long-new-Passw0rd"},
    )
    assert response.status_code == 302
    signed_in = Client().post("/login/", {"username": "park", "password": "a-Long-new-Passw0rd"})
    assert signed_in.status_code == 302


def test_bad_invitation_link_shows_a_friendly_page() -> None:
    response = Client().get("/account/password/not-a-code/whatever/", follow=True)
    assert response.status_code == 200
    assert response.context["validlink"] is False


def test_duplicate_username_and_email_are_refused_in_the_users_language(admin: User) -> None:
    admin.language = "en"
    admin.save(update_fields=["language"])
    response = client_for(admin).post(
        "/manage/users/new/", {**NEW_USER, "username": admin.username.upper(), "email": admin.email}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This username is taken." in html
    assert "Another user already has this e-mail address." in html


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "john doe"),
        ("username", "<b>x</b>"),
        ("username", "a/b"),
        ("email", "k" * 250 + "@example.com"),
    ],
)
def test_a_username_or_address_the_account_cannot_hold_is_a_form_error(
    admin: User, field: str, value: str
) -> None:
    response = client_for(admin).post("/manage/users/new/", {**NEW_USER, field: value})
    assert response.status_code == 400
    assert not User.objects.exclude(pk=admin.pk).exists()


def test_invitation_needs_an_email(admin: User) -> None:
    response = client_for(admin).post("/manage/users/new/", {**NEW_USER, "email": ""})
    assert response.status_code == 400
    assert not User.objects.filter(username="kim").exists()


def test_admin_changes_role_and_switches_an_account_off(admin: User, agent: User) -> None:
    response = client_for(admin).post(
        f"/manage/users/{agent.code}/",
        {
            "username": "ignored",
            "name": "New Name",
            "email": agent.email,
            "role": "Manager",
            "language": "en",
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.name, agent.username, agent.language, agent.is_active) == (
        "New Name",
        "agent1",
        "en",
        False,
    )
    assert role_of(agent) is Role.MANAGER


def test_admin_cannot_demote_or_switch_off_themselves(admin: User) -> None:
    response = client_for(admin).post(
        f"/manage/users/{admin.code}/",
        {"name": "", "email": admin.email, "role": "Staff", "language": "", "is_active": "on"},
    )
    assert response.status_code == 400
    assert role_of(admin) is Role.ADMIN


def test_user_pages_refuse_other_roles_and_unknown_codes(admin: User, manager: User) -> None:
    assert client_for(manager).get(f"/manage/users/{admin.code}/").status_code == 403
    assert client_for(manager).post(f"/manage/users/{admin.code}/", {}).status_code == 403
    missing = "00000000-0000-0000-0000-000000000000"
    assert client_for(admin).get(f"/manage/users/{missing}/").status_code == 404


def test_user_list_filters_by_role_and_search(admin: User, manager: User, agent: User) -> None:
    client = client_for(admin)
    managers = client.get("/manage/users/", {"role": "Manager"})
    assert [u.username for u, _ in managers.context["rows"]] == ["manager1"]
    found = client.get("/manage/users/", {"q": "agent"}, HTTP_HX_REQUEST="true")
    assert [u.username for u, _ in found.context["rows"]] == ["agent1"]
    assert "<html" not in found.content.decode()  # htmx gets the rows fragment only


def test_password_reset_request_answers_the_same_for_unknown_addresses(
    agent: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    import django_rq

    with django_capture_on_commit_callbacks(execute=True):
        known = Client().post("/account/password/reset/", {"email": agent.email.upper()})
        unknown = Client().post("/account/password/reset/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    jobs = django_rq.get_queue("realtime").jobs
    assert [job.args for job in jobs] == [(agent.pk,)]
