"""Time rules: the quiet window (21:00-09:00 local), the milestone delay, the daypart."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from surveys.services.invitations import (
    daypart_of,
    in_quiet_window,
    milestone_send_after,
    out_of_quiet_window,
)
from tests.surveys.test_invitations_helpers import at, make_survey


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(3, 10), at(3, 10)),
        (at(3, 20, 30), at(3, 20, 30)),  # before the window: sent as planned
        (at(3, 20, 59), at(3, 20, 59)),
        (at(3, 21), at(4, 9)),
        (at(3, 21, 30), at(4, 9)),
        (at(3, 23, 59), at(4, 9)),
        (at(4, 0), at(4, 9)),
        (at(4, 3), at(4, 9)),
        (at(4, 8, 59), at(4, 9)),
        (at(4, 9), at(4, 9)),
        (at(31, 22), at(1, 9, month=4)),  # across a month end
    ],
)
def test_a_time_in_the_quiet_window_moves_to_nine(moment, expected) -> None:  # type: ignore[no-untyped-def]
    assert out_of_quiet_window(moment) == expected


def test_the_window_is_local_time_whatever_the_zone_of_the_input() -> None:
    utc = ZoneInfo("UTC")
    assert not in_quiet_window(at(3, 12).astimezone(utc))  # 03:00 UTC is noon in Seoul
    assert in_quiet_window(at(3, 22).astimezone(utc))  # 13:00 UTC is 22:00 in Seoul
    assert out_of_quiet_window(at(3, 22).astimezone(utc)) == at(4, 9)


@pytest.mark.django_db
def test_milestone_delay_and_the_window() -> None:
    now_survey = make_survey(delay_hours=0)
    day_survey = make_survey(name="다음날", delay_hours=24)
    assert milestone_send_after(occurred_at=at(3, 21, 30), survey=now_survey) == at(4, 9)
    assert milestone_send_after(occurred_at=at(3, 20, 30), survey=now_survey) == at(3, 20, 30)
    assert milestone_send_after(occurred_at=at(3, 10), survey=day_survey) == at(4, 10)
    assert milestone_send_after(occurred_at=at(3, 22), survey=day_survey) == at(5, 9)


@pytest.mark.parametrize(
    ("hour", "minute", "part"),
    [
        (6, 0, "morning"),
        (10, 59, "morning"),
        (11, 0, "lunch"),
        (13, 59, "lunch"),
        (14, 0, "afternoon"),
        (16, 59, "afternoon"),
        (17, 0, "evening"),
        (23, 30, "evening"),
        (0, 30, "morning"),
    ],
)
def test_daypart_in_local_time(hour: int, minute: int, part: str) -> None:
    assert daypart_of(at(3, hour, minute)) == part
    assert daypart_of(at(3, hour, minute).astimezone(tz=None)) == part
