"""Imports read UTF-8, UTF-8 with BOM and CP949 files, detected or declared, and reject a file
whose bytes do not fit its encoding without storing a single replacement character."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from odata.importing.reader import SAMPLE_BYTES
from odata.models import Customer, ImportMode, ImportRowError, ImportRun, Order, Store
from odata.services.imports import run_import, start_import

CUSTOMER_HEADER = ["고객번호", "고객명", "이메일", "휴대폰"]
CUSTOMER_ROWS = [
    ["C001", "김민준", "minjun@example.com", "010-1111-2222"],
    ["C002", "이서연", "seoyeon@example.com", "010-3333-4444"],
]
ORDER_HEADER = ["주문번호", "고객번호", "매장코드", "채널", "주문일시", "결제금액"]


def _csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _import(
    tmp_path: Path, kind: str, data: bytes, *, encoding: str = "auto", mode: str = ImportMode.STRICT
) -> ImportRun:
    source = tmp_path / "upload.csv"
    source.write_bytes(data)
    run = start_import(
        kind=kind,
        source=source,
        file_name="upload.csv",
        mode=mode,
        encoding=encoding,
        enqueue=False,
    )
    if run.status == ImportRun.Status.QUEUED:
        run_import(run_id=run.pk)
        run.refresh_from_db()
    return run


def _stored_customers() -> dict[str, tuple[str, str, str]]:
    return {c.external_id: (c.name, c.email, c.phone) for c in Customer.objects.all()}


def _assert_no_replacement_character() -> None:
    for customer in Customer.objects.all():
        assert "\ufffd" not in f"{customer.external_id}{customer.name}{customer.email}"
    for error in ImportRowError.objects.all():
        assert "\ufffd" not in f"{error.column}{error.value}"
    for run in ImportRun.objects.all():
        assert "\ufffd" not in f"{run.message}{run.mapping}"


EXPECTED_CUSTOMERS = {
    "C001": ("김민준", "minjun@example.com", "01011112222"),
    "C002": ("이서연", "seoyeon@example.com", "01033334444"),
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("codec", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp949", "cp949")],
)
def test_encoding_is_detected_automatically(tmp_path: Path, codec: str, detected: str) -> None:
    data = _csv_text([CUSTOMER_HEADER, *CUSTOMER_ROWS]).encode(codec)

    run = _import(tmp_path, "customers", data)

    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert run.encoding == detected
    # The BOM is not part of the first header: 고객번호 is still recognised.
    assert run.mapping["고객번호"] == "external_id"
    assert _stored_customers() == EXPECTED_CUSTOMERS
    _assert_no_replacement_character()


@pytest.mark.django_db
@pytest.mark.parametrize(("codec", "declared"), [("utf-8", "utf-8"), ("cp949", "cp949")])
def test_declared_encoding_is_used(tmp_path: Path, codec: str, declared: str) -> None:
    data = _csv_text([CUSTOMER_HEADER, *CUSTOMER_ROWS]).encode(codec)

    run = _import(tmp_path, "customers", data, encoding=declared)

    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert run.encoding == declared
    assert _stored_customers() == EXPECTED_CUSTOMERS


@pytest.mark.django_db
def test_cp949_orders_with_korean_headers_are_typed(tmp_path: Path) -> None:
    Customer.objects.create(external_id="C001", created_at=datetime(2023, 1, 1, tzinfo=UTC))
    store = Store.objects.create(external_id="GN01", name="강남점")
    rows = [ORDER_HEADER, ["O-1", "C001", "GN01", "매장", "2024-01-05 13:00", "12,000원"]]

    run = _import(tmp_path, "orders", _csv_text(rows).encode("cp949"))

    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert run.encoding == "cp949"
    order = Order.objects.get(external_id="O-1")
    assert (order.customer.external_id, order.store_id, order.channel, order.amount) == (
        "C001",
        store.pk,
        "store",
        Decimal("12000"),
    )


@pytest.mark.django_db
def test_cp949_file_declared_utf8_is_rejected_with_nothing_written(tmp_path: Path) -> None:
    data = _csv_text([CUSTOMER_HEADER, *CUSTOMER_ROWS]).encode("cp949")

    run = _import(tmp_path, "customers", data, encoding="utf-8")

    assert run.status == ImportRun.Status.REJECTED
    assert "not valid UTF-8" in run.message
    assert Customer.objects.count() == 0
    assert ImportRowError.objects.count() == 0
    _assert_no_replacement_character()


def _large_customers_text(count: int) -> str:
    rows = [[f"C{i:05d}", f"고객{i}님", f"user{i}@example.com"] for i in range(count)]
    return _csv_text([["고객번호", "고객명", "이메일"], *rows])


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.django_db
@pytest.mark.parametrize("codec", ["utf-8", "cp949"])
def test_korean_character_cut_by_the_sample_boundary_is_fine(tmp_path: Path, codec: str) -> None:
    text = _large_customers_text(2500)
    data = text.encode(codec)
    # Pad the first name until the boundary falls inside a multi-byte character.
    pad = 0
    while _decodes(data[:SAMPLE_BYTES], codec):
        pad += 1
        data = text.replace("고객0님", "고객0님" + "x" * pad, 1).encode(codec)
    assert pad < 50

    run = _import(tmp_path, "customers", data)

    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert run.encoding == codec
    assert Customer.objects.count() == 2500
    assert Customer.objects.get(external_id="C02499").name == "고객2499님"
    _assert_no_replacement_character()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("declared", ["auto", "utf-8"])
def test_invalid_utf8_after_the_first_64kb_is_rejected(tmp_path: Path, declared: str) -> None:
    head = _large_customers_text(3000).encode("utf-8")
    assert len(head) > SAMPLE_BYTES
    # Row 3002 (header is row 1) was pasted from a CP949 file.
    data = head + b"C99999," + "김철수".encode("cp949") + b",kim@example.com\r\n"

    run = _import(tmp_path, "customers", data, encoding=declared)

    assert run.status == ImportRun.Status.REJECTED
    assert "Row 3002" in run.message
    assert "not valid UTF-8" in run.message
    assert Customer.objects.count() == 0
    assert ImportRowError.objects.count() == 0
    _assert_no_replacement_character()


@pytest.mark.django_db(transaction=True)
def test_invalid_cp949_after_the_first_64kb_is_rejected(tmp_path: Path) -> None:
    head = _large_customers_text(3000).encode("cp949")
    assert len(head) > SAMPLE_BYTES
    data = head + b"C99999,\xff\xfe,kim@example.com\r\n"

    run = _import(tmp_path, "customers", data)

    assert (run.status, run.encoding) == (ImportRun.Status.REJECTED, "cp949")
    assert "Row 3002" in run.message
    assert "not valid CP949" in run.message
    assert Customer.objects.count() == 0
    _assert_no_replacement_character()
