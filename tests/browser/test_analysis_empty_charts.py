"""The overview with nothing to chart under the filter shows the same visible "no answers"
message in place of the trend and the heatmap, in Korean on a desk and in English on a phone;
with answers the trend is drawn with its y axis over NPS's scale, at both widths."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, expect

from cxm.models import User
from tests.analysis.test_metrics_cells import finished_run
from tests.browser.conftest import screenshot
from tests.conftest import with_language
from tests.xdata.test_explorer import make_response, published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEOUL = ZoneInfo("Asia/Seoul")
CASES = [
    ("ko", 1280, "이 필터 조건에는 이 지표의 응답이 없습니다."),
    ("en", 375, "No answers for this metric under the filter."),
]


def test_empty_and_drawn_charts_alike_in_both_languages_and_widths(
    browser: Browser,
    live_site,
    manager: User,  # type: ignore[no-untyped-def]
) -> None:
    make_response(published(), at=datetime(2026, 11, 20, 12, tzinfo=SEOUL), nps=3)
    finished_run(date(2026, 11, 24))
    for language, width, message in CASES:
        with_language(manager, language)
        context = browser.new_context(viewport={"width": width, "height": 900})
        client = Client()
        client.force_login(manager)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_site.url}]
        )
        page = context.new_page()

        page.goto(f"{live_site.url}/analysis/?metric=csat")  # no CSAT answers
        notes = page.locator("p.no-data")
        expect(notes).to_have_count(2)
        for i in range(2):
            expect(notes.nth(i)).to_be_visible()
            expect(notes.nth(i)).to_have_text(message)
        expect(page.locator("div.chart")).to_have_count(0)
        screenshot(page, f"analysis-overview-empty-{language}-{width}")

        page.goto(f"{live_site.url}/analysis/")  # one NPS answer: -100
        trend = page.locator('div.chart[data-figure="trend-figure"]')
        expect(trend).to_have_class(re.compile(r"\bdrawn\b"))
        expect(page.locator("p.no-data")).to_have_count(0)
        ticks = trend.locator(".ytick text").all_text_contents()
        values = [float(t.replace("\u2212", "-")) for t in ticks]
        assert min(values) <= -100 and max(values) >= 100, ticks
        context.close()
