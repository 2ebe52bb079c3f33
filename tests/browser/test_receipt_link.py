"""A customer scans the QR code on a receipt: the signed order opens the survey on a phone, the
page says the answer is kept with the purchase, and scanning again after answering is refused."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, expect

from surveys.open_links import open_link_signature
from tests.browser.conftest import screenshot
from tests.odata.test_customer_360 import OrderFactory, StoreFactory
from tests.surveys.test_answer_open_link import SHORT
from tests.surveys.test_answer_pages import make_survey
from xdata.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECRET = "cd" * 32


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        locale="en-US", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_customer_answers_from_a_receipt(live_site, phone: Page) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey(SHORT, open_code="RCPT")
    survey.open_link_secret = SECRET
    survey.save(update_fields=["open_link_secret"])
    order = OrderFactory(external_id="POS-7/0001", store=StoreFactory(), channel="store")
    sig = open_link_signature(secret=SECRET, code="RCPT", order=order.external_id)
    url = f"{live_site.url}/o/RCPT/?{urlencode({'order': order.external_id, 'sig': sig})}"

    phone.goto(url)
    expect(phone.get_by_text("Your answer is about the purchase on your receipt")).to_be_visible()
    screenshot(phone, "receipt-answer-phone")
    phone.get_by_role("radio", name="9", exact=True).check()
    phone.get_by_role("button", name="Next").click()  # the follow-up is only for low scores
    expect(phone.get_by_role("heading", name="Thank you, we have your answer")).to_be_visible()

    response = Response.objects.get()
    assert (response.order_id, response.store_id, response.nps) == (order.pk, order.store_id, 9)

    again = phone.goto(url)
    assert again is not None and again.status == 410
    expect(phone.get_by_role("heading", name="Thank you, we have your answer")).to_be_visible()


def test_customer_switches_language_mid_survey_and_keeps_the_answers(
    live_site, phone: Page
) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey(SHORT, open_code="RCPT")
    survey.open_link_secret = SECRET
    survey.save(update_fields=["open_link_secret"])
    order = OrderFactory(external_id="POS-7/0002", store=StoreFactory(), channel="store")
    sig = open_link_signature(secret=SECRET, code="RCPT", order=order.external_id)
    phone.goto(f"{live_site.url}/o/RCPT/?{urlencode({'order': order.external_id, 'sig': sig})}")

    phone.get_by_role("radio", name="5", exact=True).check()
    phone.get_by_role("button", name="Next").click()
    phone.get_by_role("textbox", name="Why?").fill("계산 줄이 길었어요")
    phone.get_by_role("button", name="한국어").click()
    # The same step, in Korean, with the first answer and what was typed kept, and the
    # receipt still attached.
    expect(phone.get_by_role("textbox", name="이유는?")).to_have_value("계산 줄이 길었어요")
    expect(phone.get_by_text("2단계 중 2단계")).to_be_visible()
    screenshot(phone, "receipt-switched-language-phone")
    phone.get_by_role("button", name="답변 보내기").click()
    expect(phone.get_by_role("heading", name="감사합니다. 답변을 잘 받았습니다")).to_be_visible()

    response = Response.objects.get()
    assert (response.order_id, response.nps, response.comment) == (
        order.pk,
        5,
        "계산 줄이 길었어요",
    )
    assert response.language == "ko"
