"""Periodic jobs, loaded by RQ's cron scheduler: `manage.py rqcron cxm.cron`.

Each app registers its sweeps here. Periodic work is a sweep over rows that is safe to run twice,
so a second scheduler or a late run costs nothing but time.
"""

from __future__ import annotations

from rq import cron

from actions.jobs import evaluate_operational_rules, judge_outcomes, reconcile, sweep_tasks
from analysis.jobs import hourly_analysis
from cxm.jobs import heartbeat
from surveys.jobs import sweep_invitations
from xdata.jobs import expire_exports, reconcile_exports

HEARTBEAT_SECONDS = 30

for _queue in ("realtime", "default", "bulk"):
    # A heartbeat that waited longer than its interval says nothing new: let it expire unrun
    # instead of piling up behind a long import.
    cron.register(
        heartbeat,
        _queue,
        kwargs={"queue": _queue},
        interval=HEARTBEAT_SECONDS,
        ttl=HEARTBEAT_SECONDS * 2,
        result_ttl=0,
        name=f"heartbeat-{_queue}",
    )

# Survey invitations: expire links, invite from milestones, queue due e-mails and reminders.
# An overlapping second run is harmless (claims and unique constraints), so no lock.
cron.register(
    sweep_invitations,
    "default",
    interval=60,
    ttl=120,
    result_ttl=0,
    name="sweep-invitations",
)

# Follow-up tasks: reminders at 80% of the SLA, escalations at breach and at twice the SLA.
# Each level is claimed by a unique insert, so an overlapping run escalates nothing twice.
cron.register(sweep_tasks, "default", interval=60, ttl=120, result_ttl=0, name="sweep-tasks")

# Re-queue what Redis lost: responses not evaluated within two minutes, notifications not sent.
cron.register(reconcile, "default", interval=60, ttl=120, result_ttl=0, name="reconcile-actions")

# Operational rules (late deliveries, repeat complaints) over O-Data facts.
cron.register(
    evaluate_operational_rules,
    "default",
    interval=300,
    ttl=600,
    result_ttl=0,
    name="operational-rules",
)

# Post-action evaluation: 30- and 90-day outcomes of closed tasks and holdouts. Windows are days
# long, so hourly is plenty; conditional updates make an overlapping run harmless.
cron.register(
    judge_outcomes, "default", interval=3600, ttl=3600, result_ttl=0, name="judge-outcomes"
)

# Recompute the stored statistics every hour on `bulk` (imports also request a run). It takes
# over a waiting run, so a run whose job Redis lost still happens; while a run is going, the
# hour is skipped.
cron.register(
    hourly_analysis, "bulk", interval=3600, ttl=3600, result_ttl=0, name="analysis-hourly"
)

# Explorer exports: queue again the runs whose job was lost (a killed worker, Redis restarted),
# and delete files older than a week. Both claim rows conditionally, so overlapping runs are
# harmless.
cron.register(
    reconcile_exports, "default", interval=60, ttl=120, result_ttl=0, name="reconcile-exports"
)
cron.register(
    expire_exports, "default", interval=3600, ttl=3600, result_ttl=0, name="expire-exports"
)
