"""Dates and times read the way each language writes them: Korean puts 오전/오후 before the time
and pads short dates; English short dates are in ISO order."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

SEOUL = ZoneInfo("Asia/Seoul")
WHEN = datetime(2026, 3, 5, 18, 7, tzinfo=SEOUL)
MORNING = datetime(2026, 3, 5, 9, 30, tzinfo=SEOUL)


def render(language: str, fmt: str, when: datetime = WHEN) -> str:
    with translation.override(language):
        return Template(f'{{{{ when|date:"{fmt}" }}}}').render(Context({"when": when}))


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("DATETIME_FORMAT", "2026년 3월 5일 오후 6:07"),
        ("TIME_FORMAT", "오후 6:07"),
        ("DATE_FORMAT", "2026년 3월 5일"),
        ("SHORT_DATE_FORMAT", "2026-03-05"),
        ("SHORT_DATETIME_FORMAT", "2026-03-05 18:07"),
    ],
)
def test_korean_formats(fmt: str, expected: str) -> None:
    assert render("ko", fmt) == expected


def test_korean_morning_reads_ojeon() -> None:
    assert render("ko", "DATETIME_FORMAT", MORNING) == "2026년 3월 5일 오전 9:30"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("SHORT_DATE_FORMAT", "2026-03-05"),
        ("SHORT_DATETIME_FORMAT", "2026-03-05 18:07"),
        ("DATE_FORMAT", "March 5, 2026"),
    ],
)
def test_english_formats(fmt: str, expected: str) -> None:
    assert render("en", fmt) == expected
