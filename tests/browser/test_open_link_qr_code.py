"""An admin opens the survey's open-link page: the QR code is drawn at a scannable size, the
link is copied with one click, a code for one store is downloaded, and the page fits a phone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from cxm.models import User
from tests.browser.conftest import screenshot
from tests.odata.test_customer_360 import StoreFactory
from tests.surveys.test_answer_open_link import SHORT
from tests.surveys.test_answer_pages import make_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin_page(browser: Browser, live_site: Any, admin: User) -> Iterator[Page]:
    """A desk browser signed in as `admin` in English (the sign-in form has its own test)."""
    admin.language = "en"
    admin.save(update_fields=["language"])
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_site.url)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_site.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_admin_copies_the_link_and_downloads_a_store_code(admin_page: Page, live_site) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey(SHORT, open_code="QR1")
    StoreFactory(external_id="S-001", name="Gangnam")
    page = admin_page
    page.goto(f"{live_site.url}/surveys/{survey.code}/open-link/")

    code = page.get_by_role("img", name="QR code that opens the survey")
    expect(code).to_be_visible()
    assert page.evaluate("document.getElementById('open-link-qr').naturalWidth") >= 250

    copy = page.get_by_role("button", name="Copy link")
    expect(copy).to_be_visible()  # shown by the script; hidden on a page without it
    copy.click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == f"{live_site.url}/o/QR1/"

    page.get_by_label("Store").select_option("S-001")
    page.get_by_label("Channel").fill("qr_table")
    page.get_by_role("button", name="Show the code").click()
    placed = f"{live_site.url}/o/QR1/?store=S-001&channel=qr_table"
    expect(page.locator("#qr-link")).to_have_text(placed)
    screenshot(page, "open-link-qr-desk")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PNG (300 dpi)").click()
    assert download.value.suggested_filename == "매장-만족도-s-001-qr_table-qr.png"


def test_the_code_section_fits_a_phone(admin_page: Page, live_site) -> None:  # type: ignore[no-untyped-def]
    survey = make_survey(SHORT, open_code="QR-PHONE")
    page = admin_page
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_site.url}/surveys/{survey.code}/open-link/?channel=qr_table")
    expect(page.get_by_role("img", name="QR code that opens the survey")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "open-link-qr-phone")
