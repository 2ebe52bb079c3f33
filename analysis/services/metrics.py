"""Section "cells": the run's fact table (`MetricCell`), in one INSERT … SELECT.

Responses (by submission day), feedback from other channels (by the day it happened) and sent
invitations (by sending day, with whether they were answered) are stacked into one stream and
counted with GROUPING SETS: the base rows (day x survey x touchpoint x store x region) and, in
the same pass, the same counts split by each extra dimension. Days are local (`TIME_ZONE`), so
a Monday-morning answer in Seoul is Monday's even though it is Sunday in UTC.

CSAT is `xdata.csat.response_csat` (a survey without a CSAT question counts its first 1-5
rating answer), shared by every step that reads a response's CSAT (the fact table here,
drivers, value x experience, themes) and by the response explorer and its exports, so each page
and file counts the same answers as CSAT.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, transaction

from analysis.measures import COUNT_FIELDS
from analysis.models import SEGMENT_DIMS, AnalysisRun, MetricCell
from xdata.csat import ResponseCsat, response_csat

# Raw score columns of the stacked stream; the aggregate of each count column over them.
_STREAM_AGGREGATES: dict[str, str] = {
    "responses": "COUNT(*) FILTER (WHERE src = 'r')",
    "nps_n": "COUNT(nps)",
    "promoters": "COUNT(*) FILTER (WHERE nps >= 9)",
    "detractors": "COUNT(*) FILTER (WHERE nps <= 6)",
    **{f"csat_{i}": f"COUNT(*) FILTER (WHERE csat = {i})" for i in range(1, 6)},
    **{f"ces_{i}": f"COUNT(*) FILTER (WHERE ces = {i})" for i in range(1, 8)},
    "feedback": "COUNT(*) FILTER (WHERE src = 'f')",
    **{f"review_{i}": f"COUNT(*) FILTER (WHERE rating = {i})" for i in range(1, 6)},
    "invited": "COUNT(*) FILTER (WHERE src = 'i')",
    "answered": "COUNT(*) FILTER (WHERE src = 'i' AND answered)",
}
assert tuple(_STREAM_AGGREGATES) == COUNT_FIELDS  # noqa: S101  # one list of columns, checked at import

_BASE = "day, survey_id, touchpoint_id, store_id, region_id"
WORK_MEM = "256MB"


def cells_sql(*, csat: ResponseCsat) -> str:
    """The INSERT … SELECT for one run (named parameters: run, tz and `csat.params`)."""
    dims = ", ".join(SEGMENT_DIMS)
    # The dimension a row was grouped by: GROUPING(x) = 0 when x is part of the row's set.
    dim_case = " ".join(f"WHEN GROUPING({d}) = 0 THEN '{d}'" for d in SEGMENT_DIMS)
    value_case = " ".join(f"WHEN GROUPING({d}) = 0 THEN {d}" for d in SEGMENT_DIMS)
    sets = ", ".join([f"({_BASE})", *(f"({_BASE}, {d})" for d in SEGMENT_DIMS)])
    counts = ",\n  ".join(_STREAM_AGGREGATES.values())
    # Built only from constants (this module's column and dimension names, the SQL of
    # `response_csat`); values are passed as parameters.
    return f"""
INSERT INTO analysis_metriccell
  (run_id, dim, value, {_BASE}, {", ".join(COUNT_FIELDS)})
SELECT %(run)s::bigint, CASE {dim_case} ELSE '' END, CASE {value_case} ELSE '' END, {_BASE},
  {counts}
FROM (SELECT stream.*, st.region_id FROM (
  SELECT 'r' AS src, (r.submitted_at AT TIME ZONE %(tz)s)::date AS day, r.survey_id,
         r.touchpoint_id, r.store_id, r.purchase_channel AS channel,
         COALESCE(c.segment, '') AS segment, r.language, r.daypart,
         r.nps, {csat.value} AS csat, r.ces, NULL::smallint AS rating, FALSE AS answered
    FROM xdata_response r LEFT JOIN odata_customer c ON c.id = r.customer_id
    {csat.join}
  UNION ALL
  SELECT 'f', (f.occurred_at AT TIME ZONE %(tz)s)::date, NULL, NULL, f.store_id, f.channel,
         COALESCE(c.segment, ''), f.language, '', NULL, NULL, NULL, f.rating, FALSE
    FROM xdata_feedback f LEFT JOIN odata_customer c ON c.id = f.customer_id
  UNION ALL
  SELECT 'i', (i.sent_at AT TIME ZONE %(tz)s)::date, i.survey_id, i.touchpoint_id, i.store_id,
         i.purchase_channel, COALESCE(c.segment, ''), i.language, i.daypart,
         NULL, NULL, NULL, NULL, i.status = 'answered'
    FROM surveys_invitation i LEFT JOIN odata_customer c ON c.id = i.customer_id
   WHERE i.sent_at IS NOT NULL
) AS stream({", ".join(["src", "day", "survey_id", "touchpoint_id", "store_id", dims])},
            nps, csat, ces, rating, answered)
  LEFT JOIN odata_store st ON st.id = stream.store_id
) AS cells
GROUP BY GROUPING SETS ({sets})
-- Stored in (dim, day) order, the order pages read them in: their index range scans then
-- read neighbouring pages instead of one heap page per row.
ORDER BY 2, 4
"""  # noqa: S608


def build_cells(run: AnalysisRun, progress: Any) -> dict[str, int]:
    """Write the run's `MetricCell` rows; returns {"cells": count}. Idempotent per run."""
    MetricCell.objects.filter(run=run)._raw_delete(MetricCell.objects.db)
    csat = response_csat()
    params: dict[str, Any] = {"run": run.pk, "tz": settings.TIME_ZONE, **csat.params}
    with transaction.atomic(), connection.cursor() as cursor:
        # GROUPING SETS sorts the stream once per set unless it can hash in memory; the
        # default work_mem (4 MB) spills to disk at a few thousand answers. Only this
        # statement gets more (SET LOCAL ends with the transaction).
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        cursor.execute(cells_sql(csat=csat), params)
        cells = cursor.rowcount
    progress(0.9)
    with connection.cursor() as cursor:
        # Fresh statistics: the pages' plans depend on how many rows a run has.
        cursor.execute("ANALYZE analysis_metriccell")
    return {"cells": cells}
