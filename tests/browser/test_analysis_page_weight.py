"""plotly.js (4.8 MB) is fetched only by an analysis page that draws a chart, after the page
has loaded, gzip-compressed and cached as immutable; a page without a chart never fetches it."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Request, expect

from analysis.models import AnalysisRun
from analysis.services.runs import execute_run, request_run
from cxm.models import User
from tests.analysis.test_drivers_report import demo_like_deliveries
from tests.browser.test_customer_360 import _sign_in
from tests.odata.test_customer_360 import StoreFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMES = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const plotly = performance.getEntriesByType('resource').find(r => r.name.includes('plotly'));
  return {load: nav.loadEventStart, plotly: plotly ? plotly.startTime : null};
}"""


def test_plotly_comes_after_the_page_and_only_where_a_chart_is_drawn(
    page: Page,
    live_site,
    manager: User,  # type: ignore[no-untyped-def]
) -> None:
    plotly: list[Request] = []
    page.on("request", lambda r: plotly.append(r) if "plotly" in r.url else None)
    # No run yet: the overview has no chart, and plotly.js is not fetched.
    _sign_in(page, live_site.url, manager, "/analysis/")
    expect(page.locator("h1")).to_be_visible()
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert plotly == []

    demo_like_deliveries(120, StoreFactory(name="강남점"), seed=11, now=timezone.now(), prefix="G")
    run, _created = request_run(reason=AnalysisRun.Reason.MANUAL, enqueue=False)
    assert execute_run(run_id=run.pk) is not None
    page.goto(f"{live_site.url}/analysis/drivers/")
    expect(page.locator("#dose-response")).to_have_class(re.compile(r"\bdrawn\b"))
    assert len(plotly) == 1
    times = page.evaluate(TIMES)
    # Requested after the load event: the text and tables never wait for it.
    assert times["plotly"] >= times["load"]
    response = plotly[0].response()
    assert response is not None
    assert response.headers.get("content-encoding") in ("gzip", "br")
    assert "immutable" in response.headers.get("cache-control", "")
