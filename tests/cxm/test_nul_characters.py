"""A NUL character, which PostgreSQL text cannot hold, gets a 400 page at every entry that reads
the address or a form, never a server error."""

from __future__ import annotations

import pytest
from django.test import Client

from cxm.models import User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/o/%00/", "/s/a%00b/", "/u/%00/", "/odata/customers/?q=ab%00cd", "/manage/users/?q=a%00b"],
)
def test_a_nul_in_the_address_is_a_bad_request(admin: User, url: str) -> None:
    client = client_for(admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(url)
    assert response.status_code == 400
    assert "Something in the request was not right" in response.content.decode()


def test_a_nul_in_a_form_field_is_a_bad_request() -> None:
    # As a browser sends a form: URL-encoded.
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/login/", "username=a%00b&password=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400


def test_requests_without_nul_pass_through(admin: User) -> None:
    assert client_for(admin).get("/odata/customers/?q=abcd").status_code == 200


def test_the_400_page_is_in_the_signed_in_users_language(admin: User) -> None:
    admin.language = "en"
    admin.save(update_fields=["language"])
    client = client_for(admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ko"
    response = client.get("/odata/customers/?q=ab%00cd")
    assert response.status_code == 400
    assert '<html lang="en">' in response.content.decode()
    assert "Something in the request was not right" in response.content.decode()
