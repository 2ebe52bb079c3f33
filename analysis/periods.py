"""Calendar periods in local time: day, week (Monday start) and month.

`MetricCell.day` is already a local date, so periods are plain date arithmetic here and
`date_trunc` on that date in SQL.
"""

from __future__ import annotations

from datetime import date, timedelta

PERIODS = ("day", "week", "month")


def period_start(day: date, period: str) -> date:
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown period {period!r}")


def next_start(start: date, period: str) -> date:
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    raise ValueError(f"unknown period {period!r}")


def previous_start(start: date, period: str) -> date:
    return period_start(start - timedelta(days=1), period)


def latest_complete(as_of: date, period: str) -> tuple[date, date]:
    """(current, previous) period starts: the latest period that ended before `as_of`, and
    the one before it. The period `as_of` falls in is incomplete and never compared."""
    current = previous_start(period_start(as_of, period), period)
    return current, previous_start(current, period)


def starts_between(first: date, last: date, period: str) -> list[date]:
    """Every period start from the period holding `first` to the one holding `last`."""
    starts = []
    start = period_start(first, period)
    while start <= last:
        starts.append(start)
        start = next_start(start, period)
    return starts
