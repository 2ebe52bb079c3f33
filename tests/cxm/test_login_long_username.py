"""A username longer than any account's is refused by the sign-in form itself: it never
reaches authenticate() and django-axes, whose failure record holds 255 characters (a longer one
was a server error)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("length", [151, 256, 5000])
def test_an_overlong_username_gets_the_form_back_with_a_message(length: int) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/login/", {"username": "x" * length, "password": "secret"}
    )
    assert response.status_code == 200
    assert "Ensure this value has at most 150 characters" in response.content.decode()
    assert AccessAttempt.objects.count() == 0


def test_the_longest_possible_username_is_still_checked_and_counted() -> None:
    response = Client().post("/login/", {"username": "x" * 150, "password": "secret"})
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "x" * 150
