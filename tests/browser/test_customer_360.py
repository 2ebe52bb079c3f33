"""A manager finds a customer by typing part of the name and reads the 360 page, on a desk
and on a phone."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cxm.models import User
from odata.models import Customer, Delivery, Order
from tests.browser.conftest import screenshot
from tests.factories import TEST_PASSWORD
from tests.odata.test_customer_360 import (
    CustomerFactory,
    DeliveryFactory,
    OrderFactory,
    RegionFactory,
    ServiceRecordFactory,
    StoreFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _customer_with_history() -> Customer:
    now = timezone.now()
    store = StoreFactory(name="강남점", region=RegionFactory(name="서울"))
    minji = CustomerFactory(
        name="김민지",
        external_id="C-1001",
        email="minji.kim@example.com",
        phone="01012345678",
        home_store=store,
        survey_consent=True,
        created_at=now - timedelta(days=900),
    )
    CustomerFactory(name="김민준", external_id="C-1002")
    for days_ago, amount, status in (
        (3, "39000", Order.Status.PLACED),
        (40, "128000", Order.Status.COMPLETED),
        (75, "54000", Order.Status.RETURNED),
        (400, "210000", Order.Status.COMPLETED),
    ):
        order = OrderFactory(
            customer=minji,
            store=store,
            placed_at=now - timedelta(days=days_ago),
            amount=Decimal(amount),
            status=status,
            item_count=2,
        )
        promised = order.placed_at + timedelta(days=2)
        if days_ago == 3:
            DeliveryFactory(order=order, promised_at=promised, status=Delivery.Status.SHIPPED)
        else:
            DeliveryFactory(
                order=order,
                promised_at=promised,
                delivered_at=promised + timedelta(days=2 if days_ago == 40 else -1),
                status=Delivery.Status.DELIVERED,
                carrier="CJ대한통운",
            )
    ServiceRecordFactory(
        customer=minji,
        opened_at=now - timedelta(days=35),
        closed_at=now - timedelta(days=33),
        contacts=3,
        resolution="배송 지연 사과, 쿠폰 발급",
    )
    return minji


def _sign_in(page: Page, base: str, user: User, path: str) -> None:
    page.goto(f"{base}{path}")
    page.get_by_label("사용자 이름").fill(user.username)
    page.get_by_label("비밀번호").fill(TEST_PASSWORD)
    page.get_by_role("button", name="로그인").click()


def test_manager_searches_a_customer_and_opens_the_360_page(
    page: Page,
    live_site,
    manager: User,  # type: ignore[no-untyped-def]
) -> None:
    minji = _customer_with_history()
    _sign_in(page, live_site.url, manager, "/odata/customers/")
    expect(page).to_have_url(f"{live_site.url}/odata/customers/")
    # The address changes before the page's scripts run; htmx listens from the load on.
    page.wait_for_load_state("load")

    # Typing is enough: htmx refreshes the results and the address without a page load.
    page.locator("#q").fill("민지")
    results = page.locator("#customer-results")
    expect(results.get_by_role("link", name="김민지")).to_be_visible()
    expect(results.get_by_role("link", name="김민준")).to_have_count(0)
    expect(page).to_have_url(f"{live_site.url}/odata/customers/?q=%EB%AF%BC%EC%A7%80")
    screenshot(page, "customer-search-desktop")

    results.get_by_role("link", name="김민지").click()
    expect(page).to_have_url(f"{live_site.url}/odata/customers/{minji.code}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("김민지")
    expect(page.get_by_text("minji.kim@example.com")).to_be_visible()  # a manager sees it all
    expect(page.get_by_text("010-1234-5678")).to_be_visible()
    figures = page.locator(".figures")
    expect(figures).to_contain_text("₩167,000")  # 12 months: 39,000 + 128,000
    expect(figures).to_contain_text("₩377,000")  # lifetime: + 210,000
    expect(figures).to_contain_text("₩24,000")  # cost-to-serve: 3 contacts x 8,000
    timeline = page.locator("ol.timeline > li.entry")
    expect(timeline).to_have_count(9)
    expect(page.locator("li.is-late")).to_have_count(2)  # 2 days late; 1 still out, past due
    page.locator("details.explain summary").click()
    screenshot(page, "customer-360-desktop")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("김민지")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the customer page scrolls sideways on a phone"
    screenshot(page, "customer-360-phone")

    page.goto(f"{live_site.url}/odata/customers/?q=민지")
    expect(page.locator("#customer-results").get_by_role("link", name="김민지")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "customer-search-phone")


def test_staff_member_sees_masked_contact_and_shows_older_entries_in_place(
    page: Page,
    live_site,
    agent: User,  # type: ignore[no-untyped-def]
) -> None:
    minji = _customer_with_history()
    for days_ago in range(500, 515):  # 9 + 15 entries: more than one timeline page
        OrderFactory(customer=minji, placed_at=timezone.now() - timedelta(days=days_ago))
    detail = f"{live_site.url}/odata/customers/{minji.code}/"
    _sign_in(page, live_site.url, agent, f"/odata/customers/{minji.code}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("김민지")
    expect(page.get_by_text("m***@example.com")).to_be_visible()
    expect(page.get_by_text("010-****-5678")).to_be_visible()
    assert "minji.kim" not in page.content()

    entries = page.locator("ol.timeline > li.entry")
    expect(entries).to_have_count(20)
    page.locator("li.older a").click()
    # htmx appends the older entries where the link was; the page stays where it is.
    expect(entries).to_have_count(24)
    expect(page.locator("li.older")).to_have_count(0)
    expect(page).to_have_url(detail)
