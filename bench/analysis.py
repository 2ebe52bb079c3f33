"""The analysis at a million responses and a million orders: a full run, the NPS step and
the overview page.

Creates a throwaway database on the server in DATABASE_URL, migrates it, and loads with
`generate_series` 100,000 customers, 1,000,000 orders, 1,000,000 survey responses over a year
(40 stores in 5 regions, 4 surveys, scores, channel, daypart, language, customer segment, a
comment on a quarter of them: `BENCH_COMMENT_SHARE`), 300,000 invitations and 50,000 rated
reviews. First 10,000 of the responses (a tenth of them below 100,000) are loaded and the
overview page is timed at that size; then the rest, and:

- a full run (`manage.py run_analysis`, every section) in a child process, whose peak memory
  is its `ru_maxrss` (the database server's memory is not part of it);
- the segment x period NPS step: NPS with its interval for every store x week cell from the
  run's fact table (`summed_counts` + `nps_estimate`, as the segments page and the change test
  do), against the bare SQL GROUP BY that counts promoters and detractors per store x week
  cell on the responses (the baseline, same run). The fact table is built once per run for
  every metric, segment and period; its build time is reported beside, as is the same step
  for every segment kind x week and month;
- the overview page (Django test client, signed in, default filter) p95 over 40 requests.

Targets: peak memory <= 1 GB; NPS step <= 1.5 x baseline; overview p95 <= 300 ms at 10^6 and
<= 3 x its p95 at 10^4. Drops the database at the end. The last line of output is one JSON
object.

    python bench/analysis.py          # BENCH_RESPONSES=200000 for a quicker run

BENCH_ORDERS (default: as many as responses) and BENCH_PAGE_RUNS (requests per page timed,
default 40) shorten a run further; the figures of a short run say little.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _throwaway import migrated_django  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESPONSES = int(os.environ.get("BENCH_RESPONSES", "1000000"))
ORDERS = int(os.environ.get("BENCH_ORDERS", str(RESPONSES)))
SMALL = min(10_000, RESPONSES // 10)  # the first size the overview page is timed at
CUSTOMERS = max(1000, ORDERS // 10)
INVITATIONS = RESPONSES * 3 // 10
REVIEWS = RESPONSES // 20
# Share of responses with a free-text comment (Korean, one in ten English), so the text-theme
# step loads the Korean analyser and tokenises real sentences, as it would on a real company's
# answers.
COMMENT_SHARE = float(os.environ.get("BENCH_COMMENT_SHARE", "0.25"))
COMMENT_OPENINGS_KO = [
    "배송이 생각보다 늦게 도착했어요.",
    "직원분이 친절하게 안내해 주셨습니다.",
    "매장이 깨끗하고 쾌적했어요.",
    "주문한 상품이 누락되어 다시 연락해야 했습니다.",
    "계산 대기 시간이 너무 길었습니다.",
    "가격 대비 품질이 만족스럽습니다.",
    "포장이 꼼꼼해서 좋았어요.",
    "앱에서 결제가 자꾸 실패했어요.",
]
COMMENT_ENDINGS_KO = [
    "다음에도 이용할게요.",
    "개선이 필요해 보입니다.",
    "재고가 자주 없어서 아쉬워요.",
    "상담원 연결이 어려웠습니다.",
    "전반적으로 만족합니다.",
    "환불 처리가 빨랐어요.",
]
COMMENT_EN = [
    "Delivery was two days late and nobody told me.",
    "Friendly staff and a clean store.",
    "The app kept failing at checkout.",
    "Good value for the price, will order again.",
]
STORES = 40
PAGE_RUNS = int(os.environ.get("BENCH_PAGE_RUNS", "40"))  # requests per page timed
STEP_RUNS = 3
MEMORY_TARGET_MB = 1024.0
STEP_TARGET_RATIO = 1.5
PAGE_TARGET_MS = 300.0
PAGE_TARGET_RATIO = 3.0


def say(message: str) -> None:
    print(f"analysis: {message}", file=sys.stderr, flush=True)


def setup_org() -> dict[str, Any]:
    from odata.models import Region, Store
    from surveys.models import Survey, SurveyVersion, Touchpoint

    regions = [Region.objects.create(code=f"R{i}", name=f"지역 {i}") for i in range(5)]
    stores = [
        Store.objects.create(external_id=f"S{i:03d}", name=f"매장 {i}", region=regions[i % 5])
        for i in range(STORES)
    ]
    kinds = ["nps", "csat", "ces", "csat"]
    surveys = []
    for i, kind in enumerate(kinds):
        touchpoint = Touchpoint.objects.create(name=f"접점 {i}")
        survey = Survey.objects.create(touchpoint=touchpoint, name=f"설문 {i}", status="published")
        questions = [{"key": kind, "type": kind, "text": {"ko": "점수", "en": "Score"}}]
        version = SurveyVersion.objects.create(survey=survey, number=1, questions=questions)
        surveys.append((survey.pk, version.pk, touchpoint.pk))
    return {"first_store": stores[0].pk, "surveys": surveys}


def _array(values: list[int]) -> str:
    return "ARRAY[" + ",".join(str(v) for v in values) + "]"


def _texts(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]::text[]"


def load_operational() -> None:
    from django.db import connection

    from odata.models import Store

    first_store = Store.objects.order_by("pk").values_list("pk", flat=True)[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.17)")
        # Only this file's constants and integers are formatted into the SQL.
        cursor.execute(
            f"""
            INSERT INTO odata_customer (external_id, code, name, email, phone, language, segment,
                home_store_id, survey_consent, created_at, updated_at)
            SELECT 'C' || i, gen_random_uuid(), '고객 ' || i, '', '', 'ko',
                   (ARRAY['VIP','일반','신규','휴면'])[1 + i % 4], {first_store} + i % {STORES},
                   TRUE, now() - interval '2 years', now()
            FROM generate_series(1, {CUSTOMERS}) AS i
            """  # noqa: S608
        )
        cursor.execute(
            f"""
            INSERT INTO odata_order (external_id, customer_id, store_id, channel, placed_at,
                amount, currency, item_count, status)
            SELECT 'O' || i, c0 + (i % {CUSTOMERS}), {first_store} + i % {STORES},
                   (ARRAY['online','store','app'])[1 + i % 3],
                   now() - make_interval(secs => random() * 365 * 86400),
                   10000 + (i % 90) * 1000, 'KRW', 1 + i % 3, 'completed'
            FROM generate_series(1, {ORDERS}) AS i,
                 (SELECT min(id) AS c0 FROM odata_customer) AS c
            """  # noqa: S608
        )
        cursor.execute("VACUUM ANALYZE odata_customer")
        cursor.execute("VACUUM ANALYZE odata_order")


def load_responses(org: dict[str, Any], first: int, last: int) -> None:
    """Responses first..last (1-based), each survey scoring its own column."""
    from django.db import connection

    surveys = org["surveys"]
    survey_ids = _array([s[0] for s in surveys])
    version_ids = _array([s[1] for s in surveys])
    touchpoint_ids = _array([s[2] for s in surveys])
    en, ko_open = _texts(COMMENT_EN), _texts(COMMENT_OPENINGS_KO)
    ko_end = _texts(COMMENT_ENDINGS_KO)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setseed({first % 997} / 1000.0)")
        cursor.execute(
            f"""
            INSERT INTO xdata_response (code, survey_id, version_id, touchpoint_id, store_id,
                customer_id, language, submitted_at, nps, csat, ces, intent, comment,
                purchase_channel, daypart)
            SELECT gen_random_uuid(), ({survey_ids})[1 + i % 4], ({version_ids})[1 + i % 4],
                   ({touchpoint_ids})[1 + i % 4], {org["first_store"]} + (i / 7) % {STORES},
                   c0 + (i % {CUSTOMERS}),
                   CASE WHEN i % 10 = 0 THEN 'en' ELSE 'ko' END,
                   now() - make_interval(secs => random() * 365 * 86400),
                   CASE WHEN i % 4 = 0 THEN floor(random() * 11)::int END,
                   CASE WHEN i % 4 IN (1, 3) THEN 1 + floor(random() * 5)::int END,
                   CASE WHEN i % 4 = 2 THEN 1 + floor(random() * 7)::int END,
                   '',
                   CASE WHEN random() >= {COMMENT_SHARE} THEN ''
                        WHEN i % 10 = 0 THEN ({en})[1 + i % {len(COMMENT_EN)}]
                        ELSE ({ko_open})[1 + (i / 3) % {len(COMMENT_OPENINGS_KO)}]
                             || ' ' || ({ko_end})[1 + i % {len(COMMENT_ENDINGS_KO)}]
                   END,
                   (ARRAY['online','store','app'])[1 + i % 3],
                   (ARRAY['morning','lunch','afternoon','evening'])[1 + (i / 3) % 4]
            FROM generate_series({first}, {last}) AS i,
                 (SELECT min(id) AS c0 FROM odata_customer) AS c
            """  # noqa: S608
        )
        cursor.execute("VACUUM ANALYZE xdata_response")


def load_invitations_and_reviews(org: dict[str, Any]) -> None:
    from django.db import connection

    surveys = org["surveys"]
    survey_ids = _array([s[0] for s in surveys])
    touchpoint_ids = _array([s[2] for s in surveys])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO surveys_invitation (code, survey_id, customer_id, token_hash, status,
                source, language, touchpoint_id, store_id, purchase_channel, daypart,
                partial_answers, send_after, sent_at, expires_at, created_at)
            SELECT gen_random_uuid(), ({survey_ids})[1 + i % 4], c0 + (i % {CUSTOMERS}),
                   md5('bench' || i), CASE WHEN random() < 0.4 THEN 'answered' ELSE 'sent' END,
                   'bulk', 'ko', ({touchpoint_ids})[1 + i % 4], {org["first_store"]} + i % {STORES},
                   'online', 'morning', '{{}}'::jsonb, t, t, t + interval '14 days', t
            FROM (SELECT i, now() - make_interval(secs => random() * 365 * 86400) AS t
                  FROM generate_series(1, {INVITATIONS}) AS i) AS g,
                 (SELECT min(id) AS c0 FROM odata_customer) AS c
            """  # noqa: S608
        )
        cursor.execute(
            f"""
            INSERT INTO xdata_feedback (code, channel, external_id, store_id, rating, text,
                occurred_at, language, received_at)
            SELECT gen_random_uuid(), (ARRAY['naver','google'])[1 + i % 2], 'N' || i,
                   {org["first_store"]} + (i % {STORES}), 1 + floor(random() * 5)::int, '',
                   now() - make_interval(secs => random() * 365 * 86400), 'ko', now()
            FROM generate_series(1, {REVIEWS}) AS i
            """  # noqa: S608
        )
        cursor.execute("VACUUM ANALYZE surveys_invitation")
        cursor.execute("VACUUM ANALYZE xdata_feedback")


def child_run(url: str) -> dict[str, Any]:
    """`manage.py run_analysis` in a child process: its JSON summary, wall time, peak RSS."""
    env = {**os.environ, "DATABASE_URL": url}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "run_analysis"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        say(done.stderr[-3000:])
        raise SystemExit(f"run_analysis failed ({done.returncode})")
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    # ru_maxrss of children is the largest child so far (KiB on Linux); this is the first
    # large child, so an earlier smaller one cannot hide it.
    return {
        "summary": summary,
        "seconds": round(seconds, 2),
        "peak_mb": round(max(peak_kb, before) / 1024, 1),
    }


def timed(call: Callable[[], Any], runs: int) -> float:
    """Median wall time in ms after one warm-up call."""
    call()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def baseline_group_by() -> int:
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT store_id, date_trunc('week', submitted_at AT TIME ZONE %s) AS week,
                   COUNT(nps), COUNT(*) FILTER (WHERE nps >= 9),
                   COUNT(*) FILTER (WHERE nps <= 6)
            FROM xdata_response GROUP BY 1, 2
            """,
            [settings.TIME_ZONE],
        )
        return len(cursor.fetchall())


def nps_step() -> int:
    """NPS with its adjusted-Wald interval for every store x week cell (the baseline's cells),
    from the fact table of the latest run, as the segments page and change test compute it."""
    from analysis import stats
    from analysis.selectors import latest_finished_run
    from analysis.selectors.cells import CellFilter, summed_counts

    run = latest_finished_run()
    assert run is not None  # noqa: S101  # the bench ran one
    rows = summed_counts(run_id=run.pk, where=CellFilter(), kind="store", period="week")
    for row in rows:
        stats.nps_estimate(row["promoters"], row["detractors"], row["nps_n"])
    return len(rows)


def every_segment_step() -> int:
    """The same for every segment kind x week and month (what one run's change test covers,
    without its date window)."""
    from analysis import stats
    from analysis.selectors import latest_finished_run
    from analysis.selectors.cells import SEGMENT_KINDS, CellFilter, summed_counts

    run = latest_finished_run()
    assert run is not None  # noqa: S101  # the bench ran one
    cells = 0
    for kind in SEGMENT_KINDS:
        for period in ("week", "month"):
            for row in summed_counts(run_id=run.pk, where=CellFilter(), kind=kind, period=period):
                stats.nps_estimate(row["promoters"], row["detractors"], row["nps_n"])
                cells += 1
    return cells


def page_p95(client: Any, url: str) -> dict[str, float]:
    client.get(url)
    samples = []
    for _ in range(PAGE_RUNS):
        t0 = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code  # noqa: S101
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(0.95 * len(samples)) - 1], 2),
    }


def main() -> int:
    t_start = time.perf_counter()
    with migrated_django("analysis") as url:
        from django.conf import settings
        from django.test import Client

        from cxm.models import User
        from cxm.roles import Role
        from cxm.services import set_user_role

        settings.ALLOWED_HOSTS = ["*"]
        user = User.objects.create(username="bench-manager")
        set_user_role(user=user, role=Role.MANAGER)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

        org = setup_org()
        t0 = time.perf_counter()
        load_operational()
        load_responses(org, 1, SMALL)
        took = time.perf_counter() - t0
        say(f"{CUSTOMERS} customers, {ORDERS} orders, {SMALL} responses in {took:.1f} s")
        small_run = child_run(url)
        small_page = page_p95(client, "/analysis/")
        say(f"at {SMALL} responses: run {small_run['seconds']} s, overview {small_page}")

        t0 = time.perf_counter()
        load_responses(org, SMALL + 1, RESPONSES)
        load_invitations_and_reviews(org)
        took = time.perf_counter() - t0
        say(f"{RESPONSES} responses, {INVITATIONS} invitations, {REVIEWS} reviews in {took:.1f} s")
        full = child_run(url)
        say(f"full run: {full['seconds']} s, peak {full['peak_mb']} MB: {full['summary']}")
        step_ms = timed(nps_step, STEP_RUNS)
        baseline_ms = timed(baseline_group_by, STEP_RUNS)
        cells = nps_step()
        every_ms = timed(every_segment_step, 1)
        every_cells = every_segment_step()
        say(f"NPS step {step_ms:.1f} ms ({cells} segment-periods); GROUP BY {baseline_ms:.1f} ms")
        big_page = page_p95(client, "/analysis/")
        store_page = page_p95(client, "/analysis/segments/?kind=store&metric=nps")
        say(f"at {RESPONSES} responses: overview {big_page}, segments {store_page}")

    step_ratio = step_ms / baseline_ms if baseline_ms else None
    page_ratio = big_page["p95_ms"] / small_page["p95_ms"] if small_page["p95_ms"] else None
    checks = {
        "memory": full["peak_mb"] <= MEMORY_TARGET_MB,
        "nps_step": step_ratio is not None and step_ratio <= STEP_TARGET_RATIO,
        "overview_p95": big_page["p95_ms"] <= PAGE_TARGET_MS,
        "overview_growth": page_ratio is not None and page_ratio <= PAGE_TARGET_RATIO,
    }
    print(
        json.dumps(
            {
                "bench": "analysis",
                "value": round(step_ms, 2),
                "unit": "ms",
                "baseline": round(baseline_ms, 2),
                "ratio": round(step_ratio, 4) if step_ratio is not None else None,
                "target": STEP_TARGET_RATIO,
                "ok": all(checks.values()),
                "checks": checks,
                "responses": RESPONSES,
                "orders": ORDERS,
                "invitations": INVITATIONS,
                "reviews": REVIEWS,
                "comment_share": COMMENT_SHARE,
                "nps_step_cells": cells,
                "nps_step_definition": "store x week NPS with interval from the run's fact table",
                "every_segment_kind_week_and_month_ms": round(every_ms, 1),
                "every_segment_kind_week_and_month_cells": every_cells,
                "fact_table_build_seconds": full["summary"].get("cells_seconds"),
                "baseline_method": "SELECT store, week, COUNT(nps), promoters, detractors "
                "FROM xdata_response GROUP BY store, week (the same cells)",
                "full_run_seconds": full["seconds"],
                "full_run_peak_mb": full["peak_mb"],
                "full_run_peak_target_mb": MEMORY_TARGET_MB,
                "full_run_summary": full["summary"],
                "small_run_seconds": small_run["seconds"],
                "overview_at_small": small_page,
                "overview_at_full": big_page,
                "overview_p95_target_ms": PAGE_TARGET_MS,
                "overview_p95_ratio": round(page_ratio, 3) if page_ratio else None,
                "overview_ratio_target": PAGE_TARGET_RATIO,
                "segments_at_full": store_page,
                "seconds": round(time.perf_counter() - t_start, 1),
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
