"""A link that does not work says what the customer can do: scan a code again (open links on
receipts and posters) or copy the whole address from the message (personal links)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.odata.test_customer_360 import OrderFactory
from tests.surveys.test_open_link_orders import _link, _survey

pytestmark = pytest.mark.django_db

SCAN = "Please scan the code again, or check that the whole address was typed."
COPY = "Please check that the whole address was copied from your message."


def test_a_forged_receipt_link_asks_to_scan_again() -> None:
    _survey()
    OrderFactory(external_id="A-1")
    forged = _link("A-1", secret="f" * 64)
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(forged).content.decode()
    assert SCAN in html and COPY not in html


def test_an_unknown_open_code_asks_to_scan_again_in_korean() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="ko").get("/o/NOPE/")
    assert response.status_code == 404
    assert "코드를 다시 스캔하거나" in response.content.decode()


def test_an_unknown_personal_link_asks_to_copy_the_whole_address() -> None:
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/s/" + "x" * 43 + "/").content.decode()
    assert COPY in html and SCAN not in html
