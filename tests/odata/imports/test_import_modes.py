"""Strict mode writes every row or none; skip-invalid writes the good rows and reports the bad
ones. Unknown references and repeated numbers are row errors, never inserts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from odata.models import Customer, Delivery, ImportMode, ImportRun, Order, ServiceRecord, Store
from odata.services.imports import error_rows
from tests.odata.imports.files import csv_bytes, row_errors, run_file

pytestmark = pytest.mark.django_db

T0 = datetime(2023, 1, 1, tzinfo=UTC)
ORDERS = [
    ["주문번호", "고객번호", "매장코드", "채널", "주문일시", "결제금액"],
    ["O1", "C1", "S1", "매장", "2024-01-05 13:00", "12,000"],
    ["O2", "C1", "", "온라인", "2024-02-30", "5,000"],
    ["O3", "C1", "S1", "매장", "2024-01-06", "abc"],
    ["O4", "C1", "", "온라인", "2024-01-07", "7,000"],
]
ORDER_ERRORS = {
    (3, "주문일시", "2024-02-30", "invalid_date"),
    (4, "결제금액", "abc", "invalid_amount"),
}


@pytest.fixture
def known(db: None) -> None:
    Customer.objects.create(external_id="C1", created_at=T0)
    Store.objects.create(external_id="S1", name="강남점")


def _import(tmp_path: Path, kind: str, rows: list[list[str]], mode: str) -> ImportRun:
    return run_file(tmp_path, kind, csv_bytes(rows), mode=mode)


def test_strict_mode_writes_nothing_and_reports_every_bad_cell(known: None, tmp_path: Path) -> None:
    run = _import(tmp_path, "orders", ORDERS, ImportMode.STRICT)

    assert run.status == ImportRun.Status.REJECTED
    assert run.message == "2 rows have errors, so nothing was written (strict mode)."
    assert Order.objects.count() == 0
    assert (run.rows_total, run.rows_ok, run.rows_rejected, run.created) == (4, 0, 2, 0)
    assert row_errors(run) == ORDER_ERRORS
    report = list(error_rows(run=run))
    assert report[0] == ["row", "column", "value", "reason"]
    assert report[1][:3] == ["3", "주문일시", "2024-02-30"]
    assert report[1][3].startswith("Not a date")
    assert report[2][:3] == ["4", "결제금액", "abc"]
    assert report[2][3].startswith("Not an amount")


def test_skip_invalid_writes_the_good_rows(known: None, tmp_path: Path) -> None:
    run = _import(tmp_path, "orders", ORDERS, ImportMode.SKIP_INVALID)

    assert run.status == ImportRun.Status.SUCCEEDED
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["O1", "O4"]
    assert (run.rows_total, run.rows_ok, run.rows_rejected, run.created) == (4, 2, 2, 2)
    assert row_errors(run) == ORDER_ERRORS


def test_skip_invalid_with_no_good_row_is_rejected(known: None, tmp_path: Path) -> None:
    rows = [ORDERS[0], ORDERS[2], ORDERS[3]]

    run = _import(tmp_path, "orders", rows, ImportMode.SKIP_INVALID)

    assert run.status == ImportRun.Status.REJECTED
    assert run.message == "No row could be imported."
    assert Order.objects.count() == 0


def test_unknown_references_are_row_errors_never_inserts(known: None, tmp_path: Path) -> None:
    rows = [
        ORDERS[0],
        ["O1", "C1", "S1", "매장", "2024-01-05", "1000"],
        ["O2", "C404", "", "온라인", "2024-01-05", "1000"],
        ["O3", "C1", "S404", "매장", "2024-01-05", "1000"],
    ]
    run = _import(tmp_path, "orders", rows, ImportMode.SKIP_INVALID)

    assert row_errors(run) == {
        (3, "고객번호", "C404", "unknown_customer"),
        (4, "매장코드", "S404", "unknown_store"),
    }
    assert list(Order.objects.values_list("external_id", flat=True)) == ["O1"]
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["C1"]
    assert list(Store.objects.values_list("external_id", flat=True)) == ["S1"]

    deliveries = [["배송번호", "주문번호", "배송예정일"], ["D1", "O404", "2024-01-07"]]
    run = _import(tmp_path, "deliveries", deliveries, ImportMode.SKIP_INVALID)
    assert row_errors(run) == {(2, "주문번호", "O404", "unknown_order")}
    assert Delivery.objects.count() == 0

    services = [["접수번호", "고객번호", "유형", "접수일시"], ["SR1", "C404", "불만", "2024-01-05"]]
    run = _import(tmp_path, "service_records", services, ImportMode.SKIP_INVALID)
    assert row_errors(run) == {(2, "고객번호", "C404", "unknown_customer")}
    assert ServiceRecord.objects.count() == 0


def test_unknown_store_manager_is_a_row_error(db: None, tmp_path: Path) -> None:
    rows = [["매장코드", "매장명", "점장이메일"], ["S1", "강남점", "nobody@example.com"]]

    run = _import(tmp_path, "stores", rows, ImportMode.SKIP_INVALID)

    assert row_errors(run) == {(2, "점장이메일", "nobody@example.com", "unknown_manager")}
    assert Store.objects.count() == 0


def test_repeated_number_is_an_error_on_the_later_row(known: None, tmp_path: Path) -> None:
    rows = [
        ["고객번호", "고객명"],
        ["C7", "김민준"],
        ["C8", "이서연"],
        [" C7 ", "박지호"],
    ]
    run = _import(tmp_path, "customers", rows, ImportMode.SKIP_INVALID)

    assert row_errors(run) == {(4, "고객번호", " C7 ", "duplicate")}
    assert Customer.objects.get(external_id="C7").name == "김민준"
    report = list(error_rows(run=run))
    assert report[1][3] == "The same number is also on row 2 of this file."

    strict = _import(tmp_path, "customers", [*rows[:1], ["C9", "a"], ["C9", "b"]], "strict")
    assert strict.status == ImportRun.Status.REJECTED
    assert row_errors(strict) == {(3, "고객번호", "C9", "duplicate")}
    assert not Customer.objects.filter(external_id="C9").exists()


def test_missing_required_value_is_a_row_error(known: None, tmp_path: Path) -> None:
    rows = [
        ORDERS[0],
        ["O1", "", "", "온라인", "2024-01-05", "1000"],
        ["", "C1", "", "앱", "", "1"],
    ]

    run = _import(tmp_path, "orders", rows, ImportMode.STRICT)

    assert row_errors(run) == {
        (2, "고객번호", "", "required"),
        (3, "주문번호", "", "required"),
        (3, "주문일시", "", "required"),
    }
    assert Order.objects.count() == 0
