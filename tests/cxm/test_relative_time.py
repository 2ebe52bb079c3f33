"""Relative times read as each language says them, in one unit rounded down."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from cxm.templatetags.relative_time import relative_time

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=ZoneInfo("Asia/Seoul"))


@pytest.mark.parametrize(
    ("delta", "korean", "english"),
    [
        (timedelta(hours=22, minutes=40), "22시간 후", "in 22\xa0hours"),
        (timedelta(hours=-3, minutes=-5), "3시간 전", "3\xa0hours ago"),
        (timedelta(days=2, hours=5), "2일 후", "in 2\xa0days"),
        (timedelta(days=-1), "1일 전", "1\xa0day ago"),
        (timedelta(minutes=45), "45분 후", "in 45\xa0minutes"),
        (timedelta(seconds=20), "지금", "now"),
    ],
)
def test_one_unit_in_each_language(delta: timedelta, korean: str, english: str) -> None:
    with translation.override("ko"):
        assert relative_time(NOW + delta, NOW) == korean
    with translation.override("en"):
        assert relative_time(NOW + delta, NOW) == english


def test_nothing_for_no_moment() -> None:
    assert relative_time(None, NOW) == ""
