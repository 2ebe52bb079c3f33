"""An Excel formula whose value was never calculated (a file written by a program, not saved
by Excel) would read as an empty cell: the file is refused, naming the cell, and the user is
told to open and save it in Excel. Formulas with a stored value import as that value."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.utils import translation

from odata.models import Customer, ImportKind, ImportMode, ImportRowError, ImportRun
from tests.odata.imports.files import run_file, xlsx_bytes

pytestmark = pytest.mark.django_db

SHEET = [
    ["고객번호", "이름", "메모"],
    ["C1", "김민준", "=LEN(B2)"],
    ["C2", '=CONCAT("이", "서연")', "ok"],
]


def _with_cached_values(data: bytes, values: dict[str, str]) -> bytes:
    """The workbook as Excel saves it: each formula's value stored beside it."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                for cell, value in values.items():
                    start = text.index(f'<c r="{cell}"')
                    end = text.index("</c>", start)
                    piece = text[start:end].replace("<v />", f"<v>{value}</v>")
                    piece = piece.replace(f'<c r="{cell}"', f'<c r="{cell}" t="str"', 1)
                    text = text[:start] + piece + text[end:]
                content = text.encode()
            target.writestr(item, content)
    return buffer.getvalue()


@pytest.mark.parametrize("mode", [ImportMode.STRICT, ImportMode.SKIP_INVALID])
def test_an_uncalculated_formula_in_an_imported_column_refuses_the_file(
    tmp_path: Path, mode: str
) -> None:
    run = run_file(tmp_path, ImportKind.CUSTOMERS, xlsx_bytes(SHEET), mode=mode, name="c.xlsx")

    assert run.status == ImportRun.Status.REJECTED
    assert (run.message_code, run.message_params) == (
        "uncached_formula",
        {"cell": "B3", "column": "이름"},
    )
    assert run.message.startswith("Cell B3 (column 이름) holds a formula whose value was never")
    assert "Open the file in Excel, save it" in run.message
    assert not Customer.objects.exists()
    assert not ImportRowError.objects.exists()
    with translation.override("ko"):
        assert "B3" in run.message


def test_formulas_in_columns_not_imported_do_not_matter(tmp_path: Path) -> None:
    sheet = [row[:1] + row[2:] for row in SHEET]  # 고객번호 and 메모 (not a customer field)
    sheet[2][0] = "C2"

    run = run_file(tmp_path, ImportKind.CUSTOMERS, xlsx_bytes(sheet), name="c.xlsx")

    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"C1", "C2"}


def test_formulas_with_a_stored_value_import_that_value(tmp_path: Path) -> None:
    data = _with_cached_values(xlsx_bytes(SHEET), {"B3": "이서연", "C2": "3"})

    run = run_file(tmp_path, ImportKind.CUSTOMERS, data, name="c.xlsx")

    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert Customer.objects.get(external_id="C2").name == "이서연"
