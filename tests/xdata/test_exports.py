"""Exports of the explorer's filter: CSV with BOM and XLSX, one row per response with a column
per question key, formula protection and escaping of customers' text, the row cap, access."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from cxm.models import User
from tests.conftest import client_for
from tests.odata.test_customer_360 import CustomerFactory, StoreFactory
from tests.xdata.test_explorer import T0, XSS, make_feedback, make_response, published
from xdata.exports import export_rows
from xdata.jobs import export_responses
from xdata.models import ExportRun, Feedback
from xdata.selectors import ExplorerFilters

SEOUL = ZoneInfo("Asia/Seoul")

pytestmark = pytest.mark.django_db

CSV = "/xdata/responses/export.csv"
XLSX = "/xdata/responses/export.xlsx"
FORMULAS = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def csv_rows(client: Client, query: str = "") -> list[list[str]]:
    response = client.get(CSV + ("?" + query if query else ""))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def xlsx_download(client: Client, query: str = "") -> bytes:
    """The XLSX as a person gets it: the page, "Prepare the file", the job (run here, as a
    worker would), the download."""
    url = XLSX + ("?" + query if query else "")
    assert client.get(url).status_code == 200
    started = client.post(url)
    assert started.status_code == 302
    run = ExportRun.objects.get(code=started["Location"].rstrip("/").rsplit("/", 1)[-1])
    export_responses(run.pk)
    response = client.get(f"/xdata/exports/{run.code}/file")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def workbook_rows(workbook: Any) -> list[list[Any]]:
    """The workbook's rows with its header in the CSV's machine names, as its second sheet
    (the column guide) gives them, so one assertion can read both formats by column name."""
    sheet, guide = workbook.worksheets
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    names = [name for _letter, _label, name in list(guide.iter_rows(values_only=True))[1:]]
    assert len(names) == len(rows[0])
    return [names, *rows[1:]]


def xlsx_rows(client: Client, query: str = "") -> list[list[Any]]:
    return workbook_rows(load_workbook(io.BytesIO(xlsx_download(client, query)), read_only=True))


def by_header(rows: list[list[Any]]) -> list[dict[str, Any]]:
    header = rows[0]
    # XLSX rows end at their last non-empty cell.
    return [
        dict(zip(header, row + [None] * (len(header) - len(row)), strict=True)) for row in rows[1:]
    ]


def test_outsider_is_refused(outsider: User) -> None:
    assert client_for(outsider).get(CSV).status_code == 403
    assert client_for(outsider).get(XLSX).status_code == 403


def test_one_row_per_response_with_a_column_per_question(agent: User) -> None:
    version = published()
    customer, store = CustomerFactory(external_id="C-1"), StoreFactory(external_id="S-1")
    make_response(
        version,
        nps=10,
        comment="좋아요",
        answers={"why": ["price", "staff"], "again": "yes"},
        customer=customer,
        store=store,
    )
    make_feedback(at=T0 - timedelta(hours=1), rating=2, text="별로", channel="naver")
    # The XLSX has the same columns, in people's words (tests/xdata/test_export_xlsx_words.py).
    for rows in (csv_rows(client_for(agent)), xlsx_rows(client_for(agent))):
        header = rows[0]
        assert header[:3] == ["source", "code", "time"]
        assert header[-4:] == ["q.nps", "q.why", "q.again", "q.comment"]
        response, feedback = by_header(rows)
        assert str(response["nps"]) == "10"
        assert response["customer_number"] == "C-1" and response["store_code"] == "S-1"
        assert str(feedback["rating"]) == "2" and feedback["comment"] == "별로"
    response, feedback = by_header(csv_rows(client_for(agent)))
    assert response["source"] == "survey" and feedback["source"] == "feedback"
    assert response["q.why"] == "price|staff" and response["q.again"] == "yes"
    assert feedback["channel"] == "naver"


def test_exports_follow_the_filter(agent: User) -> None:
    first, second = published(), published()
    make_response(first, comment="first")
    make_response(second, comment="second")
    make_feedback()
    rows = by_header(csv_rows(client_for(agent), f"survey={first.survey.code}"))
    assert [r["comment"] for r in rows] == ["first"]
    rows = by_header(xlsx_rows(client_for(agent), "source=feedback"))
    assert [r["code"] for r in rows] == [str(Feedback.objects.get().code)]


@pytest.mark.parametrize("payload", FORMULAS)
def test_formulas_are_neutralised_in_both_formats(agent: User, payload: str) -> None:
    make_response(comment=payload, answers={"again": payload})
    make_feedback(text=payload, channel=payload)
    for rows in (csv_rows(client_for(agent)), xlsx_rows(client_for(agent))):
        for row in by_header(rows):
            for name in ("comment", "channel", "q.again"):
                value = row[name]
                if value:
                    assert value.startswith("'"), (name, value)


def test_xss_payloads_are_kept_as_plain_text(agent: User) -> None:
    make_response(comment=XSS)
    make_feedback(text=XSS + "\x07")
    csv_data = by_header(csv_rows(client_for(agent)))
    assert {r["comment"] for r in csv_data} == {XSS, XSS + "\x07"}
    xlsx_data = by_header(xlsx_rows(client_for(agent)))
    # XLSX cannot hold control characters; the text is otherwise as the customer wrote it.
    assert {r["comment"] for r in xlsx_data} == {XSS}


def test_exports_stop_at_the_cap_and_say_so(agent: User, monkeypatch: Any) -> None:
    monkeypatch.setattr("xdata.exports.EXPORT_LIMIT", 3)
    version = published()
    for minute in range(5):
        make_response(version, at=T0 - timedelta(minutes=minute))
    for rows in (csv_rows(client_for(agent)), xlsx_rows(client_for(agent))):
        assert len(rows) == 1 + 3 + 1
        assert "3" in str(rows[-1][0])
    monkeypatch.setattr("xdata.exports.EXPORT_LIMIT", 5)
    rows = csv_rows(client_for(agent))
    assert len(rows) == 1 + 5  # exactly at the cap: no note


def test_export_reads_in_batches(agent: User, monkeypatch: Any) -> None:
    monkeypatch.setattr("xdata.exports.BATCH", 2)
    version = published()
    made = {str(make_response(version, at=T0 - timedelta(minutes=m)).code) for m in range(7)}
    rows = by_header(csv_rows(client_for(agent)))
    assert {r["code"] for r in rows} == made and len(rows) == 7


def _export_queries() -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        rows = list(export_rows(ExplorerFilters()))
    assert len(rows) > 1
    return [q["sql"] for q in queries.captured_queries]


def test_export_reads_only_what_it_writes_and_queries_do_not_grow_with_rows() -> None:
    version, store, customer = published(), StoreFactory(), CustomerFactory()
    make_response(version, store=store, customer=customer, answers={"why": ["price"]})
    make_feedback(store=store, customer=customer)
    few = _export_queries()
    for minute in range(30):
        at = T0 - timedelta(minutes=minute + 1)
        make_response(version, at=at, store=store, customer=customer, answers={"again": "yes"})
        make_feedback(at=at, store=store, customer=customer)
    many = _export_queries()
    # One batch either way: question keys, two keyset reads, responses, answers, feedback.
    assert len(many) == len(few) == 6
    # The surveys' JSON (a draft, a version's questions) is read once, for the question keys,
    # not again with every row.
    json_reads = [sql for sql in many if '"draft"' in sql or '"questions"' in sql]
    assert len(json_reads) == 1 and "surveys_surveyversion" in json_reads[0]


def test_times_are_to_the_second_in_local_time_iso_with_the_offset_in_csv(agent: User) -> None:
    make_response(at=T0 + timedelta(seconds=5, microseconds=123456))
    # Stored in UTC; written in TIME_ZONE (Asia/Seoul), in CSV with its offset.
    make_feedback(at=datetime(2025, 6, 15, 1, 30, 7, 999999, tzinfo=UTC))
    times = [row["time"] for row in by_header(csv_rows(client_for(agent)))]
    assert times == ["2025-06-15T12:00:05+09:00", "2025-06-15T10:30:07+09:00"]
    # XLSX date cells cannot hold an offset: local time, as dates Excel can sort and compute.
    times = [row["time"] for row in by_header(xlsx_rows(client_for(agent)))]
    local = [
        datetime(2025, 6, 15, 12, 0, 5, tzinfo=SEOUL),
        datetime(2025, 6, 15, 10, 30, 7, tzinfo=SEOUL),
    ]
    assert times == [moment.replace(tzinfo=None) for moment in local]
    raw = xlsx_download(client_for(agent))
    sheet = load_workbook(io.BytesIO(raw)).worksheets[0]
    assert sheet.cell(row=2, column=3).number_format == "yyyy-mm-dd hh:mm:ss"
