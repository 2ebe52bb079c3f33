"""Customer search at a million customers: the trigram indexes against no index at all.

Creates a throwaway database on the server in DATABASE_URL, migrates it, loads 1,000,000
customers with `generate_series` (Korean names, e-mails, digits-only phones), then times
`odata.selectors.search_customers` for a set of searches twice in the same run: as shipped,
and with index scans switched off (`enable_bitmapscan`, `enable_indexscan`) as the baseline.
Drops the database at the end. The last line of output is one JSON object.

    python bench/customer_search.py          # BENCH_CUSTOMERS=200000 for a quicker run
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

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "1000000"))
TARGET_MS = 50.0  # median search time with the indexes
RUNS = 5  # timed runs per search with the indexes (after one warm-up)
BASELINE_RUNS = 2

# Surnames weighted roughly as in Korea (김 about one in five), syllables for given names,
# with their romanisation for the e-mail addresses.
SURNAMES = [
    ("김", "kim", 21),
    ("이", "lee", 15),
    ("박", "park", 8),
    ("최", "choi", 5),
    ("정", "jung", 5),
    ("강", "kang", 2),
    ("조", "cho", 2),
    ("윤", "yoon", 2),
    ("장", "jang", 2),
    ("임", "lim", 2),
    ("한", "han", 1),
    ("오", "oh", 1),
    ("서", "seo", 1),
    ("신", "shin", 1),
    ("권", "kwon", 1),
    ("황", "hwang", 1),
]
SYLLABLES = [
    ("민", "min"), ("지", "ji"), ("서", "seo"), ("준", "jun"), ("현", "hyun"), ("수", "su"),
    ("영", "young"), ("우", "woo"), ("진", "jin"), ("하", "ha"), ("윤", "yun"), ("은", "eun"),
    ("도", "do"), ("연", "yeon"), ("예", "ye"), ("재", "jae"), ("성", "sung"), ("유", "yu"),
    ("혜", "hye"), ("주", "ju"), ("호", "ho"), ("원", "won"), ("아", "a"), ("희", "hee"),
    ("채", "chae"), ("건", "gun"), ("나", "na"), ("태", "tae"), ("소", "so"), ("빈", "bin"),
]  # fmt: skip
DOMAINS = ["naver.com", "gmail.com", "daum.net", "kakao.com", "hanmail.net", "example.com"]


def say(message: str) -> None:
    print(f"customer_search: {message}", file=sys.stderr, flush=True)


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _load_sql(count: int) -> str:
    weighted = [s for s in SURNAMES for _ in range(s[2])]
    surnames, surnames_rom = (
        _sql_array([s[0] for s in weighted]),
        _sql_array([s[1] for s in weighted]),
    )
    syllables, syllables_rom = (
        _sql_array([s[0] for s in SYLLABLES]),
        _sql_array([s[1] for s in SYLLABLES]),
    )
    # One row of random draws per customer; names, e-mails and phones are built from them.
    # Only this file's constants and an integer are formatted into the SQL.
    return f"""
        INSERT INTO odata_customer (external_id, code, name, email, phone, language, segment,
                                    survey_consent, created_at, updated_at)
        SELECT 'C' || lpad(i::text, 8, '0'),
               gen_random_uuid(),
               CASE WHEN i % 100000 = 0 THEN '독고영재'
                    ELSE ({surnames})[s] || ({syllables})[g1] || ({syllables})[g2] END,
               ({syllables_rom})[g1] || ({syllables_rom})[g2] || '.' || ({surnames_rom})[s]
                   || (i % 997) || '@' || ({_sql_array(DOMAINS)})[d],
               '010' || lpad(p::text, 8, '0'),
               'ko',
               (ARRAY['VIP', 'Gold', 'Silver', ''])[1 + i % 4],
               i % 3 > 0,
               now() - make_interval(days => (i % 3650)),
               now()
        FROM (
            SELECT i,
                   1 + floor(random() * {len(weighted)})::int AS s,
                   1 + floor(random() * {len(SYLLABLES)})::int AS g1,
                   1 + floor(random() * {len(SYLLABLES)})::int AS g2,
                   1 + floor(random() * {len(DOMAINS)})::int AS d,
                   floor(random() * 100000000)::int AS p
            FROM generate_series(1, {count}) AS i
        ) AS draws
    """  # noqa: S608


def load_customers(count: int) -> None:
    """Bulk-load without the trigram indexes, then build them as the migration defines them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'odata_customer' "
            "AND indexdef LIKE '%%gin_trgm_ops%%'"
        )
        indexes = cursor.fetchall()
        if len(indexes) != 4:
            raise RuntimeError(f"expected the four trigram indexes, found {indexes}")
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SELECT setseed(0.42)")
        t0 = time.perf_counter()
        cursor.execute(_load_sql(count))
        say(f"{count} customers loaded in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        say(f"trigram indexes built in {time.perf_counter() - t0:.1f} s")
        cursor.execute("VACUUM ANALYZE odata_customer")


def searches() -> list[tuple[str, str, Callable[[], Any]]]:
    """(label, query, call) for each timed search; values are taken from the loaded rows."""
    from django.db import connection

    from odata.masking import format_phone
    from odata.selectors import search_customers

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email, phone FROM odata_customer WHERE external_id = %s",
            [f"C{CUSTOMERS * 7 // 9:08d}"],
        )
        email, phone = cursor.fetchone()
    middle = f"C{CUSTOMERS // 2:08d}"

    def search(query: str, after: Any = None) -> Callable[[], Any]:
        return lambda: search_customers(query=query, reveal_contact=False, after=after)

    second_page = search_customers(query="김민지", reveal_contact=False).next_after
    paged = [("second page of a common name", "김민지 (after)", search("김민지", second_page))]
    return [
        ("exact customer number", middle, search(middle)),
        ("part of a customer number (10 rows)", middle[:-1], search(middle[:-1])),
        ("common full name", "김민지", search("김민지")),
        ("rare full name", "독고영재", search("독고영재")),
        ("given name, two syllables", "민지", search("민지")),
        ("family name and a syllable", "이서", search("이서")),
        ("part of an e-mail", "minji.kim", search("minji.kim")),
        ("whole e-mail", email, search(email)),
        ("whole phone, as written", format_phone(phone), search(format_phone(phone))),
        ("last four phone digits", phone[-4:], search(phone[-4:])),
        ("a very common e-mail domain", "naver.com", search("naver.com")),
        ("no match", "zqxjv", search("zqxjv")),
        ("empty search: newest customers", "", search("")),
        *(paged if second_page is not None else []),
    ]


def time_ms(call: Callable[[], Any], runs: int) -> tuple[float, int]:
    timings = []
    rows = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        result = call()
        timings.append((time.perf_counter() - t0) * 1000)
        rows = len(result.rows)
    return statistics.median(timings), rows


def measure() -> list[dict[str, Any]]:
    from django.db import connection

    results = []
    for label, query, call in searches():
        call()  # warm the cache: both variants read from memory, not from disk
        ms, rows = time_ms(call, RUNS)
        with connection.cursor() as cursor:
            cursor.execute("SET enable_bitmapscan = off")
            cursor.execute("SET enable_indexscan = off")
        try:
            baseline_ms, baseline_rows = time_ms(call, BASELINE_RUNS)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET enable_bitmapscan")
                cursor.execute("RESET enable_indexscan")
        if rows != baseline_rows:
            raise RuntimeError(f"{label}: {rows} rows with indexes, {baseline_rows} without")
        results.append(
            {
                "search": label,
                "query": query,
                "rows": rows,
                "ms": round(ms, 2),
                "baseline_ms": round(baseline_ms, 2),
            }
        )
        say(f"{label:<36} {rows:>3} rows  {ms:8.2f} ms  (no index {baseline_ms:8.1f} ms)")
    return results


def main() -> int:
    t_start = time.perf_counter()
    with migrated_django("customer_search"):
        load_customers(CUSTOMERS)
        results = measure()
    value = statistics.median(r["ms"] for r in results)
    baseline = statistics.median(r["baseline_ms"] for r in results)
    print(
        json.dumps(
            {
                "bench": "customer_search",
                "value": round(value, 2),
                "unit": "ms",
                "baseline": round(baseline, 2),
                "ratio": round(value / baseline, 4),
                "target": TARGET_MS,
                "ok": value <= TARGET_MS and value < baseline,
                "customers": CUSTOMERS,
                "worst_ms": max(r["ms"] for r in results),
                "runs": RUNS,
                "baseline_runs": BASELINE_RUNS,
                "baseline_method": "SET enable_bitmapscan = off; SET enable_indexscan = off",
                "seconds": round(time.perf_counter() - t_start, 1),
                "searches": results,
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
