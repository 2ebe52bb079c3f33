"""The manual invitation page reached without a customer (bookmarked or typed) offers the
customer search instead of a bare 404; a customer that cannot be found stays 404."""

from __future__ import annotations

import pytest

from cxm.models import User
from tests.conftest import client_for
from tests.surveys.test_invitations_helpers import make_customer

pytestmark = pytest.mark.django_db

URL = "/surveys/invitations/new/"


def test_without_a_customer_the_page_searches_and_links_back_with_the_customer(
    admin: User,
) -> None:
    wanted = make_customer(name="홍길동", external_id="C-0042")
    other = make_customer(name="김민지", external_id="C-0043")
    response = client_for(admin).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>설문 보내기</h1>" in html
    assert 'name="q"' in html
    assert f'href="{URL}?customer={wanted.code}"' in html  # newest customers before a search

    html = client_for(admin).get(URL, {"q": "C-0042"}).content.decode()
    assert f'href="{URL}?customer={wanted.code}"' in html
    assert str(other.code) not in html
    assert f"/odata/customers/{wanted.code}/" not in html

    chosen = client_for(admin).get(URL, {"customer": str(wanted.code)})
    assert chosen.status_code == 200
    assert "홍길동 님께 설문 보내기" in chosen.content.decode()


def test_an_unknown_customer_stays_404(admin: User) -> None:
    client = client_for(admin)
    assert client.get(URL, {"customer": "not-a-code"}).status_code == 404
    assert client.get(URL, {"customer": "00000000-0000-0000-0000-000000000000"}).status_code == 404
    assert client.post(URL, {"survey": "x"}).status_code == 404


def test_others_are_refused_the_search(manager: User, outsider: User) -> None:
    make_customer()
    for user in (manager, outsider):
        assert client_for(user).get(URL).status_code == 403
