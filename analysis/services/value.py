"""The value x experience step of an analysis run: each scored customer's value and cost to
serve against their latest experience evidence.

As on the customer 360 page (`odata.selectors.customer_figures`), so both show the same figures:
- Revenue: KRW orders placed or completed in the year before the run (cancelled and returned
  orders earned nothing).
- Cost to serve: service contacts of the records opened in that year x the cost of one contact
  (`CXM_SERVICE_CONTACT_COST_KRW`, `odata.selectors.contact_cost`). Net value = revenue - cost
  to serve.

Experience evidence is a survey answer (NPS, CSAT or CES; in that order when one response has
several; CSAT as on the overview, which counts a survey's first 1-5 rating question as its CSAT
when it has no CSAT question: `xdata.csat.response_csat`) or a rating from
another channel (`xdata.Feedback.rating`, 1-5 stars, a review or a rated call note) linked to
the customer. Each customer is classed by their most recent piece
of evidence of the two years before the run, whichever source it came from; a survey answer
wins a tie at the same instant (it is the instrument built for the measure). Feedback dated
after the run's start is not read (imported dates may lie in the future). The most recent
evidence, not "survey first": the page exists to find valuable customers whose experience is
bad now, and a one-star review last week says more about that than a promoter score of last
year, just as a CSAT answer already replaces an older NPS answer.

Each score is put on a 0-100 scale (the minimum of its scale = 0) and judged unhappy in the band
used everywhere in cxm (the response explorer's low band, the text themes' unhappy tone):
- NPS 0-10: score x 10; unhappy 0-6.
- CSAT 1-5: (score - 1) x 25; unhappy 1-2.
- CES 1-7: (score - 1) x 100 / 6; unhappy 1-3.
- Rating 1-5: (rating - 1) x 25, as CSAT (the same 1-5 satisfaction judgement); unhappy 1-2
  stars, 3 is neither.

Ratings are self-selected (people review when delighted or angry), so they run more extreme
than solicited answers; the row keeps its measure, and the page shows how many customers each
source classed and the unhappy share per source, so a shift in the quadrants that comes from
the mix of sources can be told from a change in experience. A rating has no survey or
touchpoint: under a survey or touchpoint filter only survey-classed customers count.

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
from xdata.csat import ResponseCsat, response_csat

SCORE_WINDOW_DAYS = 730
VALUABLE_PERCENTILE = 0.75

Progress = Callable[[float], None]


def insert_sql(*, csat: ResponseCsat) -> str:
    """The INSERT … SELECT of the run's points; a response's CSAT is `csat` (as on the
    overview)."""
    return f"""
    WITH evidence AS (
        SELECT r.customer_id, r.submitted_at AS at, 0 AS source, r.id AS source_id,
               r.survey_id, r.touchpoint_id, r.store_id,
               CASE WHEN r.nps IS NOT NULL THEN 'nps'
                    WHEN {csat.value} IS NOT NULL THEN 'csat' ELSE 'ces' END AS measure,
               COALESCE(r.nps, {csat.value}, r.ces) AS score
        FROM xdata_response r
        {csat.join}
        WHERE r.customer_id IS NOT NULL AND r.submitted_at >= %(score_since)s
          AND (r.nps IS NOT NULL OR {csat.value} IS NOT NULL OR r.ces IS NOT NULL)
        UNION ALL
        SELECT f.customer_id, f.occurred_at, 1, f.id, NULL::bigint, NULL::bigint, f.store_id,
               'rating', f.rating
        FROM xdata_feedback f
        WHERE f.customer_id IS NOT NULL AND f.rating IS NOT NULL
          AND f.occurred_at >= %(score_since)s AND f.occurred_at <= %(now)s
    ),
    latest AS (
        -- The most recent evidence per customer; at the same instant a survey answer (source
        -- 0) before a rating, then the newest row.
        SELECT DISTINCT ON (e.customer_id)
               e.customer_id, e.at AS submitted_at, e.survey_id, e.touchpoint_id, e.store_id,
               e.measure, e.score
        FROM evidence e
        ORDER BY e.customer_id, e.at DESC, e.source, e.source_id DESC
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
                          WHEN 'ces' THEN (l.score - 1) * 100.0 / 6
                          ELSE (l.score - 1) * 25.0 END,  -- CSAT and ratings: 1-5
           CASE l.measure WHEN 'nps' THEN l.score <= 6
                          WHEN 'ces' THEN l.score <= 3
                          ELSE l.score <= 2 END,
           ''
    FROM latest l
    JOIN odata_customer c ON c.id = l.customer_id
    LEFT JOIN odata_store st ON st.id = COALESCE(l.store_id, c.home_store_id)
    LEFT JOIN money m ON m.customer_id = l.customer_id
    LEFT JOIN served s ON s.customer_id = l.customer_id
"""  # noqa: S608  # composed of constants; every value is a bound parameter


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
    csat = response_csat()
    params: dict[str, Any] = {
        **csat.params,
        "run": run.pk,
        "tz": settings.TIME_ZONE,
        "since": year_before(now),
        "score_since": now - timedelta(days=SCORE_WINDOW_DAYS),
        "now": now,
        "cost": contact_cost(),
        "percentile": VALUABLE_PERCENTILE,
    }
    with transaction.atomic():
        ValuePoint.objects.filter(run=run).delete()
        with connection.cursor() as cursor:
            cursor.execute(insert_sql(csat=csat), params)
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
