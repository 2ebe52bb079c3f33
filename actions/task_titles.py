"""Task titles worded when they are read. An aggregate task's title ("Store CSAT below 3.5 ·
Hongdae (S003) · CSAT 2.9 (95% CI 2.7 to 3.1, n=124)") is made from the rule's name and the
segment's label, kept as typed, and the figures in `FollowUpTask.trigger`, so each reader sees
the wording in their own language and each e-mail is in its recipient's. Other tasks, and
aggregate tasks stored without the figures' wording data, show their stored title.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from actions.conditions import METRICS
from cxm.intervals import format_interval, format_number

SEP = " · "
# FollowUpTask.title's max_length (the model reads it from here): the stored title (the site's
# language) must fit it, and a read-time title is kept to the same length so lists and subjects
# look alike.
TITLE_MAX = 300


def interval_text(low: float, high: float) -> str:
    """A 95% interval's bounds as text, as every interval is written (`cxm.intervals`)."""
    return format_interval(low, high, digits=1)


def figures_text(facts: dict[str, Any]) -> str:
    """ "CSAT 2.9 (95% CI 2.7 to 3.1, n=124)" in the active language, from a task's trigger facts.

    The interval goes in the title (and so the e-mail subject): a segment's figure rests on a
    few dozen answers, and "2.9" alone reads as more certain than it is.
    """
    value = facts.get("value")
    figures = {
        "metric": METRICS.get(facts.get("metric", ""), facts.get("metric", "")),
        "value": format_number(value, 1),
        "n": int(facts.get("n") or 0),
    }
    low, high = facts.get("low"), facts.get("high")
    if low is not None and high is not None:
        return gettext("%(metric)s %(value)s (95%% CI %(interval)s, n=%(n)d)") % {
            **figures,
            "interval": interval_text(float(low), float(high)),
        }
    return gettext("%(metric)s %(value)s (n=%(n)d)") % figures


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def fit(name: str, segment: str, room: int) -> tuple[str, str]:
    """The rule name and segment label shortened to `room` characters together, so the figures
    after them are never cut: the longer one gives way first, neither below half the room
    while the other needs less."""
    if len(name) + len(segment) <= room:
        return name, segment
    room = max(room, 2)
    name_room = min(len(name), max(room // 2, room - len(segment)))
    return _shorten(name, name_room), _shorten(segment, room - name_room)


def aggregate_title(*, rule_name: str, facts: dict[str, Any]) -> str:
    """An aggregate task's title in the active language: rule name · segment · figures."""
    what = figures_text(facts)
    name, segment = fit(
        rule_name, str(facts.get("segment", "")), TITLE_MAX - len(what) - 2 * len(SEP)
    )
    return SEP.join((name, segment, what))


def task_title(*, title: str, trigger: dict[str, Any]) -> str:
    """The title a reader sees: worded now for an aggregate task whose trigger keeps the rule's
    name and the segment's figures, else the stored `title`."""
    facts = trigger.get("facts", trigger) if isinstance(trigger, dict) else None
    if not isinstance(facts, dict) or "metric" not in facts or "rule_name" not in facts:
        return title
    return aggregate_title(rule_name=str(facts["rule_name"]), facts=facts)
