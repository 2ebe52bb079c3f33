"""The response export (CSV and XLSX) at the demo's size: about 14,000 responses with their
answers and 1,000 reviews.

Creates a throwaway database on the server in DATABASE_URL, migrates it, loads with
`generate_series` 14,000 responses to two store-visit surveys (ten questions each, texts in
Korean and English, as the demo's; two versions per survey), eight answers per response and
1,000 reviews, then writes the unfiltered export as the download views do
(`xdata.exports.csv_stream`, `xdata.exports.xlsx_file`). The baseline, timed in the same run,
is the export's previous batch step: the keyset batches read as plain rows (no CSAT
subquery), then every row read again as model instances with
`select_related` of its survey, version, touchpoint, store, customer and order (so each
survey's draft and each version's question list is decoded once per row) and its answers as
`Answer` instances. Target: the CSV in at most half the baseline's time and under 10 s (the
web server's timeout is 30 s). Drops the database at the end. The last line of output is one
JSON object.

    python bench/response_export.py        # BENCH_RESPONSES=3000 for a quicker run
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from _throwaway import migrated_django  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESPONSES = int(os.environ.get("BENCH_RESPONSES", "14000"))
FEEDBACK = 1000
RUNS = 3
TARGET_RATIO = 0.5
TARGET_SECONDS = 10.0


def say(message: str) -> None:
    print(f"response_export: {message}", file=sys.stderr, flush=True)


def _text(ko: str, en: str) -> dict[str, str]:
    return {"ko": ko, "en": en}


def _options(*pairs: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"value": v, "text": _text(ko, en)} for v, ko, en in pairs]


QUESTIONS: list[dict[str, Any]] = [
    {"key": "visit_rating", "type": "rating", "required": True,
     "text": _text("오늘 매장 방문은 어떠셨나요?", "How was your visit today?")},
    {"key": "nps", "type": "nps", "required": True,
     "text": _text("이 매장을 친구에게 추천하시겠습니까?", "Would you recommend this store?")},
    {"key": "why", "type": "multiple", "required": False,
     "text": _text("그렇게 답하신 이유는 무엇인가요?", "What made you answer so?"),
     "options": _options(("price", "가격", "Price"), ("staff", "직원", "Staff"),
                         ("clean", "청결", "Cleanliness"), ("wait", "대기 시간", "Waiting"),
                         ("stock", "재고", "Stock"), ("parking", "주차", "Parking"))},
    {"key": "staff", "type": "rating", "required": False,
     "text": _text("직원은 친절했나요?", "Were the staff friendly?")},
    {"key": "clean", "type": "rating", "required": False,
     "text": _text("매장은 깨끗했나요?", "Was the store clean?")},
    {"key": "wait", "type": "single", "required": False,
     "text": _text("계산대에서 얼마나 기다리셨나요?", "How long did you wait at the till?"),
     "options": _options(("none", "없음", "Not at all"), ("short", "5분 미만", "Under 5 min"),
                         ("long", "5분 이상", "5 min or more"))},
    {"key": "again", "type": "intent", "required": False,
     "text": _text("다시 방문하시겠습니까?", "Will you come back?")},
    {"key": "comment", "type": "long_text", "required": False,
     "text": _text("하고 싶은 말씀이 있으신가요?", "Anything else you would like to tell us?")},
    {"key": "visit_reason", "type": "single", "required": False,
     "text": _text("방문 목적은 무엇이었나요?", "Why did you visit?"),
     "options": _options(("buy", "구매", "To buy"), ("return", "반품", "A return"),
                         ("browse", "구경", "To look around"))},
    {"key": "contact_ok", "type": "single", "required": False,
     "text": _text("연락을 드려도 될까요?", "May we contact you?"),
     "options": _options(("yes", "예", "Yes"), ("no", "아니요", "No"))},
]  # fmt: skip


def load(count: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from odata.models import Customer, Region, Store
    from surveys.models import Survey, SurveyVersion, Touchpoint
    from surveys.questions import csat_rating_key

    now = timezone.now()

    region = Region.objects.create(code="R1", name="서울")
    stores = [
        Store.objects.create(external_id=f"S{i:03d}", name=f"매장 {i}", region=region)
        for i in range(40)
    ]
    Customer.objects.bulk_create(
        Customer(external_id=f"C{i:06d}", name=f"고객 {i}", created_at=now) for i in range(2000)
    )
    versions = []
    for i in range(2):
        touchpoint = Touchpoint.objects.create(name=f"매장 방문 {i}")
        survey = Survey.objects.create(
            touchpoint=touchpoint, name=f"매장 재방문 의향 {i}", status="published", draft=QUESTIONS
        )
        for number in (1, 2):
            versions.append(
                SurveyVersion.objects.create(
                    survey=survey,
                    number=number,
                    questions=QUESTIONS,
                    csat_rating_key=csat_rating_key(QUESTIONS),
                )
            )
    version_ids = "ARRAY[" + ",".join(str(v.pk) for v in versions) + "]"
    survey_ids = "ARRAY[" + ",".join(str(v.survey_id) for v in versions) + "]"
    touchpoint_ids = "ARRAY[" + ",".join(str(v.survey.touchpoint_id) for v in versions) + "]"
    first_store = stores[0].pk
    first_customer = Customer.objects.order_by("pk").values_list("pk", flat=True)[0]
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        # Only this file's constants and integers are formatted into the SQL.
        cursor.execute(
            f"""
            INSERT INTO xdata_response (code, survey_id, version_id, touchpoint_id, store_id,
                customer_id, language, submitted_at, nps, intent, comment, purchase_channel,
                daypart)
            SELECT gen_random_uuid(), ({survey_ids})[1 + i % 4], ({version_ids})[1 + i % 4],
                   ({touchpoint_ids})[1 + i % 4], {first_store} + (i % 40),
                   {first_customer} + (i % 2000),
                   CASE WHEN i % 10 = 0 THEN 'en' ELSE 'ko' END,
                   now() - make_interval(secs => i * 600),
                   floor(random() * 11)::int, (ARRAY['yes', 'no', 'unsure'])[1 + i % 3],
                   CASE WHEN i % 3 = 0 THEN '직원이 친절했어요. 다음에 또 올게요.' ELSE '' END,
                   'store', (ARRAY['morning', 'afternoon', 'evening'])[1 + i % 3]
            FROM generate_series(1, {count}) AS i
            """  # noqa: S608
        )
        cursor.execute(
            """
            INSERT INTO xdata_answer (response_id, question_key, number, text, selected)
            SELECT r.id, q.key,
                   CASE WHEN q.key = 'nps' THEN r.nps
                        WHEN q.key IN ('visit_rating', 'staff', 'clean')
                        THEN 1 + floor(random() * 5)::int END,
                   CASE WHEN q.key = 'comment' THEN r.comment ELSE '' END,
                   CASE q.key WHEN 'why' THEN ARRAY['price', 'staff']
                              WHEN 'wait' THEN ARRAY['short']
                              WHEN 'again' THEN ARRAY[r.intent]
                              WHEN 'visit_reason' THEN ARRAY['buy']
                              ELSE ARRAY[]::varchar[] END
            FROM xdata_response r
            CROSS JOIN unnest(ARRAY['visit_rating', 'nps', 'why', 'staff', 'clean', 'wait',
                                    'again', 'visit_reason']) AS q(key)
            """
        )
        cursor.execute(
            f"""
            INSERT INTO xdata_feedback (code, channel, external_id, store_id, rating, text,
                occurred_at, language, received_at)
            SELECT gen_random_uuid(), 'naver', 'N' || i, {first_store} + (i % 40),
                   1 + floor(random() * 5)::int, '배송이 늦었어요',
                   now() - make_interval(secs => i * 3000), 'ko', now()
            FROM generate_series(1, {FEEDBACK}) AS i
            """  # noqa: S608
        )
        for table in ("xdata_response", "xdata_answer", "xdata_feedback"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    seconds = time.perf_counter() - t0
    say(f"{count} responses, their answers and {FEEDBACK} reviews in {seconds:.1f} s")


def baseline_batches(filters: Any, *, limit: int, batch: int) -> Iterator[list[Any]]:
    """The rows' keyset batches as the export read them before: the plain responses and
    feedback with `select_related` and no CSAT subquery, merged newest first."""
    from xdata.selectors import (
        FEEDBACK,
        RESPONSE,
        Cursor,
        ExplorerRow,
        matching_feedback,
        matching_responses,
    )

    after = None
    left = limit + 1
    while left > 0:
        size = min(batch, left)
        rows: list[Any] = []
        if filters.includes(RESPONSE):
            responses = matching_responses(filters).select_related(
                "survey", "touchpoint", "store", "customer"
            )
            if after is not None:
                responses = responses.filter(after.older_than(kind=RESPONSE, at="submitted_at"))
            rows += [
                ExplorerRow(RESPONSE, r.submitted_at, r.code, r, r.comment)
                for r in responses.order_by("-submitted_at", "-code")[: size + 1]
            ]
        if filters.includes(FEEDBACK):
            feedback = matching_feedback(filters).select_related("store", "customer")
            if after is not None:
                feedback = feedback.filter(after.older_than(kind=FEEDBACK, at="occurred_at"))
            rows += [
                ExplorerRow(FEEDBACK, f.occurred_at, f.code, f, f.text)
                for f in feedback.order_by("-occurred_at", "-code")[: size + 1]
            ]
        rows.sort(key=lambda r: (r.at, r.kind, r.code), reverse=True)
        shown = rows[:size]
        if shown:
            yield shown
        left -= len(shown)
        if len(rows) <= size:
            return
        after = Cursor(at=shown[-1].at, kind=shown[-1].kind, code=shown[-1].code)


def baseline_rows(filters: Any) -> Iterator[list[Any]]:
    """The export's rows as its batch step read them before: model instances with
    `select_related` (each survey's draft and version's questions decoded per row)."""
    from xdata import exports
    from xdata.models import Answer, Feedback, Response

    keys = exports.question_keys(exports._versions(filters))
    yield [*exports.CONTEXT_COLUMNS, *(f"q.{k}" for k in keys)]
    for batch in baseline_batches(filters, limit=exports.EXPORT_LIMIT, batch=exports.BATCH):
        response_ids = [row.subject.pk for row in batch if row.is_response]
        responses = {
            r.pk: r
            for r in Response.objects.filter(pk__in=response_ids).select_related(
                "survey", "version", "touchpoint", "store", "customer", "order"
            )
        }
        feedback = {
            f.pk: f
            for f in Feedback.objects.filter(
                pk__in=[row.subject.pk for row in batch if not row.is_response]
            ).select_related("store", "customer", "order")
        }
        answers: dict[int, dict[str, Any]] = {}
        for answer in Answer.objects.filter(response_id__in=response_ids):
            answers.setdefault(answer.response_id, {})[answer.question_key] = answer
        for row in batch:
            if row.is_response:
                yield _baseline_response(
                    responses[row.subject.pk], answers.get(row.subject.pk, {}), keys
                )
            else:
                f = feedback[row.subject.pk]
                yield [f.code, f.occurred_at, f.store and f.store.name, f.rating, f.text]


def _baseline_response(r: Any, answers: dict[str, Any], keys: list[str]) -> list[Any]:
    from cxm.csvsafe import safe_cell

    def value(a: Any) -> Any:
        if a.number is not None:
            return a.number
        return safe_cell("|".join(a.selected)) if a.selected else safe_cell(a.text)

    return [
        "survey", str(r.code), r.submitted_at, safe_cell(r.survey.name), r.version.number,
        safe_cell(r.touchpoint.name), safe_cell(r.store.external_id) if r.store else "",
        safe_cell(r.store.name) if r.store else "",
        safe_cell(r.customer.external_id) if r.customer else "",
        safe_cell(r.order.external_id) if r.order else "", r.purchase_channel, r.daypart,
        r.language, r.nps, r.csat, r.ces, r.intent, None, safe_cell(r.comment),
        *(value(answers[k]) if k in answers else None for k in keys),
    ]  # fmt: skip


def _csv_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return value


def baseline_csv(filters: Any) -> int:
    import csv

    from xdata.exports import _Line

    writer = csv.writer(_Line())
    size = 0
    for row in baseline_rows(filters):
        size += len(writer.writerow([_csv_text(v) for v in row]).encode())
    return size


def new_csv(filters: Any) -> int:
    from xdata.exports import csv_stream

    return sum(len(chunk) for chunk in csv_stream(filters))


def new_xlsx(filters: Any) -> int:
    from xdata.exports import xlsx_file

    with xlsx_file(filters) as handle:
        return len(handle.read())


def time_s(call: Callable[[], int], runs: int) -> tuple[float, int]:
    timings, size = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        size = call()
        timings.append(time.perf_counter() - t0)
    return statistics.median(timings), size


def queries_per_batch(filters: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xdata import exports

    with CaptureQueriesContext(connection) as queries:
        for _row in exports.export_rows(filters):
            pass
    batches = -(-(RESPONSES + FEEDBACK) // exports.BATCH)
    return round(len(queries.captured_queries) / batches)


def main() -> int:
    t_start = time.perf_counter()
    with migrated_django("response_export"):
        load(RESPONSES)
        from xdata.selectors import ExplorerFilters

        filters = ExplorerFilters()
        new_csv(filters)  # warm the cache: both variants read from memory
        csv_s, csv_bytes = time_s(lambda: new_csv(filters), RUNS)
        say(f"CSV {csv_s:.2f} s ({csv_bytes} bytes)")
        base_s, _size = time_s(lambda: baseline_csv(filters), RUNS)
        say(f"baseline (instances per row) {base_s:.2f} s")
        xlsx_s, xlsx_bytes = time_s(lambda: new_xlsx(filters), 1)
        say(f"XLSX {xlsx_s:.2f} s ({xlsx_bytes} bytes)")
        per_batch = queries_per_batch(filters)
    ratio = csv_s / base_s if base_s else None
    print(
        json.dumps(
            {
                "bench": "response_export",
                "value": round(csv_s, 3),
                "unit": "s",
                "baseline": round(base_s, 3),
                "ratio": round(ratio, 4) if ratio is not None else None,
                "target": TARGET_RATIO,
                "ok": ratio is not None and ratio <= TARGET_RATIO and csv_s <= TARGET_SECONDS,
                "responses": RESPONSES,
                "feedback": FEEDBACK,
                "answers_per_response": 8,
                "xlsx_s": round(xlsx_s, 3),
                "csv_bytes": csv_bytes,
                "xlsx_bytes": xlsx_bytes,
                "queries_per_batch": per_batch,
                "runs": RUNS,
                "baseline_method": "the previous batch step: plain keyset batches (no CSAT "
                "subquery), then select_related model instances (survey, version, touchpoint, "
                "store, customer, order) and Answer instances per row, written as CSV",
                "target_seconds": TARGET_SECONDS,
                "seconds": round(time.perf_counter() - t_start, 1),
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
