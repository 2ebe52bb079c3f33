"""The drivers step of an analysis run: every scored answer joined with its O-Data facts.

One `INSERT … SELECT` per source writes `DriverFact` rows (a response's CSAT is read as the
overview reads it, `xdata.csat.response_csat`): the join (order, latest delivery,
service contacts in the 30 days before, earlier orders) runs inside PostgreSQL, so nothing
row-level passes through Python here. The dashboards then aggregate these rows with the
shared filters; relative importance reads the few numeric columns it needs, streamed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from analysis.models import AnalysisRun
from analysis.models.insights import DriverFact
from xdata.csat import ResponseCsat, response_csat

# Answers older than this are not joined: the dashboards' date filter looks back a year or
# two, and the lateral joins cost per answer.
WINDOW_DAYS = 730
# A response without an order of its own (a relationship survey) takes the customer's latest
# order placed this many days before it, so "was the last delivery late" can explain NPS.
LATEST_ORDER_DAYS = 90
CONTACT_DAYS = 30

Progress = Callable[[float], None]

# Whole days after the promise, a started day counts (as `Delivery.days_late`).
_DAYS_LATE = (
    "CASE WHEN d.delivered_at <= d.promised_at THEN 0 "
    "ELSE CEIL(EXTRACT(EPOCH FROM d.delivered_at - d.promised_at) / 86400)::int END"
)

# The facts common to both sources, for an answer given at `src.at` by `src.customer_id`
# about order `src.order_id` (already resolved).
_FACTS = f"""
    LEFT JOIN odata_order o ON o.id = src.order_id
    LEFT JOIN odata_store st ON st.id = src.store_id
    LEFT JOIN LATERAL (
        SELECT MAX({_DAYS_LATE}) AS days_late
        FROM odata_delivery d
        WHERE d.order_id = src.order_id AND d.status = 'delivered'
          AND d.delivered_at IS NOT NULL AND d.delivered_at <= src.at
    ) late ON TRUE
    LEFT JOIN LATERAL (
        SELECT COALESCE(SUM(s.contacts), 0) AS contacts,
               COALESCE(BOOL_OR(s.kind = 'complaint'), FALSE) AS complaint
        FROM odata_servicerecord s
        WHERE s.customer_id = src.customer_id
          AND s.opened_at < src.at AND s.opened_at >= src.at - %(contact_days)s * INTERVAL '1 day'
    ) svc ON TRUE
    LEFT JOIN LATERAL (
        SELECT TRUE AS repeat FROM odata_order e
        WHERE e.customer_id = o.customer_id AND e.placed_at < o.placed_at AND e.id <> o.id
        LIMIT 1
    ) earlier ON TRUE
"""  # noqa: S608  # composed of constants; every value is a bound parameter

_COLUMNS = (
    "run_id, response_id, feedback_id, day, survey_id, touchpoint_id, store_id, region_id, "
    "measure, score, days_late, contacts_30d, complaint_30d, order_value, repeat, channel, "
    "daypart"
)

_SELECT_FACTS = """
    SELECT %(run)s, src.response_id, src.feedback_id,
           (src.at AT TIME ZONE %(tz)s)::date, src.survey_id, src.touchpoint_id, src.store_id,
           st.region_id, m.measure, m.score, late.days_late,
           LEAST(svc.contacts, 32767), svc.complaint, o.amount,
           CASE WHEN o.id IS NULL THEN NULL ELSE COALESCE(earlier.repeat, FALSE) END,
           COALESCE(o.channel, src.channel, ''), src.daypart
"""


def responses_sql(*, csat: ResponseCsat) -> str:
    """The survey answers' INSERT … SELECT: one row per NPS, CSAT (`response_csat`, as on the
    overview) and CES score of each response."""
    return f"""
    INSERT INTO analysis_driverfact ({_COLUMNS})
    {_SELECT_FACTS}
    FROM (
        SELECT r.id AS response_id, NULL::bigint AS feedback_id, r.submitted_at AS at,
               r.survey_id, r.touchpoint_id, r.store_id, r.customer_id,
               NULLIF(r.purchase_channel, '') AS channel, r.daypart,
               r.nps, {csat.value} AS csat, r.ces, COALESCE(r.order_id, latest.id) AS order_id
        FROM xdata_response r
        {csat.join}
        LEFT JOIN LATERAL (
            SELECT lo.id FROM odata_order lo
            WHERE r.order_id IS NULL AND lo.customer_id = r.customer_id
              AND lo.placed_at <= r.submitted_at
              AND lo.placed_at > r.submitted_at - %(latest_days)s * INTERVAL '1 day'
            ORDER BY lo.placed_at DESC LIMIT 1
        ) latest ON TRUE
        WHERE r.submitted_at >= %(since)s
          AND (r.nps IS NOT NULL OR {csat.value} IS NOT NULL OR r.ces IS NOT NULL)
    ) src
    CROSS JOIN LATERAL (
        VALUES ('nps', src.nps), ('csat', src.csat), ('ces', src.ces)
    ) AS m(measure, score)
    {_FACTS}
    WHERE m.score IS NOT NULL
"""  # noqa: S608  # composed of constants; every value is a bound parameter


_FEEDBACK = f"""
    INSERT INTO analysis_driverfact ({_COLUMNS})
    {_SELECT_FACTS}
    FROM (
        SELECT NULL::bigint AS response_id, f.id AS feedback_id, f.occurred_at AS at,
               NULL::bigint AS survey_id, NULL::bigint AS touchpoint_id, f.store_id,
               f.customer_id, NULL::text AS channel, '' AS daypart, f.rating,
               f.order_id
        FROM xdata_feedback f
        WHERE f.occurred_at >= %(since)s AND f.rating IS NOT NULL
    ) src
    CROSS JOIN LATERAL (VALUES ('rating', src.rating)) AS m(measure, score)
    {_FACTS}
"""  # noqa: S608  # composed of constants; every value is a bound parameter


def compute_driver_facts(*, run: AnalysisRun, progress: Progress, now: datetime) -> int:
    """Write the run's `DriverFact` rows; returns how many. Idempotent per run (a retried
    step replaces its rows)."""
    csat = response_csat()
    params: dict[str, Any] = {
        **csat.params,
        "run": run.pk,
        "tz": settings.TIME_ZONE,
        "since": now - timedelta(days=WINDOW_DAYS),
        "contact_days": CONTACT_DAYS,
        "latest_days": LATEST_ORDER_DAYS,
    }
    with transaction.atomic():
        DriverFact.objects.filter(run=run).delete()
        with connection.cursor() as cursor:
            cursor.execute(responses_sql(csat=csat), params)
            written = cursor.rowcount
            progress(0.7)
            cursor.execute(_FEEDBACK, params)
            written += cursor.rowcount
    progress(1.0)
    return written


def driver_section(run: AnalysisRun, progress: Progress) -> dict[str, Any]:
    """The run section (`analysis.sections`): the facts as of the run's start."""
    return {
        "driver_facts": compute_driver_facts(
            run=run, progress=progress, now=run.started_at or timezone.now()
        )
    }
