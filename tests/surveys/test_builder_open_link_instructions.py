"""The open-link page is enough to sign links: it says what the parameters are, what is signed
(the canonical string, the expiry, URL-encoding) and which key, and its code works as printed.
The repository's docs are named for developers, not as the place to learn the contract."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from cxm.models import User
from tests.conftest import client_for
from tests.odata.test_customer_360 import OrderFactory
from tests.surveys.test_builder_open_link import _open_survey, _page
from tests.surveys.test_builder_surveys import _english

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_page_states_the_signing_contract(admin: User) -> None:
    survey = _open_survey()
    html = client_for(_english(admin)).get(_page(survey)).content.decode()
    text = _text(html)
    assert "http://testserver/o/R1/?order=…&exp=…&sig=…" in text
    for fact in (
        "at most 64 characters",
        "URL-encoded like any query value; it is signed as it is, before URL-encoding",
        "in Unix seconds (UTC). Leave it out for a link that does not expire",
        "HMAC-SHA256 of the string to sign, with the secret above as the key",
        "not decoded from hexadecimal",
        "three lines joined by a line feed, with no line feed at the end, in UTF-8",
        "before the customer answers",
        "each order answers this survey once",
    ):
        assert fact in text, fact
    canonical = re.search(r'<pre class="code-block" id="signing-canonical">([^<]+)</pre>', html)
    assert canonical
    assert unescape(canonical.group(1)).split("\n")[0] == "R1"
    assert "docs/open-links.md has the details" not in text
    assert "the cxm documentation (docs/open-links.md" in text


@pytest.mark.parametrize("valid_days", [30, None])
def test_the_pages_python_signs_an_order_that_needs_url_encoding(
    admin: User, valid_days: int | None
) -> None:
    survey = _open_survey()
    OrderFactory(external_id="POS 1/0004+A&B")
    html = client_for(_english(admin)).get(_page(survey)).content.decode()
    code = re.search(r'<pre class="code-block" id="example-python">(.+?)</pre>', html, re.S)
    assert code
    namespace: dict[str, Any] = {}
    exec(unescape(code.group(1)), namespace)  # noqa: S102  # the page's own example, as printed
    link = namespace["receipt_link"]("POS 1/0004+A&B", valid_days)
    assert ("&exp=" in link) == (valid_days is not None)
    opened = Client(HTTP_ACCEPT_LANGUAGE="en").get(link.removeprefix("http://testserver"))
    assert opened.status_code == 200
    assert "Recommend?" in opened.content.decode()
    assert "Test link" not in opened.content.decode()
