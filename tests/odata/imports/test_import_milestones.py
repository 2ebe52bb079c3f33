"""Imports record journey milestones once: delivered deliveries, completed store orders and
closed service records each become one OperationalEvent, however often they are imported."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from odata.models import Customer, ImportRun, OperationalEvent, Order, Store
from tests.odata.imports.files import csv_bytes, run_file

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def customer(db: None) -> Customer:
    return Customer.objects.create(external_id="C1", created_at=T0)


@pytest.fixture
def store(db: None) -> Store:
    return Store.objects.create(external_id="S1", name="강남점")


@pytest.fixture
def order(customer: Customer, store: Store) -> Order:
    return Order.objects.create(
        external_id="O1", customer=customer, store=store, channel="online", placed_at=T0, amount=1
    )


def _import(tmp_path: Path, kind: str, rows: list[list[str]]) -> ImportRun:
    run = run_file(tmp_path, kind, csv_bytes(rows))
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    return run


def _events(kind: str) -> list[tuple[str, str, datetime]]:
    return [
        (e.subject_key, e.customer.external_id, e.occurred_at.astimezone(SEOUL))
        for e in OperationalEvent.objects.filter(kind=kind).select_related("customer")
        .order_by("subject_key")
    ]  # fmt: skip


def test_delivered_rows_record_delivery_milestones_once(order: Order, tmp_path: Path) -> None:
    header = ["배송번호", "주문번호", "배송예정일", "배송완료일"]
    rows = [
        header,
        ["D1", "O1", "2024-01-07", "2024-01-06 15:00"],
        ["D2", "O1", "2024-01-07", ""],
    ]
    _import(tmp_path, "deliveries", rows)
    d1 = order.deliveries.get(external_id="D1")

    assert d1.status == "delivered"
    assert order.deliveries.get(external_id="D2").status == "pending"
    expected = [(f"delivery:{d1.pk}", "C1", datetime(2024, 1, 6, 15, tzinfo=SEOUL))]
    assert _events("delivery.delivered") == expected

    # A later export: D1 again (its delivery time corrected), D2 now delivered.
    later = [
        header,
        ["D2", "O1", "2024-01-07", "2024-01-08 10:00"],
        ["D1", "O1", "2024-01-07", "2024-01-06 16:00"],
    ]
    run = _import(tmp_path, "deliveries", later)

    d2 = order.deliveries.get(external_id="D2")
    assert (run.updated, d2.status) == (2, "delivered")
    assert _events("delivery.delivered") == [
        *expected,
        (f"delivery:{d2.pk}", "C1", datetime(2024, 1, 8, 10, tzinfo=SEOUL)),
    ]
    assert OperationalEvent.objects.count() == 2


def test_reimport_adds_no_milestones(order: Order, tmp_path: Path) -> None:
    rows = [
        ["배송번호", "주문번호", "배송예정일", "배송완료일", "배송상태"],
        ["D1", "O1", "2024-01-07", "2024-01-06", "배송완료"],
        ["D2", "O1", "2024-01-07", "", "배송중"],
    ]
    _import(tmp_path, "deliveries", rows)
    first = list(OperationalEvent.objects.values_list("pk", "subject_key"))

    # Not byte-identical (so it really runs), same facts.
    run = _import(tmp_path, "deliveries", [rows[0], rows[2], rows[1]])

    assert (run.unchanged, run.updated, run.created) == (2, 0, 0)
    assert len(first) == 1
    assert list(OperationalEvent.objects.values_list("pk", "subject_key")) == first


def test_completed_store_orders_record_order_milestones(
    customer: Customer, store: Store, tmp_path: Path
) -> None:
    rows = [
        ["주문번호", "고객번호", "매장코드", "채널", "주문일시", "결제금액", "주문상태"],
        ["O1", "C1", "S1", "매장", "2024-01-05 13:00", "1000", "완료"],
        ["O2", "C1", "S1", "매장", "2024-01-05 14:00", "1000", "주문"],
        ["O3", "C1", "", "온라인", "2024-01-05 15:00", "1000", "완료"],
    ]
    _import(tmp_path, "orders", rows)
    _import(tmp_path, "orders", [rows[0], rows[1], rows[3]])

    o1 = Order.objects.get(external_id="O1")
    assert _events("order.completed") == [
        (f"order:{o1.pk}", "C1", datetime(2024, 1, 5, 13, tzinfo=SEOUL))
    ]
    assert OperationalEvent.objects.get().store == store


def test_closed_service_records_record_service_milestones(order: Order, tmp_path: Path) -> None:
    rows = [
        ["접수번호", "고객번호", "주문번호", "유형", "접수일시", "종료일시"],
        ["SR1", "C1", "O1", "불만", "2024-01-05 10:00", "2024-01-06 11:00"],
        ["SR2", "C1", "", "문의", "2024-01-05 10:00", ""],
    ]
    _import(tmp_path, "service_records", rows)
    _import(tmp_path, "service_records", [rows[0], rows[2], rows[1]])

    sr1 = order.service_records.get()
    assert _events("service.closed") == [
        (f"service:{sr1.pk}", "C1", datetime(2024, 1, 6, 11, tzinfo=SEOUL))
    ]
    assert OperationalEvent.objects.get().order == order
