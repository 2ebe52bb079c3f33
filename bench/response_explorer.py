"""The response explorer at a million responses: keyset pages against OFFSET pages.

Creates a throwaway database on the server in DATABASE_URL, migrates it, loads 1,000,000
survey responses (and 50,000 feedback rows) with `generate_series`, then times the explorer's
selector (`xdata.selectors.explore`) for a first page, a deep page (past 90% of the rows) and
filtered pages, against the same pages read with ORDER BY … OFFSET (the baseline), in the same
run. The comment search runs once without and once with the trigram index the explorer needs
(`response_comment_trgm`, dropped after migrating and built again before the second search).
Drops the database at the end. The last line of output is one JSON object.

    python bench/response_explorer.py        # BENCH_RESPONSES=200000 for a quicker run
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _throwaway import migrated_django  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESPONSES = int(os.environ.get("BENCH_RESPONSES", "1000000"))
FEEDBACK = RESPONSES // 20
TARGET_MS = 50.0  # median page time with keyset pages
RUNS = 5
BASELINE_RUNS = 2
PAGE = 50
COMMENTS = ["직원이 친절했어요", "배송이 늦었어요", "가격이 비싸요", "매장이 깨끗해요", "", "", ""]


def say(message: str) -> None:
    print(f"response_explorer: {message}", file=sys.stderr, flush=True)


def load(count: int) -> None:
    from django.db import connection

    from odata.models import Region, Store
    from surveys.models import Survey, SurveyVersion, Touchpoint

    region = Region.objects.create(code="R1", name="서울")
    stores = [
        Store.objects.create(external_id=f"S{i:03d}", name=f"매장 {i}", region=region)
        for i in range(40)
    ]
    surveys = []
    for i in range(4):
        touchpoint = Touchpoint.objects.create(name=f"접점 {i}")
        survey = Survey.objects.create(touchpoint=touchpoint, name=f"설문 {i}", status="published")
        version = SurveyVersion.objects.create(survey=survey, number=1, questions=[])
        surveys.append((survey.pk, version.pk, touchpoint.pk))
    comments = "ARRAY[" + ",".join("'" + c + "'" for c in COMMENTS) + "]"
    first_store = stores[0].pk
    survey_ids = "ARRAY[" + ",".join(str(s[0]) for s in surveys) + "]"
    version_ids = "ARRAY[" + ",".join(str(s[1]) for s in surveys) + "]"
    touchpoint_ids = "ARRAY[" + ",".join(str(s[2]) for s in surveys) + "]"
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        t0 = time.perf_counter()
        # Only this file's constants and integers are formatted into the SQL.
        cursor.execute(
            f"""
            INSERT INTO xdata_response (code, survey_id, version_id, touchpoint_id, store_id,
                language, submitted_at, nps, csat, intent, comment, purchase_channel, daypart)
            SELECT gen_random_uuid(), ({survey_ids})[1 + i % 4], ({version_ids})[1 + i % 4],
                   ({touchpoint_ids})[1 + i % 4], {first_store} + (i % 40),
                   CASE WHEN i % 10 = 0 THEN 'en' ELSE 'ko' END,
                   -- a second's resolution: many responses share a timestamp
                   date_trunc('second', now()) - make_interval(secs => i / 3),
                   floor(random() * 11)::int, 1 + floor(random() * 5)::int, '',
                   ({comments})[1 + floor(random() * {len(COMMENTS)})::int] ||
                       CASE WHEN i % 1000 = 0 THEN ' 주차장이 좁아요' ELSE '' END,
                   'store', ''
            FROM generate_series(1, {count}) AS i
            """  # noqa: S608
        )
        cursor.execute(
            f"""
            INSERT INTO xdata_feedback (code, channel, external_id, store_id, rating, text,
                occurred_at, language, received_at)
            SELECT gen_random_uuid(), 'naver', 'N' || i, {first_store} + (i % 40),
                   1 + floor(random() * 5)::int, ({comments})[1 + i % {len(COMMENTS)}],
                   now() - make_interval(secs => i * 600), 'ko', now()
            FROM generate_series(1, {FEEDBACK}) AS i
            """  # noqa: S608
        )
        say(f"{count} responses and {FEEDBACK} feedback loaded in {time.perf_counter() - t0:.1f} s")
        cursor.execute("VACUUM ANALYZE xdata_response")
        cursor.execute("VACUUM ANALYZE xdata_feedback")
    _ = stores


def add_trigram_index() -> float:
    """The index the explorer's comment search is written for (migration xdata 0002)."""
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute(
            "CREATE INDEX response_comment_trgm ON xdata_response "
            "USING gin (UPPER(comment) gin_trgm_ops)"
        )
        cursor.execute("ANALYZE xdata_response")
    return time.perf_counter() - t0


def time_ms(call: Callable[[], Any], runs: int) -> tuple[float, int]:
    timings, rows = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        rows = call()
        timings.append((time.perf_counter() - t0) * 1000)
    return statistics.median(timings), rows


def cases() -> list[tuple[str, Callable[[], int], Callable[[], int]]]:
    """(label, keyset call, OFFSET call) per page; both return the number of rows read."""
    from surveys.models import Survey
    from xdata.models import Response
    from xdata.selectors import Cursor, ExplorerFilters, Source, explore, matching_responses

    def keyset(filters: ExplorerFilters, after: Cursor | None = None) -> Callable[[], int]:
        return lambda: len(explore(filters, after=after, limit=PAGE).rows)

    def offset(filters: ExplorerFilters, skip: int) -> Callable[[], int]:
        def run() -> int:
            rows = matching_responses(filters).select_related(
                "survey", "touchpoint", "store", "customer"
            )
            return len(list(rows.order_by("-submitted_at", "-code")[skip : skip + PAGE]))

        return run

    surveys_only = ExplorerFilters(source=Source.SURVEYS)
    deep_skip = RESPONSES * 9 // 10
    deep_row = Response.objects.order_by("-submitted_at", "-code")[deep_skip - 1 : deep_skip].get()
    deep = Cursor(at=deep_row.submitted_at, kind="response", code=deep_row.code)
    survey = Survey.objects.order_by("pk").first()
    detractors = ExplorerFilters(source=Source.SURVEYS, survey=survey, score="nps_detractor")
    english = ExplorerFilters(source=Source.SURVEYS, language="en", has_comment=True)
    search = ExplorerFilters(source=Source.SURVEYS, q="주차장")
    return [
        ("first page", keyset(surveys_only), offset(surveys_only, 0)),
        ("page past 90% of the rows", keyset(surveys_only, deep), offset(surveys_only, deep_skip)),
        ("survey + detractors, page 200", _nth(detractors, 200), offset(detractors, 200 * PAGE)),
        ("English with a comment, page 100", _nth(english, 100), offset(english, 100 * PAGE)),
        ("comment search, first page", keyset(search), offset(search, 0)),
    ]


def _nth(filters: Any, page: int) -> Callable[[], int]:
    """The `page`-th keyset page, its cursor found once (a reader clicks "older" to get there)."""
    from xdata.selectors import explore

    after = None
    for _ in range(page):
        after = explore(filters, after=after, limit=PAGE).next_cursor
    return lambda: len(explore(filters, after=after, limit=PAGE).rows)


def no_offset_in_sql() -> bool:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xdata.selectors import ExplorerFilters, explore

    with CaptureQueriesContext(connection) as queries:
        page = explore(ExplorerFilters(), limit=PAGE)
        explore(ExplorerFilters(), after=page.next_cursor, limit=PAGE)
    sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
    return "OFFSET" not in sql and "COUNT(" not in sql


def explain() -> None:
    """With BENCH_EXPLAIN=1: the plans of the first and a deep page, on standard error."""
    from django.db import connection

    from xdata.models import Response
    from xdata.selectors import Cursor, ExplorerFilters, Source, matching_responses

    deep_row = Response.objects.order_by("-submitted_at", "-code")[RESPONSES // 2]
    cursor = Cursor(at=deep_row.submitted_at, kind="response", code=deep_row.code)
    rows = matching_responses(ExplorerFilters(source=Source.SURVEYS)).select_related(
        "survey", "touchpoint", "store", "customer"
    )
    for query in (rows, rows.filter(cursor.older_than(kind="response", at="submitted_at"))):
        sql, params = query.order_by("-submitted_at", "-code")[: PAGE + 1].query.sql_with_params()
        with connection.cursor() as db:
            db.execute("EXPLAIN ANALYZE " + sql, params)
            say("\n".join(row[0] for row in db.fetchall()))


def measure() -> list[dict[str, Any]]:
    if os.environ.get("BENCH_EXPLAIN"):
        explain()
    results = []
    for label, keyset, offset in cases():
        keyset()  # warm the cache: both variants read from memory
        ms, rows = time_ms(keyset, RUNS)
        offset()
        baseline_ms, baseline_rows = time_ms(offset, BASELINE_RUNS)
        results.append(
            {
                "page": label,
                "rows": rows,
                "ms": round(ms, 2),
                "baseline_ms": round(baseline_ms, 2),
                "baseline_rows": baseline_rows,
            }
        )
        say(f"{label:<36} {rows:>3} rows  {ms:8.2f} ms  (OFFSET {baseline_ms:8.1f} ms)")
    return results


def main() -> int:
    t_start = time.perf_counter()
    with migrated_django("response_explorer"):
        from django.db import connection

        # Load without the comment index (faster), search once without it, then build it.
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS response_comment_trgm")
        load(RESPONSES)
        clean_sql = no_offset_in_sql()
        results = measure()
        index_seconds = add_trigram_index()
        say(f"trigram index on UPPER(comment) built in {index_seconds:.1f} s")
        search = next(c for c in cases() if c[0].startswith("comment search"))
        search[1]()
        with_index_ms, _rows = time_ms(search[1], RUNS)
        say(f"comment search with the trigram index: {with_index_ms:.2f} ms")
    value = statistics.median(r["ms"] for r in results)
    baseline = statistics.median(r["baseline_ms"] for r in results)
    print(
        json.dumps(
            {
                "bench": "response_explorer",
                "value": round(value, 2),
                "unit": "ms",
                "baseline": round(baseline, 2),
                "ratio": round(value / baseline, 4) if baseline else None,
                "target": TARGET_MS,
                "ok": value <= TARGET_MS and value < baseline and clean_sql,
                "responses": RESPONSES,
                "feedback": FEEDBACK,
                "page_size": PAGE,
                "worst_ms": max(r["ms"] for r in results),
                "no_offset_or_count_in_sql": clean_sql,
                "search_with_trigram_index_ms": round(with_index_ms, 2),
                "runs": RUNS,
                "baseline_runs": BASELINE_RUNS,
                "baseline_method": "same filter, ORDER BY submitted_at DESC, code DESC OFFSET n",
                "seconds": round(time.perf_counter() - t_start, 1),
                "pages": results,
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
