"""A customer answers a personal link on a phone: a low NPS brings the follow-up question, a
step back keeps what was given, and the last step reaches the thank-you page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot
from tests.surveys.test_answer_pages import QUESTIONS, TOKEN, make_invitation, make_survey
from xdata.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        locale="en-US",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_customer_answers_on_a_phone(live_site, phone: Page) -> None:  # type: ignore[no-untyped-def]
    make_invitation(make_survey(QUESTIONS), language="en")
    phone.goto(f"{live_site.url}/s/{TOKEN}/")
    expect(phone.get_by_role("group", name="How likely are you to recommend us?")).to_be_visible()
    expect(phone.get_by_text("What went wrong?")).to_have_count(0)
    # Nothing wider than the phone: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "answer-nps-phone")

    phone.get_by_role("radio", name="3", exact=True).check()
    phone.get_by_role("button", name="Next").click()
    wrong = phone.get_by_role("group", name="What went wrong?")
    expect(wrong).to_be_visible()
    phone.get_by_label("What went wrong?").fill("The coffee was cold and the line was long.")
    phone.get_by_role("group", name="How satisfied were you?").get_by_role(
        "radio", name="2", exact=True
    ).check()
    screenshot(phone, "answer-followup-phone")
    # Back to the score and on again: the score is filled in, the follow-up kept as typed.
    phone.get_by_role("button", name="Previous").click()
    expect(phone.get_by_role("radio", name="3", exact=True)).to_be_checked()
    phone.get_by_role("button", name="Next").click()
    expect(phone.get_by_label("What went wrong?")).to_have_value(
        "The coffee was cold and the line was long."
    )
    phone.get_by_role("button", name="Next").click()

    # The last step: skip it once to see the error, then answer.
    phone.get_by_role("button", name="Send answers").click()
    expect(phone.get_by_text("Please answer this question.")).to_be_visible()
    screenshot(phone, "answer-error-phone")
    phone.get_by_role("radio", name="Not sure").check()
    phone.get_by_role("button", name="Send answers").click()

    expect(phone.get_by_role("heading", name="Thank you, we have your answer")).to_be_visible()
    phone.get_by_text("Your answers").click()
    expect(phone.get_by_text("The coffee was cold and the line was long.")).to_be_visible()
    screenshot(phone, "answer-thanks-phone")
    response = Response.objects.get()
    assert (response.nps, response.csat, response.intent) == (3, 2, "unsure")
    assert response.comment == "The coffee was cold and the line was long."


def _focused(page: Page) -> dict[str, object]:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const box = el.getBoundingClientRect();
            return {
                id: el.id,
                fieldset: el.closest("fieldset") ? el.closest("fieldset").id : "",
                visible: box.top >= 0 && box.bottom <= window.innerHeight,
            };
        }"""
    )


def test_a_refused_step_lands_on_the_first_unanswered_question(live_site, phone: Page) -> None:  # type: ignore[no-untyped-def]
    make_invitation(make_survey(QUESTIONS), language="en")
    phone.goto(f"{live_site.url}/s/{TOKEN}/")
    phone.get_by_role("radio", name="3", exact=True).check()
    phone.get_by_role("button", name="Next").click()
    expect(phone.get_by_role("group", name="What went wrong?")).to_be_visible()

    # Nothing answered: the first question of the step takes the focus, not the page.
    phone.get_by_role("button", name="Next").click()
    expect(phone.get_by_role("alert")).to_have_text("Please check the answers marked below.")
    assert _focused(phone) == {"id": "wrong-text", "fieldset": "q-wrong", "visible": True}

    # The text answered, the score not: the focus goes past the answered question to the score.
    phone.get_by_label("What went wrong?").fill("Cold coffee.")
    phone.get_by_role("button", name="Next").click()
    expect(phone.get_by_role("alert")).to_be_visible()
    assert _focused(phone) == {"id": "csat-1", "fieldset": "q-csat", "visible": True}
    screenshot(phone, "answer-error-focus-phone")
    assert not Response.objects.exists()
