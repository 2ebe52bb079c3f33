"""The SLA calendar: business hours Monday to Friday 09:00-18:00 in Seoul, Korean holidays off."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from actions.calendar import add_business_hours, business_hours_between, is_business_day

SEOUL = ZoneInfo("Asia/Seoul")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SEOUL)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        ("2026-11-23 10:00", 4, "2026-11-23 14:00"),  # Monday, within the day
        ("2026-11-20 17:00", 8, "2026-11-23 16:00"),  # Friday late → Monday
        ("2026-11-21 11:00", 2, "2026-11-23 11:00"),  # Saturday → Monday's opening
        ("2026-11-23 20:00", 1, "2026-11-24 10:00"),  # after closing → next morning
        ("2026-11-23 07:00", 9, "2026-11-23 18:00"),  # before opening → the whole day
        ("2026-11-23 18:00", 0, "2026-11-24 09:00"),  # zero hours at closing → next opening
        # Chuseok 2026: Thu 24 to Sat 26 September; Wednesday evening waits until Monday.
        ("2026-09-23 17:00", 2, "2026-09-28 10:00"),
        # Alternative holiday for National Foundation Day (Mon 5 Oct 2026).
        ("2026-10-02 17:00", 2, "2026-10-06 10:00"),
    ],
)
def test_add_business_hours(start: str, hours: float, due: str) -> None:
    assert add_business_hours(at(start), hours) == at(due)


def test_add_business_hours_accepts_other_time_zones() -> None:
    # 01:00 UTC on a Monday is 10:00 in Seoul.
    start = datetime(2026, 11, 23, 1, 0, tzinfo=ZoneInfo("UTC"))
    assert add_business_hours(start, 1) == at("2026-11-23 11:00")


def test_business_hours_between() -> None:
    assert business_hours_between(at("2026-11-23 10:00"), at("2026-11-23 14:30")) == 4.5
    # Friday 17:00 → Monday 10:00: one hour on Friday, one on Monday.
    assert business_hours_between(at("2026-11-20 17:00"), at("2026-11-23 10:00")) == 2
    assert business_hours_between(at("2026-09-23 09:00"), at("2026-09-28 18:00")) == 18
    assert business_hours_between(at("2026-11-23 14:00"), at("2026-11-23 10:00")) == 0


def test_between_and_add_agree() -> None:
    start = at("2026-12-24 15:30")
    due = add_business_hours(start, 13)
    assert business_hours_between(start, due) == pytest.approx(13)
    assert not is_business_day(at("2026-12-25 12:00").date())  # Christmas


def test_negative_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_hours(at("2026-11-23 10:00"), -1)
