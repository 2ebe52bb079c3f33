"""The SLA calendar: business hours are Monday to Friday, 09:00 to 18:00 in `TIME_ZONE`, except
Korean public holidays (the `holidays` package, including substitute holidays).

An SLA of 8 business hours opened on Friday at 17:00 is due on Monday at 16:00; one opened on
the eve of Chuseok waits for the holidays to end.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.utils import timezone

OPENS = time(9, 0)
CLOSES = time(18, 0)
# Guards the day-by-day walk against absurd inputs (an SLA of ten years of business hours).
MAX_DAYS = 3660


@lru_cache(maxsize=32)
def _korean_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("KR", years=year).keys())


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _korean_holidays(day.year)


def _window(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(day, OPENS, tzinfo=tz), datetime.combine(day, CLOSES, tzinfo=tz)


def add_business_hours(start: datetime, hours: float) -> datetime:
    """The moment `hours` business hours after `start` (aware). Zero hours from outside
    business hours gives the next opening time."""
    if hours < 0:
        raise ValueError("hours must not be negative")
    remaining = timedelta(hours=hours)
    cursor = timezone.localtime(start)
    day = cursor.date()
    for _ in range(MAX_DAYS):
        if is_business_day(day):
            opens, closes = _window(day)
            begin = max(cursor, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
        cursor = datetime.combine(day, time(0), tzinfo=timezone.get_current_timezone())
    raise ValueError("SLA too long for the business calendar")


def business_hours_between(start: datetime, end: datetime) -> float:
    """Business hours elapsed from `start` to `end` (0 when `end` is not after `start`)."""
    if end <= start:
        return 0.0
    start, end = timezone.localtime(start), timezone.localtime(end)
    total = timedelta()
    day = start.date()
    for _ in range(MAX_DAYS):
        if day > end.date():
            break
        if is_business_day(day):
            opens, closes = _window(day)
            begin, finish = max(start, opens), min(end, closes)
            if begin < finish:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 3600
