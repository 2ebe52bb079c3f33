"""An Excel file imports like the CSV export of the same sheet: whole-number floats are ids,
date cells are timestamps, and row errors name the sheet's row."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from odata.models import Customer, ImportMode, ImportRun, Order, Store
from tests.odata.imports.files import csv_bytes, run_file, xlsx_bytes

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
HEADER = ["주문번호", "고객번호", "매장코드", "채널", "주문일시", "결제금액", "수량"]
# Excel date cells carry no time zone: they are local time, like the CSV export's text.
JAN_5_13H = datetime(2024, 1, 5, 13, 0)  # noqa: DTZ001 (naive on purpose, see above)
JAN_6 = datetime(2024, 1, 6)  # noqa: DTZ001 (naive on purpose, see above)
SHEET: list[list[Any]] = [
    HEADER,
    [5001.0, 1001.0, "GN01", "매장", JAN_5_13H, 12000.0, 2],
    ["5002", 1002, None, "온라인", JAN_6, 12000.5, 1.0],
    [5003, "1001", "GN01", "앱", "2024.01.07", "₩3,000", None],
]
CSV_EXPORT = [
    HEADER,
    ["5001", "1001", "GN01", "매장", "2024-01-05 13:00", "12,000", "2"],
    ["5002", "1002", "", "온라인", "2024-01-06", "12000.50", "1"],
    ["5003", "1001", "GN01", "앱", "2024.01.07", "₩3,000", ""],
]


@pytest.fixture(autouse=True)
def _known(db: None) -> None:
    for number in ("1001", "1002"):
        Customer.objects.create(external_id=number, created_at=datetime(2023, 1, 1, tzinfo=UTC))
    Store.objects.create(external_id="GN01", name="강남점")


def _import(tmp_path: Path, data: bytes, name: str, mode: str = ImportMode.STRICT) -> ImportRun:
    return run_file(tmp_path, "orders", data, mode=mode, name=name)


def _orders() -> list[tuple[Any, ...]]:
    return [
        (
            o.external_id,
            o.customer.external_id,
            o.store.external_id if o.store else None,
            o.channel,
            o.placed_at.astimezone(SEOUL),
            o.amount,
            o.item_count,
        )
        for o in Order.objects.select_related("customer", "store").order_by("external_id")
    ]


def test_xlsx_gives_the_same_rows_as_its_csv_export(tmp_path: Path) -> None:
    from_csv = _import(tmp_path, csv_bytes(CSV_EXPORT), "orders.csv")
    csv_rows = _orders()
    Order.objects.all().delete()

    from_xlsx = _import(tmp_path, xlsx_bytes(SHEET), "orders.xlsx")

    assert (from_xlsx.status, from_xlsx.encoding) == (ImportRun.Status.SUCCEEDED, "xlsx")
    assert from_csv.status == ImportRun.Status.SUCCEEDED
    assert _orders() == csv_rows
    assert [row[0] for row in csv_rows] == ["5001", "5002", "5003"]
    assert csv_rows[0][4] == datetime(2024, 1, 5, 13, 0, tzinfo=SEOUL)
    assert (from_xlsx.created, from_xlsx.rows_ok) == (3, 3)


def test_xlsx_errors_name_the_sheet_row_after_blank_rows(tmp_path: Path) -> None:
    sheet = [SHEET[0], SHEET[1], [None] * 7, [None] * 7, SHEET[2], ["5009", 1001, None, "우편"]]

    run = _import(tmp_path, xlsx_bytes(sheet), "orders.xlsx", ImportMode.SKIP_INVALID)

    # Blank rows are skipped, not imported; the error is on the sheet's row 6.
    assert (run.rows_total, run.rows_ok, run.rows_rejected) == (3, 2, 1)
    assert {(e.line, e.column, e.value, e.reason) for e in run.row_errors.all()} == {
        (6, "채널", "우편", "invalid_choice"),
        (6, "주문일시", "", "required"),
        (6, "결제금액", "", "required"),
    }
