"""A manager signs in in Korean, switches to English and finds the staff shell."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from cxm.models import User
from tests.browser.conftest import screenshot
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_signs_in_in_korean_and_switches_to_english(
    page: Page,
    live_site,
    manager: User,  # type: ignore[no-untyped-def]
) -> None:
    page.goto(f"{live_site.url}/")
    expect(page).to_have_url(f"{live_site.url}/login/?next=/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", level=1)).to_have_text("로그인")

    page.get_by_label("사용자 이름").fill(manager.username)
    page.get_by_label("비밀번호").fill(TEST_PASSWORD)
    page.get_by_role("button", name="로그인").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(manager.display_name)
    expect(page.locator(".badge")).to_have_text("매니저")
    screenshot(page, "staff-shell-ko")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".badge")).to_have_text("Manager")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Home")).to_be_visible()
    nav.get_by_text("Manage").click()  # the managers' pages sit in a menu on wide screens
    expect(nav.get_by_role("link", name="System status")).to_be_visible()
    # A manager is not offered the admins' pages.
    expect(nav.get_by_role("link", name="Users and roles")).to_have_count(0)
    screenshot(page, "staff-shell-en")

    manager.refresh_from_db()
    assert manager.language == "en"

    nav.get_by_role("link", name="System status").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("System status")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_site.url}/login/")


def test_staff_shell_works_on_a_phone(page: Page, live_site, admin: User) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_site.url}/login/")
    page.get_by_label("사용자 이름").fill(admin.username)
    page.get_by_label("비밀번호").fill(TEST_PASSWORD)
    page.get_by_role("button", name="로그인").click()
    menu = page.get_by_text("메뉴")
    expect(menu).to_be_visible()
    menu.click()
    expect(page.locator(".wide-nav")).to_be_hidden()
    page.locator("details.menu").get_by_role("link", name="사용자와 역할").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("사용자와 역할")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    screenshot(page, "users-phone-ko")


def test_every_menu_item_is_reachable_on_a_small_phone(page: Page, live_site, admin: User) -> None:  # type: ignore[no-untyped-def]
    # 375 x 667: an admin's menu is taller than the screen, so it must scroll inside it.
    page.set_viewport_size({"width": 375, "height": 667})
    page.goto(f"{live_site.url}/login/")
    page.get_by_label("사용자 이름").fill(admin.username)
    page.get_by_label("비밀번호").fill(TEST_PASSWORD)
    page.get_by_role("button", name="로그인").click()

    topbar = page.locator("header.topbar").bounding_box()
    assert topbar is not None and topbar["height"] < 70, f"the top bar wraps: {topbar}"

    page.get_by_text("메뉴").click()
    menu = page.locator("details.menu")
    expect(menu.get_by_text(admin.display_name)).to_be_visible()  # the name moved into the menu
    last = menu.get_by_role("link", name="시스템 상태")
    last.scroll_into_view_if_needed()
    box = last.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 667, f"past the screen's edge: {box}"
    screenshot(page, "menu-phone-ko")
    last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("시스템 상태")
