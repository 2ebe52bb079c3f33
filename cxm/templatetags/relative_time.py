"""`{{ moment|relative_time }}`: how far a moment is from now, in the reader's language.

Django's `naturaltime` reads oddly in Korean ("지금부터 22 시간" for "22 hours from now") and
lists two units ("1 day, 2 hours"); a due time on a phone needs one unit, rounded down, in the
words each language uses ("22시간 후", "in 22 hours", "3일 전", "3 days ago").

A due time that has passed is not "106일 전" (which reads "106 days before") but "106일 지남"
(past by 106 days): `due_relative` says it under a "Due" heading, `due_phrase` on its own
("기한 106일 지남", "Due in 22 hours")."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext, ngettext

register = template.Library()

MINUTE, HOUR, DAY = 60, 3600, 86400


def _amount(seconds: int) -> str | None:
    words = _words(seconds)
    # Number and unit stay on one line.
    return None if words is None else words.replace(" ", "\xa0")


def _words(seconds: int) -> str | None:
    if seconds >= DAY:
        days = seconds // DAY
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if seconds >= HOUR:
        hours = seconds // HOUR
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    if seconds >= MINUTE:
        minutes = seconds // MINUTE
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    return None


def _relative(
    moment: datetime | None, now: datetime | None, *, at: str, ahead: str, behind: str
) -> str:
    """`moment` in one of three phrases: `at` within a minute of now, else `ahead` or
    `behind` (each with `%(amount)s`) as it is still to come or has passed."""
    if moment is None:
        return ""
    seconds = int((moment - (now or timezone.now())).total_seconds())
    amount = _amount(abs(seconds))
    if amount is None:
        return at
    return (ahead if seconds > 0 else behind) % {"amount": amount}


@register.filter
def relative_time(moment: datetime | None, now: datetime | None = None) -> str:
    return _relative(
        moment,
        now,
        at=gettext("now"),
        ahead=gettext("in %(amount)s"),
        behind=gettext("%(amount)s ago"),
    )


@register.filter
def due_relative(moment: datetime | None, now: datetime | None = None) -> str:
    """A due time beside a "Due" label: "in 22 hours" / "106 days overdue"."""
    return _relative(
        moment,
        now,
        at=gettext("now"),
        ahead=gettext("in %(amount)s"),
        behind=gettext("%(amount)s overdue"),
    )


@register.filter
def due_phrase(moment: datetime | None, now: datetime | None = None) -> str:
    """A due time on its own: "Due in 22 hours" / "Overdue by 106 days"."""
    return _relative(
        moment,
        now,
        at=gettext("Due now"),
        ahead=gettext("Due in %(amount)s"),
        behind=gettext("Overdue by %(amount)s"),
    )
