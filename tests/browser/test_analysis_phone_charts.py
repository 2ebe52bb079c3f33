"""On a phone (375 px) the drivers page's charts keep their text inside the chart: category
labels, axis titles and tick labels are neither cut at the edges nor drawn over each other."""

from __future__ import annotations

import itertools
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, expect

from analysis.models import AnalysisRun
from analysis.services.runs import execute_run, request_run
from cxm.models import User
from tests.analysis.test_drivers_report import demo_like_deliveries
from tests.browser.conftest import screenshot
from tests.odata.test_customer_360 import StoreFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each chart's text boxes, relative to the chart's own box, and the tick labels of its x axis.
TEXT_BOXES = """(el) => {
  const box = el.getBoundingClientRect();
  const rel = (t) => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, left: r.left - box.left, right: r.right - box.left,
            top: r.top - box.top, bottom: r.bottom - box.top};
  };
  return {
    width: box.width,
    height: box.height,
    texts: Array.from(el.querySelectorAll(
      ".xtick text, .ytick text, .g-xtitle text, .g-ytitle text")).map(rel),
    xticks: Array.from(el.querySelectorAll(".xtick text")).map(rel),
  };
}"""


def test_drivers_charts_keep_their_labels_inside_on_a_phone(
    browser: Browser,
    live_site,
    manager: User,  # type: ignore[no-untyped-def]
) -> None:
    now = timezone.now()
    demo_like_deliveries(240, StoreFactory(name="강남점"), seed=11, now=now, prefix="G")
    demo_like_deliveries(120, StoreFactory(name="해운대점"), seed=12, now=now, prefix="H")
    run, _created = request_run(reason=AnalysisRun.Reason.MANUAL, enqueue=False)
    assert execute_run(run_id=run.pk) is not None

    # English: its labels are the longer ones.
    context = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812})
    client = Client()
    client.force_login(manager)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_site.url}]
    )
    page = context.new_page()
    page.goto(f"{live_site.url}/analysis/drivers/")
    charts = page.locator("div.chart[data-figure]")
    expect(charts.first).to_have_class(re.compile(r"\bdrawn\b"))
    for i in range(charts.count()):
        expect(charts.nth(i)).to_have_class(re.compile(r"\bdrawn\b"))
    screenshot(page, "analysis-drivers-375")
    assert charts.count() >= 2
    for i in range(charts.count()):
        found = charts.nth(i).evaluate(TEXT_BOXES)
        assert found["texts"], "the chart has labels"
        for t in found["texts"]:
            assert t["left"] >= -1 and t["right"] <= found["width"] + 1, t
            assert t["top"] >= -1 and t["bottom"] <= found["height"] + 1, t
        ticks = sorted(found["xticks"], key=lambda t: t["left"])
        for a, b in itertools.pairwise(ticks):
            assert a["right"] <= b["left"], (a, b)
    context.close()
