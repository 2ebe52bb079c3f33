"""Actions jobs: thin, id-based, idempotent (see STYLE.md, "The loop's mechanics")."""

from __future__ import annotations

from django.template.loader import get_template
from django.utils import timezone

from actions.calendar import is_business_day
from actions.services import evaluation, sending, sweep
from actions.services import reconcile as reconciling


def warm_up() -> None:
    """Run once in the worker before it forks (`cxm.worker`): the holiday tables the SLA
    calendar loads on first use (hundreds of modules) and the compiled task e-mail templates
    are then shared by every job."""
    is_business_day(timezone.localdate())
    for name in ("task_subject.txt", "task.txt", "task.html", "_headline.txt"):
        get_template(f"actions/email/{name}")


def evaluate_recent_responses() -> dict[str, int]:
    """Per-response rules for every response recorded recently and not evaluated yet
    (`realtime`, queued on commit by `response_recorded`, one job for a burst of answers)."""
    return evaluation.evaluate_recent_responses()


def evaluate_response(response_id: int) -> int:
    """Per-response rules for one response (`realtime`, queued by the reconciler for a
    response that waited too long); quiet when the response was evaluated already."""
    from actions.services.evaluation import evaluate_response as evaluate

    return evaluate(response_id=response_id)


def send_notification(notification_id: int) -> str:
    """One delivery attempt of a notification (`realtime`); quiet when sent, failed or held."""
    return sending.send_notification(notification_id=notification_id)


def sweep_tasks() -> dict[str, int]:
    """Every minute (cxm/cron.py): reminders at 80% of the SLA, escalations at breach and at
    twice the SLA, each once per task."""
    return sweep.sweep_tasks()


def reconcile() -> dict[str, int]:
    """Every minute (cxm/cron.py): re-queue responses not evaluated and notifications not sent."""
    return reconciling.reconcile()


def evaluate_operational_rules() -> int:
    """Every five minutes (cxm/cron.py): operational rules over O-Data facts."""
    return evaluation.evaluate_operational_rules()


def evaluate_aggregate_rules(run_id: int) -> int:
    """After each analysis run (`realtime`, enqueued on commit by `analysis_finished`): the
    aggregate rules against the run's segment changes; quiet when the run is not the latest."""
    from actions.services.aggregate import evaluate_aggregate_rules as evaluate

    return evaluate(run_id=run_id)


def judge_outcomes() -> dict[str, int]:
    """Hourly (cxm/cron.py): 30- and 90-day outcomes of closed tasks and holdouts, once."""
    from actions.services.outcomes import judge_outcomes as judge

    return judge()
