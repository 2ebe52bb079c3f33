"""A manager opens the analysis overview, filters it to one store, goes on to the drivers page
and sees the dose-response chart of CSAT by days late, drawn, with its table beside it."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from analysis.models import AnalysisRun
from analysis.services.runs import execute_run, request_run
from cxm.models import User
from tests.analysis.test_drivers_report import demo_like_deliveries
from tests.browser.conftest import screenshot
from tests.browser.test_customer_360 import _sign_in
from tests.odata.test_customer_360 import StoreFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_filters_by_store_and_sees_the_dose_response_chart(
    page: Page,
    live_site,
    manager: User,  # type: ignore[no-untyped-def]
) -> None:
    now = timezone.now()
    gangnam = StoreFactory(name="강남점")
    other = StoreFactory(name="해운대점")
    demo_like_deliveries(240, gangnam, seed=11, now=now, prefix="G")
    demo_like_deliveries(120, other, seed=12, now=now, prefix="H")
    run, _created = request_run(reason=AnalysisRun.Reason.MANUAL, enqueue=False)
    finished = execute_run(run_id=run.pk)
    assert finished is not None and finished.status == AnalysisRun.Status.FINISHED

    _sign_in(page, live_site.url, manager, "/analysis/")
    expect(page).to_have_url(f"{live_site.url}/analysis/")
    page.locator("select[name=store]").select_option(str(gangnam.code))
    page.locator("form.dash-filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"store={gangnam.code}"))

    # The sub-navigation keeps the filter.
    page.locator(".dash-nav a[href^='/analysis/drivers/']").click()
    expect(page).to_have_url(re.compile(rf"/analysis/drivers/\?.*store={gangnam.code}"))
    expect(page.locator("select[name=store]")).to_have_value(str(gangnam.code))
    chart = page.locator("#dose-response")
    expect(chart).to_have_class(re.compile(r"\bdrawn\b"))
    expect(chart.locator("svg.main-svg").first).to_be_visible()
    expect(chart.locator(".scatterlayer .point")).to_have_count(5)
    table = page.locator("table.driver-buckets[data-driver=days_late]")
    expect(table.locator("tbody tr")).to_have_count(5)
    counts = [
        int(t.replace(",", "")) for t in table.locator("tbody tr td:nth-child(4)").all_inner_texts()
    ]
    assert sum(counts) == 240  # only 강남점's answers
    effects = page.locator("#driver-effects tbody tr").first
    expect(effects).to_contain_text("< 0.001")
    screenshot(page, "analysis-drivers-desktop")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#dose-response")).to_have_class(re.compile(r"\bdrawn\b"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "analysis-drivers-phone")
