"""A delivery row dated before its order was placed is a row error (the order's time in the
report), as the events API refuses such a `delivery.delivered`; a delivery at the very time of
placement, or without a delivered date, is fine."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.utils import translation

from odata.models import Customer, Delivery, ImportMode, ImportRun, OperationalEvent, Order
from odata.services.imports import first_errors
from tests.odata.imports.files import csv_bytes, row_errors, run_file

pytestmark = pytest.mark.django_db

PLACED = datetime(2024, 1, 5, 4, 0, tzinfo=UTC)  # 2024-01-05 13:00 in Seoul
HEADER = ["배송번호", "주문번호", "배송예정일", "배송완료일"]


@pytest.fixture(autouse=True)
def _order(db: None) -> None:
    customer = Customer.objects.create(
        external_id="C1", created_at=datetime(2023, 1, 1, tzinfo=UTC)
    )
    Order.objects.create(
        external_id="O1", customer=customer, channel="online", placed_at=PLACED, amount=1
    )


def test_a_delivery_before_its_order_is_a_row_error(tmp_path: Path) -> None:
    rows = [
        HEADER,
        ["D1", "O1", "2024-01-07", "2024-01-05 12:59"],
        ["D2", "O1", "2024-01-07", "2024-01-05 13:00"],
        ["D3", "O1", "2024-01-07", ""],
    ]

    run = run_file(tmp_path, "deliveries", csv_bytes(rows), mode=ImportMode.SKIP_INVALID)

    assert (run.status, run.rows_ok, run.rows_rejected) == (ImportRun.Status.SUCCEEDED, 2, 1)
    assert row_errors(run) == {(2, "배송완료일", "2024-01-05 12:59", "delivered_before_order")}
    [error] = first_errors(run=run)
    assert error.reason_text == (  # type: ignore[attr-defined]
        "The delivery date is before the order was placed (2024-01-05 13:00)."
    )
    assert set(Delivery.objects.values_list("external_id", flat=True)) == {"D2", "D3"}
    assert OperationalEvent.objects.count() == 1  # D2's delivery milestone


def test_in_strict_mode_nothing_is_written(tmp_path: Path) -> None:
    rows = [HEADER, ["D1", "O1", "2024-01-07", "2024-01-04"], ["D2", "O1", "2024-01-07", ""]]

    run = run_file(tmp_path, "deliveries", csv_bytes(rows))

    assert run.status == ImportRun.Status.REJECTED
    assert run.message_code == "strict_rejected"
    assert not Delivery.objects.exists()
    with translation.override("ko"):
        [error] = first_errors(run=run)
    assert "2024-01-05 13:00" in error.reason_text  # type: ignore[attr-defined]
