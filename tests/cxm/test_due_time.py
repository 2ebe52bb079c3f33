"""Due times read naturally in each language: a passed due time is "106일 지남" (past by 106
days), not "106일 전" ("106 days before")."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from cxm.templatetags.relative_time import due_phrase, due_relative

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=ZoneInfo("Asia/Seoul"))


@pytest.mark.parametrize(
    ("delta", "korean", "english"),
    [
        (timedelta(days=-106, hours=-3), "106일 지남", "106\xa0days overdue"),
        (timedelta(hours=22, minutes=40), "22시간 후", "in 22\xa0hours"),
        (timedelta(seconds=-20), "지금", "now"),
    ],
)
def test_due_beside_its_label(delta: timedelta, korean: str, english: str) -> None:
    with translation.override("ko"):
        assert due_relative(NOW + delta, NOW) == korean
    with translation.override("en"):
        assert due_relative(NOW + delta, NOW) == english


@pytest.mark.parametrize(
    ("delta", "korean", "english"),
    [
        (timedelta(days=-106), "기한 106일 지남", "Overdue by 106\xa0days"),
        (timedelta(hours=22, minutes=40), "기한 22시간 후", "Due in 22\xa0hours"),
    ],
)
def test_due_on_its_own(delta: timedelta, korean: str, english: str) -> None:
    with translation.override("ko"):
        assert due_phrase(NOW + delta, NOW) == korean
    with translation.override("en"):
        assert due_phrase(NOW + delta, NOW) == english


def test_nothing_for_no_due_time() -> None:
    assert due_relative(None, NOW) == due_phrase(None, NOW) == ""
