"""A staff member filters the response explorer to detractors who commented, opens one response
and reads it; on a phone the table stacks without sideways scrolling."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cxm.models import User
from tests.browser.conftest import screenshot
from tests.browser.test_customer_360 import _sign_in
from tests.odata.test_customer_360 import CustomerFactory, StoreFactory
from tests.xdata.test_explorer import make_feedback, make_response, published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_filter_the_explorer_and_open_a_response(
    page: Page,
    live_site,
    agent: User,  # type: ignore[no-untyped-def]
) -> None:
    now = timezone.now()
    version = published()
    store = StoreFactory(name="강남점")
    minji = CustomerFactory(name="김민지", email="minji.kim@example.com", phone="01012345678")
    detractor = make_response(
        version,
        at=now - timedelta(hours=2),
        nps=3,
        comment="계산대 줄이 너무 길어요 <b>빨리</b>",
        answers={"why": ["staff"], "again": "unsure"},
        store=store,
        customer=minji,
    )
    make_response(version, at=now - timedelta(hours=1), nps=10, comment="최고예요", store=store)
    make_response(version, at=now - timedelta(hours=3), nps=5, comment="")
    make_feedback(at=now - timedelta(minutes=30), text="리뷰: 친절해요", rating=5, channel="naver")

    _sign_in(page, live_site.url, agent, "/xdata/responses/")
    rows = page.locator("#response-results tbody tr")
    expect(rows).to_have_count(4)
    # The rows are there before the page's scripts run; htmx listens from the load on.
    page.wait_for_load_state("load")
    screenshot(page, "explorer-desktop")

    # Each change refreshes the results with htmx and keeps the filter in the address.
    # By name: the labels' Korean is merged into locale/ by the maintainer later.
    page.locator("select[name=score]").select_option("nps_detractor")
    expect(rows).to_have_count(2)
    page.locator("select[name=has_comment]").select_option("yes")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"score=nps_detractor.*has_comment=yes"))
    expect(rows.first).to_contain_text("계산대 줄이 너무 길어요 <b>빨리</b>")  # shown as text
    screenshot(page, "explorer-filtered")

    rows.first.get_by_role("link").click()
    expect(page).to_have_url(f"{live_site.url}/xdata/responses/{detractor.code}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(version.survey.name)
    expect(page.get_by_text("추천하시겠습니까?")).to_be_visible()
    expect(page.get_by_text("m***@example.com")).to_be_visible()  # staff: masked
    expect(page.get_by_role("link", name="김민지")).to_have_attribute(
        "href", f"/odata/customers/{minji.code}/"
    )
    screenshot(page, "explorer-response-detail")

    page.set_viewport_size({"width": 390, "height": 844})
    page.go_back()
    expect(rows).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "explorer-phone")


def test_staff_prepare_an_excel_export_and_see_it_reach_100_percent(
    page: Page,
    live_site,
    agent: User,  # type: ignore[no-untyped-def]
    settings,  # type: ignore[no-untyped-def]
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from xdata.jobs import export_responses
    from xdata.models import ExportRun

    settings.MEDIA_ROOT = str(tmp_path / "media")
    for hours in range(3):
        make_response(at=timezone.now() - timedelta(hours=hours + 1))
    _sign_in(page, live_site.url, agent, "/xdata/responses/export.xlsx")
    # By element: the page's Korean is merged into locale/ by the maintainer later.
    page.locator("main button.primary[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/xdata/exports/[0-9a-f-]+/$"))
    expect(page.locator("#export-status progress")).to_have_attribute("value", "0")
    page.wait_for_load_state("load")
    # The worker's part, run here: the page's polling picks up the finished run.
    export_responses(ExportRun.objects.get().pk)
    expect(page.locator("#export-status progress")).to_have_attribute("value", "100")
    download = page.locator("#export-status a[download]")
    expect(download).to_have_attribute("href", re.compile(r"/xdata/exports/.+/file$"))
    screenshot(page, "explorer-export-ready")
