"""`{{ moment|relative_time }}`: how far a moment is from now, in the reader's language.

Django's `naturaltime` reads oddly in Korean ("지금부터 22 시간" for "22 hours from now") and
lists two units ("1 day, 2 hours"); a due time on a phone needs one unit, rounded down, in the
words each language uses ("22시간 후", "in 22 hours", "3일 전", "3 days ago")."""

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


@register.filter
def relative_time(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return ""
    now = now or timezone.now()
    seconds = int((moment - now).total_seconds())
    amount = _amount(abs(seconds))
    if amount is None:
        return gettext("now")
    if seconds > 0:
        return gettext("in %(amount)s") % {"amount": amount}
    return gettext("%(amount)s ago") % {"amount": amount}
