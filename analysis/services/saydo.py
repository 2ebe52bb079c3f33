"""The say-do step of an analysis run: what customers said, and whether they bought again.

For every response with an intent answer (`Response.intent`: yes / no / unsure) or an NPS score
(promoter / passive / detractor), one `SayDoFact` row records when that customer's next order
came (any order but the one the answer was about; cancelled orders do not count) and how long
the run could watch. The reason a customer chose after a "no" or "unsure" (the survey's
follow-up choice question) is filled in per survey version.

A rating from another channel (`xdata.Feedback.rating`, 1-5 stars) linked to a customer is said
too, in three groups: 1-2 stars, 3, 4-5 (the unhappy, neutral and happy bands used for ratings
everywhere in cxm). It is timed when it was given (`occurred_at`); ratings dated after the run's
start are not read (imported dates may lie in the future), and the order the rating was about
does not count as buying again. Ratings have no survey or touchpoint.

Answers and ratings are written together by one `INSERT … SELECT`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from analysis.models import AnalysisRun
from analysis.models.insights import SayDoFact
from surveys.models import SurveyVersion
from xdata.models import Response

WINDOW_DAYS = 730
Progress = Callable[[float], None]

# One statement for both sources: `said` lists what was said (a response's intent answer and
# NPS group, a rating's star band) with the columns that differ by source; the joins, the
# customer's segment and the search for the next order are written once. PostgreSQL inlines
# the CTE: the two scans, each with its own time filter, are appended and joined once.
_INSERT = """
    WITH said AS (
        SELECT r.id AS response_id, NULL::bigint AS feedback_id, r.customer_id,
               r.submitted_at AS at, r.survey_id, r.touchpoint_id, r.store_id, r.order_id,
               k.kind, k.said, r.daypart, r.purchase_channel AS channel
        FROM xdata_response r
        CROSS JOIN LATERAL (
            VALUES ('intent', NULLIF(r.intent, '')),
                   ('nps', CASE WHEN r.nps IS NULL THEN NULL
                                WHEN r.nps >= 9 THEN 'promoter'
                                WHEN r.nps >= 7 THEN 'passive'
                                ELSE 'detractor' END)
        ) AS k(kind, said)
        WHERE k.said IS NOT NULL AND r.submitted_at >= %(since)s AND r.submitted_at <= %(now)s
      UNION ALL
        SELECT NULL, f.id, f.customer_id, f.occurred_at, NULL, NULL, f.store_id, f.order_id,
               'rating',
               CASE WHEN f.rating <= 2 THEN 'stars_1_2'
                    WHEN f.rating = 3 THEN 'stars_3' ELSE 'stars_4_5' END,
               '', NULL
        FROM xdata_feedback f
        WHERE f.rating IS NOT NULL AND f.occurred_at >= %(since)s AND f.occurred_at <= %(now)s
    )
    INSERT INTO analysis_saydofact (
        run_id, response_id, feedback_id, customer_id, day, survey_id, touchpoint_id, store_id,
        region_id, kind, said, daypart, channel, segment, reason, submitted_at,
        next_order_days, observed_days
    )
    SELECT %(run)s, s.response_id, s.feedback_id, s.customer_id,
           (s.at AT TIME ZONE %(tz)s)::date, s.survey_id, s.touchpoint_id, s.store_id,
           st.region_id, s.kind, s.said, s.daypart, COALESCE(o.channel, s.channel, ''),
           c.segment, '', s.at,
           EXTRACT(EPOCH FROM nxt.placed_at - s.at) / 86400.0,
           EXTRACT(EPOCH FROM %(now)s - s.at) / 86400.0
    FROM said s
    JOIN odata_customer c ON c.id = s.customer_id
    LEFT JOIN odata_store st ON st.id = s.store_id
    LEFT JOIN odata_order o ON o.id = s.order_id
    LEFT JOIN LATERAL (
        SELECT n.placed_at FROM odata_order n
        WHERE n.customer_id = s.customer_id AND n.placed_at > s.at
          AND n.status <> 'cancelled' AND n.id IS DISTINCT FROM s.order_id
        ORDER BY n.placed_at LIMIT 1
    ) nxt ON TRUE
"""

_REASON = """
    UPDATE analysis_saydofact f SET reason = LEFT(a.selected[1], 64)
    FROM xdata_answer a, xdata_response r
    WHERE f.run_id = %(run)s AND f.kind = 'intent' AND r.id = f.response_id
      AND r.version_id = %(version)s AND a.response_id = f.response_id
      AND a.question_key = %(key)s AND cardinality(a.selected) > 0
"""


def reason_question(questions: list[dict[str, Any]]) -> str | None:
    """The key of the choice question asked about the survey's intent answer (the first
    single or multiple choice question shown depending on the first intent question), if any."""
    intent = next((q for q in questions if q.get("type") == "intent"), None)
    if intent is None:
        return None
    for question in questions:
        show_if = question.get("show_if") or {}
        if question.get("type") in ("single", "multiple") and show_if.get("question") == (
            intent.get("key")
        ):
            return str(question["key"])
    return None


def compute_saydo_facts(*, run: AnalysisRun, progress: Progress, now: datetime) -> int:
    """Write the run's `SayDoFact` rows; returns how many. Idempotent per run."""
    params: dict[str, Any] = {
        "run": run.pk,
        "tz": settings.TIME_ZONE,
        "since": now - timedelta(days=WINDOW_DAYS),
        "now": now,
    }
    version_ids = (
        Response.objects.filter(submitted_at__gte=params["since"])
        .exclude(intent="")
        .values("version_id")
        .distinct()
    )
    versions = SurveyVersion.objects.filter(pk__in=version_ids).values_list("pk", "questions")
    with transaction.atomic():
        SayDoFact.objects.filter(run=run).delete()
        with connection.cursor() as cursor:
            cursor.execute(_INSERT, params)
            written = cursor.rowcount
            progress(0.8)
            for version, questions in versions:
                key = reason_question(questions if isinstance(questions, list) else [])
                if key is not None:
                    cursor.execute(_REASON, {"run": run.pk, "version": version, "key": key})
    progress(1.0)
    return written


def saydo_section(run: AnalysisRun, progress: Progress) -> dict[str, Any]:
    """The run section (`analysis.sections`): the facts as of the run's start."""
    return {
        "saydo_facts": compute_saydo_facts(
            run=run, progress=progress, now=run.started_at or timezone.now()
        )
    }
