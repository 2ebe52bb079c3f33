"""Feedback from other channels (reviews, social posts, call-centre notes): the API's
`receive_feedback` and the file importer `import_feedback_file`.

Idempotent by (channel, external id), the unique `feedback_once` constraint: posting or
importing the same feedback again changes nothing ("duplicate" / "unchanged"); the same id with
different values updates the row ("updated"), because reviews are edited at their source and
the latest text is the one to read. References (customer, order, store) are external ids of
existing records; an unknown one is refused, never created.
"""

from __future__ import annotations

import csv
import time as clock
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jsonschema import Draft202012Validator

from cxm import dates
from cxm.csvsafe import safe_cell
from odata.api_schema import INSTANT
from odata.importing.reader import (
    FileInfo,
    FileProblem,
    inspect_file,
    refuse_uncached_formulas,
    xlsx_rows,
)
from odata.importing.spec import REASONS, Field, KindSpec, match_headers
from odata.models import Customer, IntegrationToken, Order, Store
from odata.services.events import FORMATS, EventError, EventRejected, schema_errors
from xdata.models import Feedback

CHANNEL_MAX = 64
EXTERNAL_ID_MAX = 128
TEXT_MAX = 20_000
LANGUAGES = ("ko", "en")
BATCH = 500

_REF: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 64}

# A feedback item says something: a text that is not only blank, a rating, or both.
TEXT_OR_RATING: list[dict[str, Any]] = [
    {"required": ["text"], "properties": {"text": {"type": "string", "pattern": "\\S"}}},
    {"required": ["rating"], "properties": {"rating": {"type": "integer"}}},
]

FEEDBACK_SCHEMA: dict[str, Any] = {
    "title": "Feedback",
    "description": "A text (not only blank), a rating, or both are required.",
    "type": "object",
    "additionalProperties": False,
    "required": ["channel", "external_id", "occurred_at"],
    "properties": {
        "channel": {"type": "string", "minLength": 1, "maxLength": CHANNEL_MAX},
        "external_id": {"type": "string", "minLength": 1, "maxLength": EXTERNAL_ID_MAX},
        "customer_id": {**_REF, "description": "External id of an existing customer."},
        "order_id": {**_REF, "description": "External id of an existing order."},
        "store_id": {**_REF, "description": "External id (store code) of an existing store."},
        "rating": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
        "text": {"type": "string", "maxLength": TEXT_MAX},
        "occurred_at": INSTANT,
        "language": {"type": "string", "enum": [*LANGUAGES, ""]},
    },
    "anyOf": TEXT_OR_RATING,
}
# The fields are checked without `anyOf`, whose failure jsonschema can only word for the whole
# body; `validate_feedback` checks it on its own, with a message at `text`.
_VALIDATOR = Draft202012Validator(
    {key: value for key, value in FEEDBACK_SCHEMA.items() if key != "anyOf"},
    format_checker=FORMATS,
)
_SAYS_SOMETHING = Draft202012Validator({"anyOf": TEXT_OR_RATING})

# The columns a feedback file may have; headers are matched as in import_odata.
FEEDBACK_SPEC = KindSpec(
    kind="feedback",
    table="xdata_feedback",
    fields=(
        Field("channel", "text", gettext_lazy("channel"), False, ("source", "채널", "출처")),
        Field(
            "external_id",
            "text",
            gettext_lazy("external id"),
            True,
            ("id", "review_id", "feedback_id", "번호", "리뷰번호", "리뷰id", "접수번호"),
        ),
        Field("customer_id", "ref", gettext_lazy("customer number"), False,
              ("customer", "고객번호", "고객id", "회원번호")),
        Field("order_id", "ref", gettext_lazy("order number"), False, ("order", "주문번호")),
        Field("store_id", "ref", gettext_lazy("store code"), False,
              ("store", "store_code", "매장코드", "매장", "점포코드")),
        Field("rating", "int", gettext_lazy("rating"), False,
              ("score", "stars", "평점", "별점", "점수")),
        Field("text", "text", gettext_lazy("text"), False,
              ("comment", "review", "content", "body", "내용", "리뷰", "본문", "의견")),
        Field("occurred_at", "timestamp", gettext_lazy("time"), True,
              ("date", "time", "created_at", "written_at", "작성일시", "작성일", "일시", "날짜")),
        Field("language", "text", gettext_lazy("language"), False, ("lang", "언어")),
    ),
    insert_defaults={},
)  # fmt: skip
FIELD_NAMES = tuple(f.name for f in FEEDBACK_SPEC.fields)


@dataclass(frozen=True)
class FeedbackValues:
    """One feedback's values, references resolved to rows."""

    channel: str
    external_id: str
    customer: Customer | None
    order: Order | None
    store: Store | None
    rating: int | None
    text: str
    occurred_at: datetime
    language: str

    def columns(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "order": self.order,
            "store": self.store,
            "rating": self.rating,
            "text": self.text,
            "occurred_at": self.occurred_at,
            "language": self.language,
        }

    def same_as(self, row: Feedback) -> bool:
        return (
            row.customer_id == (self.customer.pk if self.customer else None)
            and row.order_id == (self.order.pk if self.order else None)
            and row.store_id == (self.store.pk if self.store else None)
            and row.rating == self.rating
            and row.text == self.text
            and row.occurred_at == self.occurred_at
            and row.language == self.language
        )


# -- The API -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackOutcome:
    status: str  # "created", "updated" or "duplicate"
    feedback: Feedback

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "code": str(self.feedback.code),
            "channel": self.feedback.channel,
            "external_id": self.feedback.external_id,
        }


def validate_feedback(payload: Any) -> list[EventError]:
    """Schema errors of a posted feedback body, each at its field's path. Pure."""
    errors = schema_errors(_VALIDATOR, payload, "")
    if errors:  # below, the body is known to have its fields' types
        return errors
    if not _SAYS_SOMETHING.is_valid(payload):
        errors.append(EventError("text", "give a text, a rating or both"))
    return errors


def _ref(
    model: Any, external_id: str | None, path: str, what: str, errors: list[EventError]
) -> Any:
    if external_id is None:
        return None
    row = model.objects.filter(external_id=external_id).first()
    if row is None:
        errors.append(EventError(path, f"no {what} with this id"))
    return row


def receive_feedback(*, token: IntegrationToken, payload: Any) -> FeedbackOutcome:
    """Validate and store one posted feedback; idempotent by (channel, external_id).

    Raises `EventRejected` (422: invalid, or an unknown customer, order or store) with nothing
    written. The same id again: "duplicate" when nothing differs, "updated" otherwise.
    """
    errors = validate_feedback(payload)
    if errors:
        raise EventRejected(422, errors)
    refs: list[EventError] = []
    values = FeedbackValues(
        channel=payload["channel"],
        external_id=payload["external_id"],
        customer=_ref(Customer, payload.get("customer_id"), "customer_id", "customer", refs),
        order=_ref(Order, payload.get("order_id"), "order_id", "order", refs),
        store=_ref(Store, payload.get("store_id"), "store_id", "store", refs),
        rating=payload.get("rating"),
        text=payload.get("text", ""),
        occurred_at=datetime.fromisoformat(payload["occurred_at"]),
        language=payload.get("language", ""),
    )
    if refs:
        raise EventRejected(422, refs)
    return _upsert(values)


def _upsert(values: FeedbackValues) -> FeedbackOutcome:
    key = {"channel": values.channel, "external_id": values.external_id}
    with transaction.atomic():
        # Lock the row: two posts of the same id with different texts apply one after another.
        row = Feedback.objects.select_for_update().filter(**key).first()
        if row is None:
            try:
                with transaction.atomic():
                    created = Feedback.objects.create(**key, **values.columns())
                return FeedbackOutcome("created", created)
            except IntegrityError:
                # A concurrent post created it just now: treat it as known.
                row = Feedback.objects.select_for_update().get(**key)
        if values.same_as(row):
            return FeedbackOutcome("duplicate", row)
        columns = values.columns()
        for name, value in columns.items():
            setattr(row, name, value)
        row.save(update_fields=list(columns))
        return FeedbackOutcome("updated", row)


# -- Files -------------------------------------------------------------------------------------

REASON_TEXTS = {
    "invalid_rating": gettext_lazy("Not a rating from 1 to 5."),
    "invalid_language": gettext_lazy("Not a language code (ko or en)."),
    "text_or_rating": gettext_lazy("A text, a rating or both are required."),
}


class StrictRejected(Exception):
    """Strict mode found a bad row: roll the whole file back."""


@dataclass
class FeedbackImport:
    """The counts of one file, and where its row-error report is."""

    channel: str
    mode: str
    encoding: str = ""
    status: str = "done"  # done, rejected (strict mode or bad file)
    message: str = ""
    rows_in: int = 0
    rows_ok: int = 0
    rows_rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors_csv: Path | None = None
    seconds: float = 0.0
    _writer: Any = field(default=None, repr=False)
    _handle: Any = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": "feedback",
            "status": self.status,
            "message": self.message,
            "channel": self.channel,
            "mode": self.mode,
            "encoding": self.encoding,
            "rows_in": self.rows_in,
            "rows_ok": self.rows_ok,
            "rows_rejected": self.rows_rejected,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors_csv": str(self.errors_csv) if self.errors_csv else None,
            "seconds": round(self.seconds, 3),
        }

    @property
    def imported(self) -> bool:
        return self.status == "done" and self.rows_ok > 0

    def reject(self, line: int, column: str, value: str, reason: str) -> None:
        """Write one row error to the report (created on the first error, never held in memory)."""
        if self._writer is None:
            directory = Path(settings.MEDIA_ROOT) / "imports" / f"feedback-{uuid4().hex}"
            directory.mkdir(parents=True, exist_ok=True)
            self.errors_csv = directory / "errors.csv"
            # UTF-8 with BOM, so Excel opens Korean text correctly.
            self._handle = self.errors_csv.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._handle)
            self._writer.writerow([_("row"), _("column"), _("value"), _("reason")])
        text = REASON_TEXTS.get(reason) or REASONS.get(reason) or reason
        self._writer.writerow([str(line), safe_cell(column), safe_cell(value), str(text)])

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def _rows(path: Path, info: FileInfo) -> Iterator[tuple[int, list[str | None]]]:
    """(line, cells) of each data row, streamed; CSV lines are the record's first line."""
    width = len(info.headers)
    if info.format == "xlsx":
        yield from xlsx_rows(path, width)
        return
    with path.open(encoding=info.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=info.delimiter)
        next(reader, None)
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            if not any(c.strip() for c in cells):
                continue
            padded = [c.strip() or None for c in cells[:width]]
            yield line, padded + [None] * (width - len(padded))


def _parse_time(text: str) -> datetime | None:
    candidates = [text, text.replace(".", "-").replace("/", "-")]
    for candidate in candidates:
        try:
            moment = datetime.fromisoformat(candidate.strip())
        except ValueError:
            continue
        if not dates.in_range(moment.date()):
            return None
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
    return None


def _parse_rating(text: str) -> int | None:
    try:
        number = float(text.strip().rstrip("점"))
    except ValueError:
        return None
    if not number.is_integer() or not 1 <= number <= 5:
        return None
    return int(number)


@dataclass
class _Row:
    line: int
    cells: dict[str, str]  # field name -> text
    columns: dict[str, str]  # field name -> the file's header, for the error report


def _check_row(row: _Row, default_channel: str, report: FeedbackImport) -> dict[str, Any] | None:
    """The row's typed values without references resolved, or None after reporting why not."""
    problems: list[tuple[str, str]] = []
    get = row.cells.get
    channel = get("channel") or default_channel
    external_id = get("external_id") or ""
    values: dict[str, Any] = {"channel": channel, "external_id": external_id}
    for name, limit in (("channel", CHANNEL_MAX), ("external_id", EXTERNAL_ID_MAX)):
        if not values[name]:
            problems.append((name, "required"))
        elif len(values[name]) > limit:
            problems.append((name, "too_long"))
    text = get("text") or ""
    if len(text) > TEXT_MAX:
        problems.append(("text", "too_long"))
    values["text"] = text
    values["rating"] = None
    if get("rating"):
        values["rating"] = _parse_rating(get("rating") or "")
        if values["rating"] is None:
            problems.append(("rating", "invalid_rating"))
    moment = _parse_time(get("occurred_at") or "") if get("occurred_at") else None
    if not get("occurred_at"):
        problems.append(("occurred_at", "required"))
    elif moment is None:
        problems.append(("occurred_at", "invalid_date"))
    values["occurred_at"] = moment
    language = (get("language") or "").lower()
    if language and language not in LANGUAGES:
        problems.append(("language", "invalid_language"))
    values["language"] = language
    if not text.strip() and not get("rating"):
        problems.append(("text", "text_or_rating"))
    for name in ("customer_id", "order_id", "store_id"):
        values[name] = get(name)
    for name, reason in problems:
        column = row.columns.get(name, "--channel" if name == "channel" else name)
        report.reject(row.line, column, get(name) or "", reason)
    return None if problems else values


_REFS = (
    ("customer_id", Customer, "unknown_customer"),
    ("order_id", Order, "unknown_order"),
    ("store_id", Store, "unknown_store"),
)


def _write_batch(batch: list[tuple[_Row, dict[str, Any]]], report: FeedbackImport) -> None:
    """Resolve references and upsert one batch: a few queries per batch, not per row."""
    found: dict[str, dict[str, Any]] = {}
    for name, model, _reason in _REFS:
        ids = {values[name] for _row, values in batch if values[name]}
        found[name] = {r.external_id: r for r in model.objects.filter(external_id__in=ids)}
    resolved: list[FeedbackValues] = []
    for row, values in batch:
        bad = False
        for name, _model, reason in _REFS:
            if values[name] and values[name] not in found[name]:
                report.reject(row.line, row.columns.get(name, name), values[name], reason)
                bad = True
        if bad:
            report.rows_rejected += 1
            continue
        resolved.append(
            FeedbackValues(
                channel=values["channel"],
                external_id=values["external_id"],
                customer=found["customer_id"].get(values["customer_id"]),
                order=found["order_id"].get(values["order_id"]),
                store=found["store_id"].get(values["store_id"]),
                rating=values["rating"],
                text=values["text"],
                occurred_at=values["occurred_at"],
                language=values["language"],
            )
        )
    report.rows_ok += len(resolved)
    channels = {v.channel for v in resolved}
    existing = {
        (f.channel, f.external_id): f
        for f in Feedback.objects.select_for_update().filter(
            channel__in=channels, external_id__in={v.external_id for v in resolved}
        )
    }
    new: list[Feedback] = []
    changed: list[Feedback] = []
    for item in resolved:
        known = existing.get((item.channel, item.external_id))
        if known is None:
            new.append(
                Feedback(channel=item.channel, external_id=item.external_id, **item.columns())
            )
        elif item.same_as(known):
            report.unchanged += 1
        else:
            for name, value in item.columns().items():
                setattr(known, name, value)
            changed.append(known)
    Feedback.objects.bulk_create(new)
    Feedback.objects.bulk_update(changed, list(resolved[0].columns()) if changed else ["text"])
    report.created += len(new)
    report.updated += len(changed)


def import_feedback_file(
    *,
    path: Path,
    channel: str = "",
    mapping: dict[str, str] | None = None,
    encoding: str = "auto",
    mode: str = "strict",
    language: str | None = None,
) -> FeedbackImport:
    """Import feedback rows from a CSV or XLSX file; idempotent by (channel, external id).

    Streams the file (memory holds one batch and the ids seen so far, to report duplicates
    within the file), writes in batches of `BATCH`. `channel` fills rows without a channel
    column or value. Strict mode writes nothing when any row is bad; skip-invalid writes the
    good rows. Row errors go to an errors CSV (line, column, value, reason, in `language`).
    """
    started = clock.monotonic()
    report = FeedbackImport(channel=channel, mode=mode)
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            info = inspect_file(path, declared_encoding=encoding)
        except FileProblem as problem:
            report.status, report.message = "rejected", str(problem.message)
            return report
        report.encoding = info.encoding or info.format
        columns = {**match_headers(FEEDBACK_SPEC, info.headers), **(mapping or {})}
        by_field = {name: header for header, name in columns.items() if header in info.headers}
        missing = [str(f.label) for f in FEEDBACK_SPEC.required if f.name not in by_field]
        if "channel" not in by_field and not channel:
            missing.append(str(FEEDBACK_SPEC.field("channel").label))
        if missing:
            report.status = "rejected"
            report.message = _("Columns missing: %(names)s.") % {"names": ", ".join(missing)}
            return report
        index = {name: info.headers.index(header) for name, header in by_field.items()}
        try:
            if info.format == "xlsx":
                read = {position + 1: by_field[name] for name, position in index.items()}
                refuse_uncached_formulas(path, read)
        except FileProblem as problem:
            report.status, report.message = "rejected", str(problem.message)
            return report
        try:
            with transaction.atomic():
                _import_rows(path, info, index, by_field, channel, report)
                if report.rows_rejected and mode == "strict":
                    raise StrictRejected
        except StrictRejected:
            report.status = "rejected"
            report.message = _(
                "Nothing was imported: fix the rows in the error report, "
                "or import in skip-invalid mode."
            )
            report.created = report.updated = report.unchanged = 0
        finally:
            report.close()
    report.seconds = clock.monotonic() - started
    return report


def _import_rows(
    path: Path,
    info: FileInfo,
    index: dict[str, int],
    by_field: dict[str, str],
    channel: str,
    report: FeedbackImport,
) -> None:
    seen: dict[tuple[str, str], int] = {}
    batch: list[tuple[_Row, dict[str, Any]]] = []
    for line, cells in _rows(path, info):
        report.rows_in += 1
        row = _Row(
            line=line,
            cells={name: cells[i] or "" for name, i in index.items()},
            columns=by_field,
        )
        values = _check_row(row, channel, report)
        if values is None:
            report.rows_rejected += 1
            continue
        key = (values["channel"], values["external_id"])
        if key in seen:
            column = by_field.get("external_id", "external_id")
            report.reject(line, column, values["external_id"], "duplicate")
            report.rows_rejected += 1
            continue
        seen[key] = line
        batch.append((row, values))
        if len(batch) >= BATCH:
            _write_batch(batch, report)
            batch = []
    if batch:
        _write_batch(batch, report)
