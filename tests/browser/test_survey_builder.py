"""An admin builds a survey from a template, adds a conditional question and publishes it,
on a desk and on a phone; the worked example on the open-link page fits a phone, and its link
opens the survey as a test that records nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from cxm.models import User
from surveys.models import Survey
from surveys.services.builder import create_touchpoint
from tests.browser.conftest import screenshot
from tests.factories import TEST_PASSWORD
from tests.surveys.test_answer_open_link import SHORT
from tests.surveys.test_answer_pages import make_survey
from xdata.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, user: User, path: str) -> None:
    page.goto(f"{base}{path}")
    page.get_by_label("사용자 이름").fill(user.username)
    page.get_by_label("비밀번호").fill(TEST_PASSWORD)
    page.get_by_role("button", name="로그인").click()


def test_admin_builds_and_publishes_a_survey(page: Page, live_site, admin: User) -> None:  # type: ignore[no-untyped-def]
    touchpoint = create_touchpoint(name="배송 완료", milestone="delivery.delivered")
    base = live_site.url
    _sign_in(page, base, admin, "/surveys/new/")
    expect(page).to_have_url(f"{base}/surveys/new/")

    page.locator("#id_template").select_option("delivery_csat")
    page.locator("#id_name").fill("배송 후 만족도")
    page.locator("#id_touchpoint").select_option(str(touchpoint.pk))
    page.locator("main form button.primary").click()
    survey = Survey.objects.get()
    expect(page).to_have_url(f"{base}/surveys/{survey.code}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("배송 후 만족도")
    expect(page.locator("#questions > li.question")).to_have_count(3)

    page.locator(f"a[href='/surveys/{survey.code}/questions/new/']").click()
    page.locator("#id_type").select_option("short_text")
    page.locator("#id_text_ko").fill("가장 좋았던 점을 한마디로 알려 주세요.")
    page.locator("#id_text_en").fill("What did you like best, in a word?")
    page.locator("#id_show_if_question").select_option("csat")
    page.locator("#id_show_if_op").select_option("gte")
    page.locator("#id_show_if_value").fill("4")
    screenshot(page, "survey-builder-question-form")
    page.locator("form.question-form button.primary").click()
    expect(page).to_have_url(f"{base}/surveys/{survey.code}/")
    added = page.locator("#question-q4")
    expect(added).to_contain_text("가장 좋았던 점을 한마디로 알려 주세요.")
    expect(added.locator(".condition")).to_contain_text("4")
    expect(page.locator(".publish-box.has-changes")).to_be_visible()

    # Reordering works in place (htmx) and keeps the condition after its question.
    page.locator("#question-q4 form[action$='/move/'] button").first.click()
    expect(page.locator("#questions > li.question").nth(2)).to_have_id("question-q4")
    expect(page).to_have_url(f"{base}/surveys/{survey.code}/")

    # Publishing asks first, on a page that says what it will do.
    page.locator("a[href$='/publish/confirm/']").click()
    expect(page.locator("h1")).to_contain_text("1")
    page.locator("form[action$='/publish/'] button").click()
    expect(page.locator("table.table tbody tr").first).to_contain_text("v1")
    expect(page.locator(".publish-box.has-changes")).to_have_count(0)
    survey.refresh_from_db()
    assert survey.status == Survey.Status.PUBLISHED
    assert survey.current_version is not None
    assert survey.current_version.number == 1
    assert [q["key"] for q in survey.current_version.questions] == [
        "csat",
        "what_went_wrong",
        "q4",
        "comment",
    ]
    assert survey.current_version.questions[2]["show_if"] == {
        "question": "csat",
        "op": "gte",
        "value": 4,
    }
    screenshot(page, "survey-builder-desktop")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("배송 후 만족도")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the builder scrolls sideways on a phone"
    screenshot(page, "survey-builder-phone")

    page.goto(f"{base}/surveys/")
    expect(page.locator("table.table")).to_contain_text("v1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_open_link_page_fits_a_phone_in_english(page: Page, live_site, admin: User) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey(SHORT, open_code="PHONE-QR")
    survey.open_link_secret = "ef" * 32
    survey.save(update_fields=["open_link_secret"])
    admin.language = "en"
    admin.save(update_fields=["language"])
    page.set_viewport_size({"width": 375, "height": 812})
    _sign_in(page, live_site.url, admin, f"/surveys/{survey.code}/open-link/")
    expect(page.get_by_role("heading", name="Worked example")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, (
        "the open-link page scrolls sideways on a phone"
    )
    # Every part of the worked example stays inside its card; the Python sample may scroll
    # inside its own box.
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('section.card')].flatMap(card => {
            const edge = card.getBoundingClientRect().right;
            return [...card.querySelectorAll('code, pre, dd, dt, p')]
                .filter(el => el.getBoundingClientRect().right > edge + 0.5)
                .map(el => el.id || el.tagName);
        })"""
    )
    assert overflowing == []
    screenshot(page, "open-link-phone-en")

    # The example link opens the survey with the test notice on every page, and records nothing.
    page.goto(page.locator("#example-url").inner_text())
    banner = page.get_by_role("status").and_(page.locator(".test-banner"))
    expect(banner).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "open-link-test-answer-phone")
    page.get_by_role("radio", name="9", exact=True).check()
    page.locator("main form button.primary").click()
    thanks = re.compile("감사합니다. 답변을 잘 받았습니다|Thank you, we have your answer")
    expect(page.get_by_role("heading", level=1, name=thanks)).to_be_visible()
    expect(banner).to_be_visible()
    assert not Response.objects.exists()
