"""Looking at an uploaded file before importing it: format, encoding, header, fingerprint.

Only the first 64 KB are decoded here (more when the header is longer, up to
MAX_HEADER_BYTES); the body streams straight from disk into PostgreSQL's COPY, which checks
the declared encoding strictly, so no byte is ever silently replaced.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from odata.importing.messages import MAX_COLUMNS, MAX_HEADER_BYTES, render_message

SAMPLE_BYTES = 64 * 1024
XLSX_MAGIC = b"PK\x03\x04"
ENCODINGS = ("auto", "utf-8", "cp949")
# PostgreSQL's names for the encodings COPY reads. UHC is Microsoft's CP949 (a superset of
# EUC-KR), what Korean Excel writes.
PG_ENCODING = {"utf-8": "UTF8", "utf-8-sig": "UTF8", "cp949": "UHC"}


class FileProblem(Exception):
    """The file as a whole cannot be imported: `code` (see odata.importing.messages) and
    `params` say why; `message` puts it into words in the active language."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message(self) -> str:
        return render_message(self.code, self.params)


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
        raise FileProblem("empty_file")
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
        if sample.startswith(XLSX_MAGIC):
            return FileInfo("xlsx", "", "", _xlsx_headers(path), sha256, size)
        if b"\x00" in sample:
            raise FileProblem("not_tabular")
        encoding = _encoding(sample, declared_encoding)
        while True:
            complete = len(sample) == size
            text = _decode_sample(sample, encoding, complete=complete)
            if not text.strip():
                raise FileProblem("empty_file")
            first_line = text.splitlines()[0] if text.splitlines() else ""
            delimiter = max((",", "\t", ";", "|"), key=first_line.count)
            if first_line.count(delimiter) == 0:
                delimiter = ","
            headers = _first_record(text, delimiter, complete=complete)
            if headers is not None:
                break
            # The header goes on past the sample: read it whole, up to a bound.
            if len(sample) >= MAX_HEADER_BYTES:
                raise FileProblem("header_too_long", limit=MAX_HEADER_BYTES)
            sample += handle.read(min(len(sample), MAX_HEADER_BYTES - len(sample)))
    return FileInfo("csv", encoding, delimiter, _checked_headers(headers), sha256, size)


def _first_record(text: str, delimiter: str, *, complete: bool) -> list[str] | None:
    """The first CSV record of `text`, or None when it may go on past `text` (a sample of a
    longer file): a record is known whole only when text follows it."""
    lines = io.StringIO(text, newline="")  # keeps each line's own line break
    read = 0

    def counted() -> Iterator[str]:
        nonlocal read
        for line in lines:
            read += len(line)
            yield line

    try:
        record = next(csv.reader(counted(), delimiter=delimiter), [])
    except csv.Error:  # a name over the csv module's field limit: an unclosed quote
        raise FileProblem("header_too_long", limit=MAX_HEADER_BYTES) from None
    if complete:
        return record
    return record if read < len(text) else None


def _encoding(sample: bytes, declared: str) -> str:
    if declared not in ENCODINGS:
        raise FileProblem("unknown_encoding")
    if declared == "cp949":
        return "cp949"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if declared == "utf-8" or _decodes(sample, "utf-8"):
        return "utf-8"
    if _decodes(sample, "cp949"):
        return "cp949"
    raise FileProblem("unrecognised_encoding")


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
        raise FileProblem("invalid_text", encoding=name) from None


def _checked_headers(headers: list[str]) -> list[str]:
    headers = [h.strip() for h in headers]
    if not any(headers):
        raise FileProblem("empty_header")
    if len(headers) > MAX_COLUMNS:
        raise FileProblem("too_many_columns", count=len(headers), limit=MAX_COLUMNS)
    seen: set[str] = set()
    duplicates: list[str] = []
    for header in headers:
        if header and header in seen and header not in duplicates:
            duplicates.append(header)
        seen.add(header)
    if duplicates:
        raise FileProblem("duplicate_headers", names=duplicates)
    return headers


def _open_workbook(path: Path) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise FileProblem("unreadable_xlsx") from error


def _xlsx_headers(path: Path) -> list[str]:
    workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
    finally:
        workbook.close()
    if first is None:
        raise FileProblem("empty_file")
    headers = [cell_text(value) for value in first]
    # A sheet formatted far to the right reads as a row of empty cells; only columns up to
    # the last named one hold data to import (`xlsx_rows` cuts the rows to that width).
    while headers and not headers[-1]:
        headers.pop()
    return _checked_headers(headers)


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


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _first_sheet_member(archive: zipfile.ZipFile) -> str:
    """The zip member holding the workbook's first sheet (the one imported), by the package's
    relationships, as openpyxl finds it."""

    def relations(member: str) -> dict[str, tuple[str, str]]:
        root = ElementTree.fromstring(archive.read(member))  # noqa: S314  # small package parts; expat refuses entity expansion bombs
        return {
            r.get("Id", ""): (r.get("Type", ""), r.get("Target", ""))
            for r in root
            if _local(r.tag) == "Relationship"
        }

    def resolve(base: str, target: str) -> str:
        if target.startswith("/"):
            return target.lstrip("/")
        return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))

    workbook = next(
        resolve("", target)
        for kind, target in relations("_rels/.rels").values()
        if kind.endswith("/officeDocument")
    )
    root = ElementTree.fromstring(archive.read(workbook))  # noqa: S314  # as above
    sheet = next(e for e in root.iter() if _local(e.tag) == "sheet")
    rel_id = next(value for name, value in sheet.attrib.items() if _local(name) == "id")
    rels = posixpath.join(posixpath.dirname(workbook), "_rels", posixpath.basename(workbook))
    return resolve(workbook, relations(rels + ".rels")[rel_id][1])


def refuse_uncached_formulas(path: Path, read: dict[int, str]) -> None:
    """Raise `FileProblem("uncached_formula")` for the first formula without a stored value in
    a column the import reads (`read`: 1-based column -> header). Such a cell reads as empty,
    so the file is refused rather than imported with empties; other columns do not matter."""
    from openpyxl.utils.cell import get_column_letter

    for row, column in uncached_formulas(path):
        if column in read:
            raise FileProblem(
                "uncached_formula", cell=f"{get_column_letter(column)}{row}", column=read[column]
            )


def uncached_formulas(path: Path) -> Iterator[tuple[int, int]]:
    """(row, column), 1-based, of each formula cell of the first sheet that has no stored
    value, in sheet order.

    Excel stores each formula's last value; files written by programs (openpyxl among them)
    often hold the formula only, and reading values then gives an empty cell. A quick pass
    over the bytes skips the parse for the common sheet without formulas."""
    try:
        with zipfile.ZipFile(path) as archive:
            member = _first_sheet_member(archive)
            with archive.open(member) as handle:
                tail = b""
                while chunk := handle.read(1024 * 1024):
                    if _FORMULA_TAG.search(tail + chunk):
                        break
                    tail = chunk[-16:]
                else:
                    return
            with archive.open(member) as handle:
                yield from _uncached_cells(handle)
    except (KeyError, StopIteration, OSError, zipfile.BadZipFile, ElementTree.ParseError) as error:
        raise FileProblem("unreadable_xlsx") from error


def _uncached_cells(handle: IO[bytes]) -> Iterator[tuple[int, int]]:
    from openpyxl.utils.cell import coordinate_to_tuple

    row_number, column = 0, 0
    events = ElementTree.iterparse(handle, events=("start", "end"))  # noqa: S314  # as above
    for event, element in events:
        name = _local(element.tag)
        if name == "row":
            if event == "start":
                row_number = int(element.get("r") or row_number + 1)
                column = 0
            else:
                element.clear()  # memory stays flat: each row is read once
            continue
        if name != "c" or event != "end":
            continue
        reference = element.get("r")
        if reference:
            row_number, column = coordinate_to_tuple(reference)
        else:
            column += 1
        children = {_local(child.tag): child for child in element}
        if "f" not in children:
            continue
        value = children.get("v")
        # An empty value is a formula's stored result only for a text result ("").
        if value is None or (not value.text and element.get("t") != "str"):
            yield row_number, column
