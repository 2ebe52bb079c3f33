"""Signed orders on open links (receipt QR codes): `?order=…&exp=…&sig=…` links the answer to
the purchase; tampered, unknown, expired, answered and rotated links are refused kindly."""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from surveys.models import Survey
from surveys.open_links import (
    TEST_ORDER,
    MalformedSignedOrder,
    canonical_string,
    open_link_signature,
    parse_signed_order,
)
from surveys.services.builder import rotate_open_link_secret
from tests.odata.test_customer_360 import OrderFactory, StoreFactory
from tests.surveys.test_answer_open_link import SHORT, _answer
from tests.surveys.test_answer_pages import make_invitation, make_survey
from xdata.models import Response
from xdata.services.responses import record_response

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
SECRET = "0123456789abcdef" * 4


def _survey(secret: str = SECRET) -> Survey:
    survey = make_survey(SHORT, open_code="R1")
    survey.open_link_secret = secret
    survey.save(update_fields=["open_link_secret"])
    return survey


def _link(order: str, *, secret: str = SECRET, expires: str = "", **extra: str) -> str:
    sig = open_link_signature(secret=secret, code="R1", order=order, expires=expires)
    query = {"order": order, **({"exp": expires} if expires else {}), "sig": sig, **extra}
    return f"/o/R1/?{urlencode(query)}"


def _client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


DOCS = Path(__file__).resolve().parents[2] / "docs" / "open-links.md"


def _documented_test_vector() -> tuple[str, str, list[list[str]]]:
    """(open code, secret, rows of order, exp, canonical string, sig) from the test vector
    section of docs/open-links.md, as written there."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("### Test vector", 1)[1].split("\n#", 1)[0]
    found = re.search(r"open code `([^`]+)` and the secret\s+`([0-9a-f]{64})`", section)
    assert found, "the test vector names its open code and secret"
    table = [line for line in section.splitlines() if line.startswith("|")]
    rows = [  # after the header and its separator
        [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        for line in table[2:]
    ]
    return found.group(1), found.group(2), rows


def test_documented_example_signature() -> None:
    """The test vector in docs/open-links.md, for POS developers to check their code against."""
    code, secret, rows = _documented_test_vector()
    assert len(rows) >= 3 and TEST_ORDER in {row[0] for row in rows}
    for order, exp, canonical, sig in rows:
        expires = "" if exp == "(none)" else exp
        message = canonical_string(code=code, order=order, expires=expires)
        assert message.replace("\n", "\\n") == canonical
        assert open_link_signature(secret=secret, code=code, order=order, expires=expires) == sig


def test_the_signing_contract_is_pinned() -> None:
    """POS vendors sign links with their own code: the signature may not change with the docs."""
    message = canonical_string(code="Xk3v9QpL2aA", order="POS-0042-20250301-0117", expires="")
    assert message == "Xk3v9QpL2aA\nPOS-0042-20250301-0117\n"
    signed = {"code": "Xk3v9QpL2aA", "order": "POS-0042-20250301-0117", "secret": SECRET}
    assert open_link_signature(**signed, expires="1767225600") == (
        "683de798a4f0ec4d28cbbd531ac2c3ee07a54a00fbc255e04f7660dc95ace9ab"
    )
    assert open_link_signature(**signed) == (
        "1ff1f3587b66c6ea5c685b002a40c7ec6b2180957d68c26d2b42cdaff247f5c8"
    )


def test_signed_order_records_the_order_its_store_customer_and_the_daypart_of_the_purchase() -> (
    None
):
    survey = _survey()
    store = StoreFactory(external_id="S-10")
    StoreFactory(external_id="S-99")
    order = OrderFactory(
        external_id="POS-1/0001 A",  # characters a URL must encode
        store=store,
        channel="store",
        placed_at=datetime(2025, 5, 1, 8, 40, tzinfo=SEOUL),
    )
    client = _client()
    # The customer answers in the afternoon; the purchase was in the morning. The unsigned
    # store= and channel= give way to the signed order's own.
    with time_machine.travel(datetime(2025, 5, 1, 15, 5, tzinfo=SEOUL), tick=False):
        first = client.get(_link(order.external_id, store="S-99", channel="qr_table"))
        assert first.status_code == 200
        assert "Your answer is about the purchase on your receipt" in first.content.decode()
        done = _answer(client, "/o/R1/", first.content.decode(), nps="10")
    assert "Thank you, we have your answer" in done.content.decode()
    response = Response.objects.get()
    assert response.survey == survey
    assert (response.order, response.store, response.purchase_channel) == (order, store, "store")
    assert response.daypart == "morning"
    assert response.customer == order.customer
    assert response.invitation is None and response.submission_key is not None


def test_an_open_link_without_an_order_stays_anonymous_and_takes_the_time_of_the_answer() -> None:
    _survey()
    client = _client()
    with time_machine.travel(datetime(2025, 5, 1, 15, 5, tzinfo=SEOUL), tick=False):
        first = client.get("/o/R1/")
        assert "Your answer is about the purchase" not in first.content.decode()
        _answer(client, "/o/R1/", first.content.decode(), nps="9")
    response = Response.objects.get()
    assert (response.order, response.customer, response.daypart) == (None, None, "afternoon")


def test_tampered_or_unknown_orders_get_the_same_404_and_record_nothing() -> None:
    _survey()
    OrderFactory(external_id="A-1")
    OrderFactory(external_id="A-2")
    good = _link("A-1")
    signature = good.rsplit("sig=", 1)[1]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    pages = {
        "other order, same signature": f"/o/R1/?order=A-2&sig={signature}",
        "edited signature": f"/o/R1/?order=A-1&sig={flipped}",
        "expiry added": f"/o/R1/?order=A-1&exp=9999999999&sig={signature}",
        "wrong secret": _link("A-1", secret="f" * 64),
        "unknown order, validly signed": _link("NO-SUCH-ORDER"),
    }
    seen = {}
    for name, url in pages.items():
        response = _client().get(url)
        assert response.status_code == 404, name
        html = response.content.decode()
        seen[name] = html[html.index('<main id="main"') :]  # after the language switch
    assert len(set(seen.values())) == 1  # nothing tells which orders exist
    assert "This survey link does not work" in seen["edited signature"]
    assert _client().get(good).status_code == 200
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "order=A-1",  # no signature
        "order=A-1&sig=xyz",
        "order=A-1&sig=" + "g" * 64,
        "order=A-1&exp=tomorrow&sig=" + "a" * 64,
        "sig=" + "a" * 64,  # a signature without an order
        "order=" + "x" * 65 + "&sig=" + "a" * 64,
    ],
)
def test_malformed_order_parameters_are_400(query: str) -> None:
    _survey()
    OrderFactory(external_id="A-1")
    response = _client().get(f"/o/R1/?{query}")
    assert response.status_code == 400
    assert "This survey link does not work" in response.content.decode()


def test_parse_rejects_a_line_feed_in_the_order() -> None:
    with pytest.raises(MalformedSignedOrder):
        parse_signed_order(order="A\n1", expires="", signature="a" * 64)
    assert parse_signed_order(order="", expires="", signature="") is None


def test_bad_signatures_count_toward_the_bad_token_limit(settings: Any) -> None:
    settings.CXM_BAD_TOKENS_PER_MINUTE = 3
    _survey()
    OrderFactory(external_id="A-1")
    client = _client()
    statuses = [
        client.get(f"/o/R1/?order=A-1&sig={'0' * 64}").status_code,
        client.get("/o/R1/?order=A-1").status_code,
        client.get(_link("NO-SUCH-ORDER")).status_code,
        client.get("/s/unknown-personal-token/").status_code,  # the same counter
    ]
    assert statuses == [404, 400, 404, 429]
    assert "Too many attempts" in client.get(f"/o/R1/?order=A-1&sig={'1' * 64}").content.decode()
    # A valid link and a link without an order are not refused for the failures before them.
    assert client.get(_link("A-1")).status_code == 200
    assert client.get("/o/R1/").status_code == 200


def test_an_order_answers_once_and_a_second_answer_gets_the_answered_page() -> None:
    _survey()
    order = OrderFactory(external_id="A-1")
    client, other = _client(), _client()
    mine = client.get(_link("A-1")).content.decode()
    theirs = other.get(_link("A-1")).content.decode()  # the receipt scanned twice at the table
    assert _answer(client, "/o/R1/", mine, nps="9").status_code == 200
    # The other form was opened before the first answer: refused when sent.
    late = _answer(other, "/o/R1/", theirs, nps="8")
    assert late.status_code == 410
    assert "This survey has already been answered" in late.content.decode()
    # A new visit is refused on the first page.
    again = _client().get(_link("A-1"))
    assert again.status_code == 410
    assert "Thank you, we have your answer" in again.content.decode()
    assert list(Response.objects.values_list("order", "nps")) == [(order.pk, 9)]


def test_a_double_submit_of_the_last_step_thanks_and_records_once() -> None:
    _survey()
    OrderFactory(external_id="A-1")
    client = _client()
    page = client.get(_link("A-1")).content.decode()
    first = _answer(client, "/o/R1/", page, nps="9")
    again = _answer(client, "/o/R1/", page, nps="9")
    assert first.status_code == again.status_code == 200
    assert "Thank you, we have your answer" in again.content.decode()
    assert Response.objects.count() == 1


def test_orders_answer_each_survey_once_and_personal_invitations_do_not_count() -> None:
    survey = _survey()
    order = OrderFactory(external_id="A-1")
    invitation = make_invitation(survey, order=order, customer=order.customer)
    assert survey.current_version is not None
    record_response(version=survey.current_version, answers={"nps": 8}, invitation=invitation)
    client = _client()
    _answer(client, "/o/R1/", client.get(_link("A-1")).content.decode(), nps="10")
    other = make_survey(SHORT, open_code="R2")
    other.open_link_secret = SECRET
    other.save(update_fields=["open_link_secret"])
    signature = open_link_signature(secret=SECRET, code="R2", order="A-1")
    page = client.get(f"/o/R2/?order=A-1&sig={signature}")
    assert page.status_code == 200
    _answer(client, "/o/R2/", page.content.decode(), nps="7")
    assert Response.objects.filter(order=order).count() == 3


def test_an_expired_link_is_410_and_one_that_has_not_expired_works() -> None:
    _survey()
    OrderFactory(external_id="A-1")
    now = int(time.time())
    expired = _client().get(_link("A-1", expires=str(now - 60)))
    assert expired.status_code == 410
    assert "This survey is closed" in expired.content.decode()
    assert _client().get(_link("A-1", expires=str(now + 3600))).status_code == 200


def test_a_customer_who_started_before_the_expiry_may_finish() -> None:
    _survey()
    OrderFactory(external_id="A-1")
    expires = str(int(time.time()) + 60)
    client = _client()
    page = client.get(_link("A-1", expires=expires)).content.decode()
    with time_machine.travel(time.time() + 600):
        assert _answer(client, "/o/R1/", page, nps="8").status_code == 200
    assert Response.objects.get().order is not None


def test_rotating_the_secret_invalidates_old_signatures() -> None:
    survey = _survey()
    OrderFactory(external_id="A-1")
    OrderFactory(external_id="A-2")
    old = _link("A-1")
    client = _client()
    started = client.get(_link("A-2")).content.decode()
    secret = rotate_open_link_secret(survey=survey)
    assert secret != SECRET and len(secret) == 64
    assert _client().get(old).status_code == 404
    # A form opened with the old signature is refused when sent, too.
    assert _answer(client, "/o/R1/", started, nps="9").status_code == 404
    assert not Response.objects.exists()
    fresh = _client()
    page = fresh.get(_link("A-1", secret=secret))
    assert page.status_code == 200
    _answer(fresh, "/o/R1/", page.content.decode(), nps="9")
    assert Response.objects.get().order.external_id == "A-1"  # type: ignore[union-attr]


def test_a_survey_without_a_secret_refuses_signed_orders() -> None:
    _survey(secret="")
    OrderFactory(external_id="A-1")
    assert _client().get(_link("A-1", secret="")).status_code == 404
    assert _client().get("/o/R1/").status_code == 200
