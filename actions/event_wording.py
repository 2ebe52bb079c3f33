"""The words for the activity-log events the system writes (recovery surveys, outcomes), made
from the codes and figures in `TaskEvent.data` when the log is read, so each reader sees them
in their own language. Rows written before the codes were kept fall back to their stored text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from actions.models import FollowUpTask, Priority
from surveys.models import Suppression

RECOVERY_TEXT = {
    "invited": _("Recovery survey sent to the customer."),
    "suppressed": _("Recovery survey not sent: the contact policy held it back."),
    "no_survey": _("No recovery survey: the action plan has none."),
    "no_customer": _("No recovery survey: the task has no customer."),
}


def recovery_text(data: dict[str, Any]) -> str | None:
    """The line for a recovery-survey event; None when `data` holds no known status."""
    status = data.get("recovery_survey")
    if status not in RECOVERY_TEXT:
        return None
    reason = data.get("reason")
    if status == "suppressed" and reason in Suppression.Reason.values:
        return str(
            _("Recovery survey not sent: the contact policy held it back (%(reason)s).")
            % {"reason": Suppression.Reason(reason).label}
        )
    return str(RECOVERY_TEXT[status])


def verdict_label(data: dict[str, Any]) -> str | None:
    verdict = data.get("verdict")
    if verdict not in FollowUpTask.Verdict.values:
        return None
    return str(FollowUpTask.Verdict(verdict).label)


def _later_answer(data: dict[str, Any]) -> str | None:
    score = data.get("later_score")
    if score is None:
        return None
    at = data.get("later_at")
    kind = data.get("later_kind")
    if at and kind in ("nps", "csat"):
        day = date_format(timezone.localtime(datetime.fromisoformat(at)), "SHORT_DATE_FORMAT")
        if kind == "nps":
            return str(_("later NPS answer %(value)s on %(date)s") % {"value": score, "date": day})
        return str(
            _("later CSAT answer %(value)s on %(date)s (%(score)s on the 0-10 scale)")
            % {"value": data.get("later_value"), "date": day, "score": score}
        )
    # Judged before the answer's kind and date were kept.
    return str(_("later score %(score)s on the 0-10 scale") % {"score": score})


def _purchases(data: dict[str, Any]) -> str | None:
    if data.get("repurchased_30d"):
        return str(_("bought again within 30 days"))
    if data.get("repurchased_90d"):
        return str(_("bought again within 90 days"))
    if data.get("repurchased_90d") is False:
        return str(_("no purchase within 90 days"))
    return None


def outcome_evidence(data: dict[str, Any]) -> str:
    """What the verdict rests on: "Later NPS answer 9 on 2026-03-05; bought again within 30
    days" (empty for "no evidence")."""
    parts = [part for part in (_later_answer(data), _purchases(data)) if part]
    return capfirst("; ".join(parts)) or ""


NOTIFIED_TEXT = {
    ("email", "sent"): _("Notified %(to)s by e-mail"),
    ("email", "failed"): _("E-mail to %(to)s failed"),
    ("webhook", "sent"): _("Sent to webhook %(to)s"),
    ("webhook", "failed"): _("Webhook %(to)s failed"),
}


def notification_label(data: dict[str, Any]) -> str | None:
    """The line for a sent or failed notification: to whom, by which channel, and whether it
    went; None when `data` is not a notification's."""
    wording = NOTIFIED_TEXT.get((data.get("channel"), data.get("status")))  # type: ignore[arg-type]
    if wording is None:
        return None
    return str(wording % {"to": data.get("to") or "?"})


def escalation_label(data: dict[str, Any], names: list[str]) -> str | None:
    """ "Escalated to 이매니저 (level 1)": who was told, and the escalation step (1 at the SLA
    breach, 2 for the admins at twice the SLA); None when `data` holds no level."""
    level = data.get("level")
    if not isinstance(level, int) or level < 2:
        return None
    step = level - 1  # level 1 in the data is the owner's reminder, not an escalation
    if not names:
        return str(_("Escalated (level %(level)d), with no one to tell") % {"level": step})
    return str(_("Escalated to %(to)s (level %(level)d)") % {"to": ", ".join(names), "level": step})


def _when(value: Any) -> str:
    at = datetime.fromisoformat(str(value))
    return date_format(timezone.localtime(at), "SHORT_DATETIME_FORMAT")


def _priority(value: Any) -> str:
    return str(Priority(value).label) if value in Priority.values else str(value)


def rescheduled_label(data: dict[str, Any], actor: str) -> str | None:
    """ "이매니저 moved the due date from … to …; changed the priority from … to …", dates in
    the reader's locale and time zone; None when `data` holds neither change."""
    who = actor or str(_("Someone"))
    parts = []
    if data.get("old_due") and data.get("new_due"):
        parts.append(
            _("%(actor)s moved the due date from %(old)s to %(new)s")
            % {"actor": who, "old": _when(data["old_due"]), "new": _when(data["new_due"])}
        )
    if data.get("old_priority") is not None and data.get("new_priority") is not None:
        wording = (
            _("changed the priority from %(old)s to %(new)s")
            if parts
            else _("%(actor)s changed the priority from %(old)s to %(new)s")
        )
        parts.append(
            wording
            % {
                "actor": who,
                "old": _priority(data["old_priority"]),
                "new": _priority(data["new_priority"]),
            }
        )
    return "; ".join(str(part) for part in parts) or None
