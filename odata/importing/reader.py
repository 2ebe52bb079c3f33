"""Looking at an uploaded file before importing it: format, encoding, header, fingerprint.

Only the first 64 KB are decoded here; the body streams straight from disk into PostgreSQL's
COPY, which checks the declared encoding strictly, so no byte is ever silently replaced.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

SAMPLE_BYTES = 64 * 1024
XLSX_MAGIC = b"PK\x03\x04"
ENCODINGS = ("auto", "utf-8", "cp949")
# PostgreSQL's names for the encodings COPY reads. UHC is Microsoft's CP949 (a superset of
# EUC-KR), what Korean Excel writes.
PG_ENCODING = {"utf-8": "UTF8", "utf-8-sig": "UTF8", "cp949": "UHC"}


class FileProblem(Exception):
    """The file as a whole cannot be imported; `message` says why in the user's terms."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class FileInfo:
    format: str  # "csv" or "xlsx"
    encoding: str  # "utf-8", "utf-8-sig", "cp949"; "" for xlsx
    delimiter: str
    headers: list[str]
    sha256: str
    size: int


def fingerprint(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def inspect_file(
    path: Path, *, declared_encoding: str = "auto", with_fingerprint: bool = True
) -> FileInfo:
    """Format, encoding, delimiter and header of `path`, or FileProblem.

    `with_fingerprint=False` skips hashing the whole file (sha256 is then ""), for callers
    that already recorded it and only need the header again.
    """
    if with_fingerprint:
        sha256, size = fingerprint(path)
    else:
        sha256, size = "", path.stat().st_size
    if size == 0:
        raise FileProblem(_("The file is empty."))
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if sample.startswith(XLSX_MAGIC):
        return FileInfo("xlsx", "", "", _xlsx_headers(path), sha256, size)
    if b"\x00" in sample:
        raise FileProblem(
            _("This is not a CSV or Excel (.xlsx) file. Save it as CSV or .xlsx and try again.")
        )
    encoding = _encoding(sample, declared_encoding)
    text = _decode_sample(sample, encoding, complete=len(sample) == size)
    if not text.strip():
        raise FileProblem(_("The file is empty."))
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = max((",", "\t", ";", "|"), key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    headers = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    return FileInfo("csv", encoding, delimiter, _checked_headers(headers), sha256, size)


def _encoding(sample: bytes, declared: str) -> str:
    if declared not in ENCODINGS:
        raise FileProblem(_("Unknown encoding: choose automatic, UTF-8 or CP949 (EUC-KR)."))
    if declared == "cp949":
        return "cp949"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if declared == "utf-8" or _decodes(sample, "utf-8"):
        return "utf-8"
    if _decodes(sample, "cp949"):
        return "cp949"
    raise FileProblem(
        _("The file's text encoding could not be recognised. Save it as UTF-8 or CP949 CSV.")
    )


def _decodes(sample: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        decoder.decode(sample, final=False)  # a character cut at the end of the sample is fine
    except UnicodeDecodeError:
        return False
    return True


def _decode_sample(sample: bytes, encoding: str, *, complete: bool) -> str:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        return decoder.decode(sample, final=complete)
    except UnicodeDecodeError:
        name = "CP949" if encoding == "cp949" else "UTF-8"
        raise FileProblem(
            _("The file is not valid %(encoding)s text. Choose the other encoding and try again.")
            % {"encoding": name}
        ) from None


def _checked_headers(headers: list[str]) -> list[str]:
    headers = [h.strip() for h in headers]
    if not any(headers):
        raise FileProblem(_("The first row is empty: it must name the columns."))
    seen: set[str] = set()
    duplicates: list[str] = []
    for header in headers:
        if header and header in seen and header not in duplicates:
            duplicates.append(header)
        seen.add(header)
    if duplicates:
        raise FileProblem(
            _("These column names appear more than once: %(names)s. Rename them and try again.")
            % {"names": ", ".join(duplicates)}
        )
    return headers


def _open_workbook(path: Path) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise FileProblem(
            _("The Excel file could not be read. Open it in Excel and save it again as .xlsx.")
        ) from error


def _xlsx_headers(path: Path) -> list[str]:
    workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
    finally:
        workbook.close()
    if first is None:
        raise FileProblem(_("The file is empty."))
    return _checked_headers([cell_text(value) for value in first])


def xlsx_rows(path: Path, width: int) -> Iterator[tuple[int, list[str | None]]]:
    """Data rows of the first sheet as (sheet row number, text cells `width` wide), blank rows
    skipped; the row number keeps error reports pointing at the sheet's row."""
    workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
            cells = [cell_text(v) for v in values[:width]]
            if not any(cells):
                continue
            yield line, [c or None for c in cells] + [None] * (width - len(cells))
    finally:
        workbook.close()


def cell_text(value: object) -> str:
    """An Excel cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.tzinfo else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float):
        # Excel stores every number as a float: 1001.0 is the id 1001, not "1001.0".
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value).strip()
