"""Repeated failed sign-ins pause the account for that address; success works otherwise."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.test import Client

from cxm.models import User
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str) -> int:
    return client.post("/login/", {"username": username, "password": password}).status_code


def test_correct_password_signs_in(agent: User) -> None:
    client = Client()
    response = client.post("/login/", {"username": agent.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_password_shows_the_form_again_with_a_message(agent: User) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/login/", {"username": agent.username, "password": "nope"}
    )
    assert response.status_code == 200
    assert "The username or password is not correct" in response.content.decode()


def test_five_failures_lock_out_even_the_right_password(agent: User) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    for _ in range(4):
        assert _login(client, agent.username, "wrong") == 200
    assert _login(client, agent.username, "wrong") == 429
    response = client.post("/login/", {"username": agent.username, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "로그인이 잠시 중지되었습니다" in response.content.decode()
    assert client.get("/").status_code == 302  # still not signed in


def test_lockout_is_per_account_and_address(agent: User, manager: User) -> None:
    attacker = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(5):
        _login(attacker, agent.username, "wrong")
    assert _login(attacker, agent.username, TEST_PASSWORD) == 429
    # Another person at another address is not locked out of their own account.
    assert _login(Client(REMOTE_ADDR="10.0.0.10"), agent.username, TEST_PASSWORD) == 302
    assert _login(attacker, manager.username, TEST_PASSWORD) == 302


@time_machine.travel("2026-11-23 10:00:00 +0000", tick=False)  # the hour's window starts now
def test_one_address_failing_on_many_accounts_is_paused_for_every_account(
    settings: Any, agent: User, manager: User
) -> None:
    settings.CXM_LOGIN_FAILURES_PER_HOUR = 3
    sprayer = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.7")
    for username in ("kim", "lee", "park"):  # the limit: 3 failures
        assert _login(sprayer, username, "Summer2026!") == 200
    # Past the limit the password is not even checked: the right one is refused too.
    response = sprayer.post("/login/", {"username": agent.username, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "too many failed attempts to sign in from your network" in response.content.decode()
    # Another address is not affected.
    office = Client(REMOTE_ADDR="198.51.100.20")
    assert _login(office, manager.username, TEST_PASSWORD) == 302


def test_successful_sign_ins_do_not_count_against_the_address(settings: Any, agent: User) -> None:
    settings.CXM_LOGIN_FAILURES_PER_HOUR = 1
    for _ in range(3):
        client = Client(REMOTE_ADDR="198.51.100.21")
        assert _login(client, agent.username, TEST_PASSWORD) == 302
    assert _login(Client(REMOTE_ADDR="198.51.100.21"), "kim", "wrong") == 200
