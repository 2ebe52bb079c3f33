"""Exports of the explorer's current filter: CSV (UTF-8 with BOM, for Excel) and XLSX.

One row per response or feedback, newest first, with context columns and one column per
question key (headed `q.<key>`). `csat` is the response's CSAT as the analysis counts it
(`xdata.csat`: a survey without a CSAT question counts its first 1-5 rating); `rating` is the
star rating of feedback from another channel. Rows are read in keyset batches
(`explore_all`), so memory holds one batch; the CSV streams, the XLSX is written by
openpyxl's write-only mode into a temporary file.
Every cell that came from a customer, an integration or a file passes through `safe_cell`,
so a spreadsheet never runs it as a formula. Exports stop at `EXPORT_LIMIT` rows, and say so
on their last row. An XLSX is prepared by a `bulk` job (`xdata.services.exports`), which
reports its progress; the CSV is fast enough to stream in the request.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from cxm.csvsafe import safe_cell
from surveys.models import SurveyVersion
from xdata.csat import response_csat_expression
from xdata.models import Answer, Feedback, Response
from xdata.selectors import CSAT_SCORE, RESPONSE, ExplorerFilters, ExplorerRow, explore_all

EXPORT_LIMIT = 100_000
BATCH = 2000
QUESTION_PREFIX = "q."

CONTEXT_COLUMNS = (
    "source",
    "code",
    "time",
    "survey",
    "survey_version",
    "touchpoint",
    "store_code",
    "store",
    "customer_number",
    "order_number",
    "channel",
    "daypart",
    "language",
    "nps",
    "csat",
    "ces",
    "intent",
    "rating",
    "comment",
)


def _versions(filters: ExplorerFilters) -> list[tuple[int, Any]]:
    """(id, question list) of the filtered survey's versions (of every survey when none is
    chosen), in the order they are asked."""
    if not filters.includes(RESPONSE):
        return []
    versions = SurveyVersion.objects.order_by("survey__name", "survey_id", "number")
    if filters.survey is not None:
        versions = versions.filter(survey=filters.survey)
    return list(versions.values_list("pk", "questions"))


def question_keys(versions: list[tuple[int, Any]]) -> list[str]:
    """The question keys of `versions` (see `_versions`) in the order they are asked, each
    once."""
    keys: dict[str, None] = {}
    for _pk, questions in versions:
        for question in questions if isinstance(questions, list) else []:
            if isinstance(question, dict) and question.get("key"):
                keys[str(question["key"])] = None
    return list(keys)


# The columns each batch reads, by `values()`: no model instances, and no JSON field (a
# survey's draft, a version's questions) is read, so none is decoded per row.
_RESPONSE_VALUES = (
    "pk",
    "code",
    "submitted_at",
    "survey__name",
    "version__number",
    "touchpoint__name",
    "store__external_id",
    "store__name",
    "customer__external_id",
    "order__external_id",
    "purchase_channel",
    "daypart",
    "language",
    "nps",
    CSAT_SCORE,
    "ces",
    "intent",
    "comment",
)
_FEEDBACK_VALUES = (
    "pk",
    "code",
    "occurred_at",
    "store__external_id",
    "store__name",
    "customer__external_id",
    "order__external_id",
    "channel",
    "language",
    "rating",
    "text",
)
# An answer: (number, selected, text).
_AnswerValues = tuple[int | None, list[str], str]


def _answer_value(answer: _AnswerValues) -> Any:
    number, selected, text = answer
    if number is not None:
        return number
    if selected:
        return safe_cell("|".join(selected))
    return safe_cell(text)


def _time(moment: datetime) -> datetime:
    """The moment in TIME_ZONE, to the second. CSV writes it as ISO 8601 with the offset
    (2025-06-15T12:00:05+09:00); XLSX as a date cell, which cannot hold an offset, in local
    time, so that Excel can sort, filter and compute with it."""
    return timezone.localtime(moment).replace(microsecond=0)


def _response_cells(
    response: dict[str, Any], answers: dict[str, _AnswerValues], keys: list[str]
) -> list[Any]:
    return [
        "survey",
        str(response["code"]),
        _time(response["submitted_at"]),
        safe_cell(response["survey__name"]),
        response["version__number"],
        safe_cell(response["touchpoint__name"]),
        safe_cell(response["store__external_id"]),
        safe_cell(response["store__name"]),
        safe_cell(response["customer__external_id"]),
        safe_cell(response["order__external_id"]),
        safe_cell(response["purchase_channel"]),
        response["daypart"],
        safe_cell(response["language"]),
        response["nps"],
        response[CSAT_SCORE],
        response["ces"],
        safe_cell(response["intent"]),
        None,
        safe_cell(response["comment"]),
        *(_answer_value(answers[k]) if k in answers else None for k in keys),
    ]


def _feedback_cells(feedback: dict[str, Any], keys: list[str]) -> list[Any]:
    return [
        "feedback",
        str(feedback["code"]),
        _time(feedback["occurred_at"]),
        "",
        None,
        "",
        safe_cell(feedback["store__external_id"]),
        safe_cell(feedback["store__name"]),
        safe_cell(feedback["customer__external_id"]),
        safe_cell(feedback["order__external_id"]),
        safe_cell(feedback["channel"]),
        "",
        safe_cell(feedback["language"]),
        None,
        None,
        None,
        "",
        feedback["rating"],
        safe_cell(feedback["text"]),
        *(None for _ in keys),
    ]


def export_rows(filters: ExplorerFilters) -> Iterator[list[Any]]:
    """The header, then one row per response or feedback, then a note row if cut short."""
    keys = question_keys(_versions(filters))
    csat = response_csat_expression()
    # "q." keeps question keys apart from context columns ("nps", "comment" are both).
    yield [*CONTEXT_COLUMNS, *(safe_cell(f"{QUESTION_PREFIX}{k}") for k in keys)]
    fetched = 0
    for batch in explore_all(filters, limit=EXPORT_LIMIT, batch=BATCH, keys_only=True):
        # explore_all reads one row past the cap, so a cut export can say so.
        keep = batch[: max(EXPORT_LIMIT - fetched, 0)]
        fetched += len(batch)
        yield from _batch_rows(keep, keys, csat)
    if fetched > EXPORT_LIMIT:
        yield [
            _(
                "Stopped at %(limit)s rows: narrow the filter (dates, survey, store) "
                "to export the rest."
            )
            % {"limit": EXPORT_LIMIT}
        ]


def _batch_rows(batch: list[ExplorerRow], keys: list[str], csat: Any) -> Iterator[list[Any]]:
    """The batch's rows in its order: three queries (responses, their answers, feedback), by
    primary key, reading only the columns the export writes."""
    response_ids = [row.subject.pk for row in batch if row.is_response]
    feedback_ids = [row.subject.pk for row in batch if not row.is_response]
    responses = {}
    answers: dict[int, dict[str, _AnswerValues]] = {}
    if response_ids:
        responses = {
            r["pk"]: r
            for r in Response.objects.filter(pk__in=response_ids)
            .annotate(**{CSAT_SCORE: csat})
            .values(*_RESPONSE_VALUES)
        }
        for response_id, key, number, selected, text in Answer.objects.filter(
            response_id__in=response_ids
        ).values_list("response_id", "question_key", "number", "selected", "text"):
            answers.setdefault(response_id, {})[key] = (number, selected, text)
    feedback = {}
    if feedback_ids:
        feedback = {
            f["pk"]: f
            for f in Feedback.objects.filter(pk__in=feedback_ids).values(*_FEEDBACK_VALUES)
        }
    for row in batch:
        if row.is_response:
            yield _response_cells(responses[row.subject.pk], answers.get(row.subject.pk, {}), keys)
        else:
            yield _feedback_cells(feedback[row.subject.pk], keys)


class _Line:
    """A file-like object whose write returns what it was given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_stream(filters: ExplorerFilters) -> Iterator[bytes]:
    """The export as CSV, UTF-8 with a BOM (so Excel reads Korean), line by line."""
    writer = csv.writer(_Line())
    yield "\ufeff".encode()
    for row in export_rows(filters):
        yield writer.writerow([_csv_text(v) for v in row]).encode("utf-8")


def _csv_text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _xlsx_value(value: Any, sheet: Any) -> Any:
    if isinstance(value, str):
        # XLSX cannot hold most control characters; openpyxl refuses them.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = XLSX_TIME_FORMAT
        return cell
    return value


# How often (in rows) `write_xlsx` reports its progress: an export run's page moves about
# once a second at the speed the XLSX is written.
PROGRESS_EVERY = 4000


def write_xlsx(
    filters: ExplorerFilters, handle: IO[bytes], *, progress: Callable[[int], None] | None = None
) -> int:
    """Write the export as an XLSX workbook to `handle`; returns the rows written (header and
    note row not counted). `progress(rows)` is called every `PROGRESS_EVERY` rows and once more
    before the workbook is saved (saving the limit's rows takes seconds: the caller's heartbeat
    must not look lost meanwhile)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Responses"))
    written = -1  # the header
    try:
        for row in export_rows(filters):
            sheet.append([_xlsx_value(v, sheet) for v in row])
            written += 1
            if progress is not None and written and written % PROGRESS_EVERY == 0:
                progress(written)
        if progress is not None:
            progress(min(max(written, 0), EXPORT_LIMIT))
    except BaseException:
        # A stopped export (its run handed on, say) ends the sheet's stream and removes the
        # temporary file openpyxl writes it to; a worker process would keep it until it exits.
        sheet.close()
        sheet._writer.cleanup()
        raise
    workbook.save(handle)
    return min(written, EXPORT_LIMIT)


def xlsx_file(filters: ExplorerFilters) -> IO[bytes]:
    """The export as an XLSX workbook in a temporary file, rewound (deleted when closed)."""
    # Closed (and so deleted) by the caller.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    write_xlsx(filters, handle)
    handle.seek(0)
    return handle
