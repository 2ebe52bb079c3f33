"""Exports of the explorer's current filter: CSV (UTF-8 with BOM, for Excel) and XLSX.

One row per response or feedback, newest first, with context columns and one column per
question key. The CSV is for scripts: machine column names (`q.<key>` for a question) and codes
(`naver_review`, `morning`, `yes`). The XLSX is for people: its header and its codes are in the
reader's words (question texts, channel names, option texts), its header row is frozen and
filterable, and a second sheet gives each column's machine name. `csat` is the response's
CSAT as the analysis counts it (`xdata.csat`: a survey without a CSAT question counts its first
1-5 rating); `rating` is the star rating of feedback from another channel. Rows are read in
keyset batches (`explore_all`), so memory holds one batch; the CSV streams, the XLSX is written
by openpyxl's write-only mode into a temporary file.
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
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from cxm.csvsafe import safe_cell
from surveys.models import Daypart, SurveyVersion
from surveys.questions import INTENT_LABELS, text_language
from xdata.csat import response_csat_expression
from xdata.models import Answer, Feedback, Response
from xdata.selectors import (
    CSAT_SCORE,
    RESPONSE,
    ExplorerFilters,
    ExplorerRow,
    explore_all,
    feedback_channel_label,
    language_name,
    localized,
    purchase_channel_label,
)

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
# The context columns' headers in the XLSX, for people.
CONTEXT_LABELS = {
    "source": gettext_lazy("Source"),
    "code": gettext_lazy("Code"),
    "time": gettext_lazy("Time"),
    "survey": gettext_lazy("Survey"),
    "survey_version": gettext_lazy("Survey version"),
    "touchpoint": gettext_lazy("Touchpoint"),
    "store_code": gettext_lazy("Store code"),
    "store": gettext_lazy("Store"),
    "customer_number": gettext_lazy("Customer number"),
    "order_number": gettext_lazy("Order number"),
    "channel": gettext_lazy("Channel"),
    "daypart": gettext_lazy("Time of day"),
    "language": gettext_lazy("Language"),
    "nps": gettext_lazy("NPS (0-10)"),
    "csat": gettext_lazy("CSAT (1-5)"),
    "ces": gettext_lazy("CES (1-7)"),
    "intent": gettext_lazy("Intent"),
    "rating": gettext_lazy("Review rating (1-5)"),
    "comment": gettext_lazy("Comment or text"),
}
SOURCE_LABELS = {"survey": gettext_lazy("Survey"), "feedback": gettext_lazy("Other channel")}


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


def _latest_questions(versions: list[tuple[int, Any]]) -> dict[str, dict[str, Any]]:
    """Each question key's question as its latest version of `versions` words it."""
    questions: dict[str, dict[str, Any]] = {}
    for _pk, version_questions in versions:
        for question in version_questions if isinstance(version_questions, list) else []:
            if isinstance(question, dict) and question.get("key"):
                questions[str(question["key"])] = question
    return questions


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


class _Codes:
    """Cells that hold a code, written as the code: the CSV's way, for scripts."""

    def header(self, keys: list[str]) -> list[str]:
        # "q." keeps question keys apart from context columns ("nps", "comment" are both).
        return [*CONTEXT_COLUMNS, *(safe_cell(f"{QUESTION_PREFIX}{k}") for k in keys)]

    def source(self, value: str) -> str:
        return value

    def purchase_channel(self, value: str) -> Any:
        return safe_cell(value)

    def feedback_channel(self, value: str) -> Any:
        return safe_cell(value)

    def daypart(self, value: str) -> str:
        return value

    def language(self, value: str) -> Any:
        return safe_cell(value)

    def intent(self, value: str) -> Any:
        return safe_cell(value)

    def answer(self, key: str, answer: _AnswerValues) -> Any:
        number, selected, text = answer
        if number is not None:
            return number
        if selected:
            return safe_cell("|".join(selected))
        return safe_cell(text)


class _Words(_Codes):
    """The same cells in the reader's words (the active language): the XLSX's way, for people.
    Choices read as their option texts, as the latest version of the survey words them;
    intent answers as 예 / 아니요 / 잘 모르겠어요. Labels are looked up once per export."""

    def __init__(self, questions: dict[str, dict[str, Any]]) -> None:
        self.questions = questions
        language = text_language()
        self.sources = {k: str(v) for k, v in SOURCE_LABELS.items()}
        self.dayparts = {str(v): str(label) for v, label in Daypart.choices}
        self.intents = {k: str(v) for k, v in INTENT_LABELS.items()}
        self.options = {
            key: {
                str(option.get("value")): localized(option.get("text"), language)
                for option in question.get("options") or []
                if isinstance(option, dict)
            }
            for key, question in questions.items()
        }
        self.intent_keys = {k for k, q in questions.items() if q.get("type") == "intent"}
        self.texts = {k: localized(q.get("text"), language) for k, q in questions.items()}
        self.cache: dict[tuple[str, str], Any] = {}

    def header(self, keys: list[str]) -> list[str]:
        headers = [str(CONTEXT_LABELS[c]) for c in CONTEXT_COLUMNS]
        texts = [" ".join(self.texts.get(k, "").split()) or k for k in keys]
        seen = set(headers)
        for key, text in zip(keys, texts, strict=True):
            # Two questions worded alike (two versions' "의견", say) are told apart by key.
            headers.append(safe_cell(text if text not in seen else f"{text} ({key})"))
            seen.add(text)
        return headers

    def _label(self, kind: str, value: str, name: Callable[[str], str]) -> Any:
        if (kind, value) not in self.cache:
            self.cache[(kind, value)] = safe_cell(name(value))
        return self.cache[(kind, value)]

    def source(self, value: str) -> str:
        return self.sources.get(value, value)

    def purchase_channel(self, value: str) -> Any:
        return self._label("purchase", value, purchase_channel_label) if value else value

    def feedback_channel(self, value: str) -> Any:
        return self._label("feedback", value, feedback_channel_label) if value else value

    def daypart(self, value: str) -> str:
        return self.dayparts.get(value, value)

    def language(self, value: str) -> Any:
        return self._label("language", value, language_name) if value else value

    def intent(self, value: str) -> Any:
        return self.intents.get(value) or safe_cell(value)

    def answer(self, key: str, answer: _AnswerValues) -> Any:
        number, selected, text = answer
        if number is not None:
            return number
        if key in self.intent_keys:
            # Recorded in `selected`; an older row may hold the word in `text`.
            selected = selected or ([text] if text else [])
            return safe_cell(", ".join(self.intents.get(v) or v for v in selected))
        if selected:
            options = self.options.get(key, {})
            return safe_cell(", ".join(options.get(v) or v for v in selected))
        return safe_cell(text)


def _time(moment: datetime) -> datetime:
    """The moment in TIME_ZONE, to the second. CSV writes it as ISO 8601 with the offset
    (2025-06-15T12:00:05+09:00); XLSX as a date cell, which cannot hold an offset, in local
    time, so that Excel can sort, filter and compute with it."""
    return timezone.localtime(moment).replace(microsecond=0)


def _response_cells(
    response: dict[str, Any], answers: dict[str, _AnswerValues], keys: list[str], codes: _Codes
) -> list[Any]:
    return [
        codes.source("survey"),
        str(response["code"]),
        _time(response["submitted_at"]),
        safe_cell(response["survey__name"]),
        response["version__number"],
        safe_cell(response["touchpoint__name"]),
        safe_cell(response["store__external_id"]),
        safe_cell(response["store__name"]),
        safe_cell(response["customer__external_id"]),
        safe_cell(response["order__external_id"]),
        codes.purchase_channel(response["purchase_channel"]),
        codes.daypart(response["daypart"]),
        codes.language(response["language"]),
        response["nps"],
        response[CSAT_SCORE],
        response["ces"],
        codes.intent(response["intent"]),
        None,
        safe_cell(response["comment"]),
        *(codes.answer(k, answers[k]) if k in answers else None for k in keys),
    ]


def _feedback_cells(feedback: dict[str, Any], keys: list[str], codes: _Codes) -> list[Any]:
    return [
        codes.source("feedback"),
        str(feedback["code"]),
        _time(feedback["occurred_at"]),
        "",
        None,
        "",
        safe_cell(feedback["store__external_id"]),
        safe_cell(feedback["store__name"]),
        safe_cell(feedback["customer__external_id"]),
        safe_cell(feedback["order__external_id"]),
        codes.feedback_channel(feedback["channel"]),
        "",
        codes.language(feedback["language"]),
        None,
        None,
        None,
        "",
        feedback["rating"],
        safe_cell(feedback["text"]),
        *(None for _ in keys),
    ]


def export_rows(filters: ExplorerFilters) -> Iterator[list[Any]]:
    """The CSV's rows: the header, then one row per response or feedback, then a note row if
    cut short; machine names and codes (see the module's docstring)."""
    return _rows(filters, question_keys(_versions(filters)), _Codes())


def _rows(filters: ExplorerFilters, keys: list[str], codes: _Codes) -> Iterator[list[Any]]:
    csat = response_csat_expression()
    yield codes.header(keys)
    fetched = 0
    for batch in explore_all(filters, limit=EXPORT_LIMIT, batch=BATCH, keys_only=True):
        # explore_all reads one row past the cap, so a cut export can say so.
        keep = batch[: max(EXPORT_LIMIT - fetched, 0)]
        fetched += len(batch)
        yield from _batch_rows(keep, keys, csat, codes)
    if fetched > EXPORT_LIMIT:
        yield [
            _(
                "Stopped at %(limit)s rows: narrow the filter (dates, survey, store) "
                "to export the rest."
            )
            % {"limit": EXPORT_LIMIT}
        ]


def _batch_rows(
    batch: list[ExplorerRow], keys: list[str], csat: Any, codes: _Codes
) -> Iterator[list[Any]]:
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
            yield _response_cells(
                responses[row.subject.pk], answers.get(row.subject.pk, {}), keys, codes
            )
        else:
            yield _feedback_cells(feedback[row.subject.pk], keys, codes)


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


# Column widths (in characters) of the XLSX's context columns; question columns get
# `QUESTION_WIDTH`. Set before the first row: a write-only sheet writes them at its top.
COLUMN_WIDTHS = {"code": 12, "time": 20, "survey": 20, "touchpoint": 16, "store": 14, "comment": 60}
QUESTION_WIDTH = 18


def _prepare_sheet(sheet: Any, header: list[Any]) -> None:
    """Widths, a frozen header row; called before the first row is written."""
    for index, name in enumerate(CONTEXT_COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTHS.get(name, 12)
    for index in range(len(CONTEXT_COLUMNS) + 1, len(header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = QUESTION_WIDTH
    sheet.freeze_panes = "A2"


def _column_guide(workbook: Workbook, header: list[Any], machine: list[str]) -> None:
    """A second sheet: each column's letter, its header and its name in the CSV export, so a
    script written against the CSV can be pointed at the workbook."""
    guide = workbook.create_sheet(_("Columns"))
    guide.column_dimensions["A"].width = 8
    guide.column_dimensions["B"].width = 40
    guide.column_dimensions["C"].width = 24
    guide.append([_("Column"), _("Header"), _("Name in the CSV export")])
    for index, (label, name) in enumerate(zip(header, machine, strict=True), 1):
        guide.append([get_column_letter(index), _xlsx_value(label, guide), name])


def write_xlsx(
    filters: ExplorerFilters, handle: IO[bytes], *, progress: Callable[[int], None] | None = None
) -> int:
    """Write the export as an XLSX workbook to `handle`, in the active language's words (see
    the module's docstring); returns the rows written (header and note row not counted).
    `progress(rows)` is called every `PROGRESS_EVERY` rows and once more before the workbook is
    saved (saving the limit's rows takes seconds: the caller's heartbeat must not look lost
    meanwhile)."""
    versions = _versions(filters)
    keys = question_keys(versions)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Responses"))
    rows = _rows(filters, keys, _Words(_latest_questions(versions)))
    header = next(rows)
    _prepare_sheet(sheet, header)
    sheet.append([_xlsx_value(v, sheet) for v in header])
    written = 0  # the note row that ends a cut export counts, and is cut off below
    try:
        for row in rows:
            sheet.append([_xlsx_value(v, sheet) for v in row])
            written += 1
            if progress is not None and written % PROGRESS_EVERY == 0:
                progress(written)
        written = min(written, EXPORT_LIMIT)
        # The filter covers the header and the data rows, not a cut export's note row.
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{written + 1}"
        if progress is not None:
            progress(written)
    except BaseException:
        # A stopped export (its run handed on, say) ends the sheet's stream and removes the
        # temporary file openpyxl writes it to; a worker process would keep it until it exits.
        sheet.close()
        sheet._writer.cleanup()
        raise
    _column_guide(workbook, header, _Codes().header(keys))
    workbook.save(handle)
    return written


def xlsx_file(filters: ExplorerFilters) -> IO[bytes]:
    """The export as an XLSX workbook in a temporary file, rewound (deleted when closed)."""
    # Closed (and so deleted) by the caller.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    write_xlsx(filters, handle)
    handle.seek(0)
    return handle
