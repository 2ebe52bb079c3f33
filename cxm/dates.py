"""The dates cxm accepts from people and files: 1900 to 2100.

Beyond them, "a year before" or "the day after" a date leaves the calendar Python and
PostgreSQL share, and 0001-01-01 in Seoul's local time is an instant before year 1 that the
database stores and Python cannot read back. No company has data there: such a date is a
placeholder or a typing error. (The O-Data import's SQL parse function holds the same years,
odata/migrations/0007.)
"""

from __future__ import annotations

from datetime import date

FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2100, 12, 31)


def in_range(day: date) -> bool:
    return FIRST_DATE <= day <= LAST_DATE
