"""Importing again changes only what changed: an identical file is recognised as already
imported, an overlapping one counts created, updated and unchanged rows exactly, leaves the
unchanged rows untouched and keeps stored values where the new file has empty cells."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from odata.models import Customer, ImportMode, ImportRun, Store
from odata.services.imports import run_import, start_import
from tests.odata.imports.files import csv_bytes

pytestmark = pytest.mark.django_db

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
HEADER = ["고객번호", "고객명", "이메일", "휴대폰", "등급", "매장코드", "수신동의"]
FIRST = [
    HEADER,
    ["C1", "김민준", "minjun@example.com", "010-1111-1111", "VIP", "S1", "Y"],
    ["C2", "이서연", "seoyeon@example.com", "010-2222-2222", "일반", "S1", "N"],
    ["C3", "박지호", "jiho@example.com", "010-3333-3333", "일반", "", "Y"],
    ["C4", "최유나", "yuna@example.com", "010-4444-4444", "VIP", "S2", "N"],
]


@pytest.fixture(autouse=True)
def _stores(db: None) -> None:
    Store.objects.create(external_id="S1", name="강남점")
    Store.objects.create(external_id="S2", name="잠실점")


def _import(tmp_path: Path, rows: list[list[str]], *, mode: str = ImportMode.STRICT) -> ImportRun:
    source = tmp_path / "customers.csv"
    source.write_bytes(csv_bytes(rows))
    run = start_import(
        kind="customers", source=source, file_name="customers.csv", mode=mode, enqueue=False
    )
    if run.status == ImportRun.Status.QUEUED:
        run_import(run_id=run.pk)
        run.refresh_from_db()
    return run


def _snapshot() -> dict[str, tuple[Any, ...]]:
    return {
        c.external_id: (
            c.name,
            c.email,
            c.phone,
            c.segment,
            c.home_store.external_id if c.home_store else None,
            c.survey_consent,
            c.code,
            c.created_at,
        )
        for c in Customer.objects.select_related("home_store")
    }


def _counts(run: ImportRun) -> tuple[str, int, int, int, int]:
    return (run.status, run.rows_ok, run.created, run.updated, run.unchanged)


def test_same_file_again_is_a_duplicate(tmp_path: Path) -> None:
    first = _import(tmp_path, FIRST)
    before = _snapshot()

    again = _import(tmp_path, FIRST)

    assert _counts(first) == ("succeeded", 4, 4, 0, 0)
    assert again.status == ImportRun.Status.DUPLICATE
    assert again.message.startswith("This file was already imported on ")
    assert _snapshot() == before


def test_overlapping_file_counts_exactly_and_leaves_unchanged_rows_alone(tmp_path: Path) -> None:
    _import(tmp_path, FIRST)
    Customer.objects.update(updated_at=LONG_AGO)
    before = _snapshot()
    overlap = [
        HEADER,
        FIRST[2],  # C2 the same
        [
            "C3",
            "박지호",
            "JIHO@example.com",
            "010 3333 3333",
            "일반",
            "",
            "예",
        ],  # same, other forms
        ["C1", "김민준", "minjun@example.com", "010-1111-1111", "VVIP", "S2", "Y"],  # changed
        ["C4", "최유나", "yuna@example.com", "010-4444-4444", "VIP", "S2", "동의"],  # changed
        ["C5", "정하은", "haeun@example.com", "010-5555-5555", "일반", "S1", "N"],  # new
    ]

    run = _import(tmp_path, overlap)

    assert _counts(run) == ("succeeded", 5, 1, 2, 2)
    after = _snapshot()
    assert after["C2"] == before["C2"]
    assert after["C3"] == before["C3"]
    assert after["C1"][3:5] == ("VVIP", "S2")
    assert after["C4"][5] is True
    assert after["C1"][6] == before["C1"][6]  # the public code stays
    assert after["C5"][:6] == ("정하은", "haeun@example.com", "01055555555", "일반", "S1", False)
    stamps = dict(Customer.objects.values_list("external_id", "updated_at"))
    assert stamps["C2"] == stamps["C3"] == LONG_AGO
    assert stamps["C1"] > LONG_AGO
    assert stamps["C4"] > LONG_AGO


def test_empty_optional_cells_keep_stored_values(tmp_path: Path) -> None:
    _import(tmp_path, FIRST)
    before = _snapshot()
    partial = [
        HEADER,
        ["C1", "", "", "", "", "", ""],
        ["C2", "이서연", "", "", "골드", "", ""],
    ]

    run = _import(tmp_path, partial)

    assert _counts(run) == ("succeeded", 2, 0, 1, 1)
    after = _snapshot()
    assert after["C1"] == before["C1"]
    assert after["C2"] == (*before["C2"][:3], "골드", *before["C2"][4:])


def test_file_with_fewer_columns_updates_only_those(tmp_path: Path) -> None:
    _import(tmp_path, FIRST)
    before = _snapshot()

    run = _import(tmp_path, [["고객번호", "등급"], ["C1", "VIP"], ["C2", "VIP"]])

    assert _counts(run) == ("succeeded", 2, 0, 1, 1)
    after = _snapshot()
    assert after["C1"] == before["C1"]
    assert after["C2"] == (*before["C2"][:3], "VIP", *before["C2"][4:])


def test_file_of_customer_numbers_only(tmp_path: Path) -> None:
    created = _import(tmp_path, [["고객번호"], ["C1"], ["C2"]])
    again = _import(tmp_path, [["고객번호"], ["C2"], ["C1"], ["C3"]])

    assert _counts(created) == ("succeeded", 2, 2, 0, 0)
    assert _counts(again) == ("succeeded", 3, 1, 0, 2)
    assert sorted(Customer.objects.values_list("external_id", flat=True)) == ["C1", "C2", "C3"]


def test_rejected_file_can_be_imported_after_fixing(tmp_path: Path) -> None:
    bad = [HEADER, FIRST[1], ["C9", "", "broken", "", "", "", ""]]
    rejected = _import(tmp_path, bad)
    retried = _import(tmp_path, bad, mode=ImportMode.SKIP_INVALID)

    assert rejected.status == ImportRun.Status.REJECTED
    # The same bytes were never imported, so this is not a duplicate.
    assert _counts(retried) == ("succeeded", 1, 1, 0, 0)


def test_same_file_after_fixing_what_its_errors_asked_for_is_imported(tmp_path: Path) -> None:
    # "No customer with this number: import customers first." - and then the same file again.
    orders = [
        ["주문번호", "고객번호", "채널", "주문일시", "결제금액"],
        ["O1", "C1", "온라인", "2024-01-05", "1000"],
        ["O2", "C404", "온라인", "2024-01-05", "2000"],
    ]
    Customer.objects.create(external_id="C1", created_at=LONG_AGO)

    def import_orders() -> ImportRun:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(orders)
        source = tmp_path / "orders.csv"
        source.write_bytes(buffer.getvalue().encode("utf-8"))
        run = start_import(
            kind="orders", source=source, file_name="orders.csv", mode="skip-invalid", enqueue=False
        )
        if run.status == ImportRun.Status.QUEUED:
            run_import(run_id=run.pk)
            run.refresh_from_db()
        return run

    partly = import_orders()
    Customer.objects.create(external_id="C404", created_at=LONG_AGO)
    again = import_orders()
    third = import_orders()

    assert (partly.status, partly.created, partly.rows_rejected) == ("succeeded", 1, 1)
    assert (again.status, again.created, again.unchanged, again.rows_rejected) == (
        "succeeded",
        1,
        1,
        0,
    )
    assert third.status == ImportRun.Status.DUPLICATE
