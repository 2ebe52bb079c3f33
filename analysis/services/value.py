"""The value x experience step of an analysis run: each scored customer's value and cost to
serve against their latest score.

As on the customer 360 page (`odata.selectors.customer_figures`), so both show the same figures:
- Revenue: KRW orders placed or completed in the year before the run (cancelled and returned
  orders earned nothing).
- Cost to serve: service contacts of the records opened in that year x the cost of one contact
  (`CXM_SERVICE_CONTACT_COST_KRW`, `odata.selectors.contact_cost`). Net value = revenue - cost
  to serve.
- Latest score: the customer's most recent NPS, CSAT or CES answer (in that order when one
  response has several), put on a 0-100 scale; "unhappy" is NPS 0-6, CSAT 1-2 or CES 1-3.
- "Valuable": net value in the top quarter of the scored customers (the 75th percentile,
  company-wide, so a customer keeps their quadrant whatever the page's filter).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from analysis.models import AnalysisRun
from analysis.models.insights import ValuePoint
from odata.selectors import contact_cost, year_before

SCORE_WINDOW_DAYS = 730
VALUABLE_PERCENTILE = 0.75

Progress = Callable[[float], None]

_INSERT = """
    WITH latest AS (
        SELECT DISTINCT ON (r.customer_id)
               r.customer_id, r.submitted_at, r.survey_id, r.touchpoint_id, r.store_id,
               CASE WHEN r.nps IS NOT NULL THEN 'nps'
                    WHEN r.csat IS NOT NULL THEN 'csat' ELSE 'ces' END AS measure,
               COALESCE(r.nps, r.csat, r.ces) AS score
        FROM xdata_response r
        WHERE r.customer_id IS NOT NULL AND r.submitted_at >= %(score_since)s
          AND (r.nps IS NOT NULL OR r.csat IS NOT NULL OR r.ces IS NOT NULL)
        ORDER BY r.customer_id, r.submitted_at DESC, r.id DESC
    ),
    money AS (
        SELECT o.customer_id, SUM(o.amount) AS revenue, COUNT(*) AS orders
        FROM odata_order o
        WHERE o.status IN ('placed', 'completed') AND o.currency = 'KRW'
          AND o.placed_at >= %(since)s
          AND o.customer_id IN (SELECT customer_id FROM latest)
        GROUP BY o.customer_id
    ),
    served AS (
        SELECT s.customer_id, SUM(s.contacts) AS contacts
        FROM odata_servicerecord s
        WHERE s.opened_at >= %(since)s AND s.customer_id IN (SELECT customer_id FROM latest)
        GROUP BY s.customer_id
    )
    INSERT INTO analysis_valuepoint (
        run_id, customer_id, day, survey_id, touchpoint_id, store_id, region_id, revenue,
        orders, contacts, cost_to_serve, net_value, measure, score, score_100, unhappy, quadrant
    )
    SELECT %(run)s, l.customer_id, (l.submitted_at AT TIME ZONE %(tz)s)::date, l.survey_id,
           l.touchpoint_id, COALESCE(l.store_id, c.home_store_id), st.region_id,
           COALESCE(m.revenue, 0), COALESCE(m.orders, 0), COALESCE(s.contacts, 0),
           COALESCE(s.contacts, 0) * %(cost)s,
           COALESCE(m.revenue, 0) - COALESCE(s.contacts, 0) * %(cost)s,
           l.measure, l.score,
           CASE l.measure WHEN 'nps' THEN l.score * 10.0
                          WHEN 'csat' THEN (l.score - 1) * 25.0
                          ELSE (l.score - 1) * 100.0 / 6 END,
           CASE l.measure WHEN 'nps' THEN l.score <= 6
                          WHEN 'csat' THEN l.score <= 2
                          ELSE l.score <= 3 END,
           ''
    FROM latest l
    JOIN odata_customer c ON c.id = l.customer_id
    LEFT JOIN odata_store st ON st.id = COALESCE(l.store_id, c.home_store_id)
    LEFT JOIN money m ON m.customer_id = l.customer_id
    LEFT JOIN served s ON s.customer_id = l.customer_id
"""

# The threshold is read first and passed as a value: as a CTE joined into the UPDATE, the
# planner (without statistics on the run's fresh rows) re-ran the percentile per row.
_THRESHOLD = """
    SELECT percentile_cont(%(percentile)s) WITHIN GROUP (ORDER BY net_value)
    FROM analysis_valuepoint WHERE run_id = %(run)s
"""

_QUADRANTS = """
    UPDATE analysis_valuepoint v SET quadrant =
        CASE WHEN v.net_value >= %(threshold)s
             THEN CASE WHEN v.unhappy THEN 'valuable_unhappy' ELSE 'valuable_happy' END
             ELSE CASE WHEN v.unhappy THEN 'other_unhappy' ELSE 'other_happy' END END
    WHERE v.run_id = %(run)s
"""


def compute_value_points(*, run: AnalysisRun, progress: Progress, now: datetime) -> int:
    """Write the run's `ValuePoint` rows; returns how many. Idempotent per run."""
    params: dict[str, Any] = {
        "run": run.pk,
        "tz": settings.TIME_ZONE,
        "since": year_before(now),
        "score_since": now - timedelta(days=SCORE_WINDOW_DAYS),
        "cost": contact_cost(),
        "percentile": VALUABLE_PERCENTILE,
    }
    with transaction.atomic():
        ValuePoint.objects.filter(run=run).delete()
        with connection.cursor() as cursor:
            cursor.execute(_INSERT, params)
            written = cursor.rowcount
            progress(0.8)
            cursor.execute(_THRESHOLD, params)
            (threshold,) = cursor.fetchone()
            if threshold is not None:
                cursor.execute(_QUADRANTS, {**params, "threshold": threshold})
    progress(1.0)
    return written


def value_section(run: AnalysisRun, progress: Progress) -> dict[str, Any]:
    """The run section (`analysis.sections`): the facts as of the run's start."""
    return {
        "value_points": compute_value_points(
            run=run, progress=progress, now=run.started_at or timezone.now()
        )
    }
