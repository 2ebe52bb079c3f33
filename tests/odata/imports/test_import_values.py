"""Cells are typed the way Korean exports write them: dates in several forms (local time in
TIME_ZONE unless an offset is given), amounts with separators and currency signs, phones as
digits, lower-case e-mails, Korean words for channels, statuses, kinds and yes/no. A cell that
cannot be typed is a row error naming its row, column, value and reason."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from odata.models import (
    Customer,
    Delivery,
    ImportMode,
    ImportRun,
    Order,
    ServiceRecord,
    Store,
)
from tests.odata.imports.files import csv_bytes, row_errors, run_file

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2023, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _seoul_time(settings: Any) -> None:
    settings.TIME_ZONE = "Asia/Seoul"


@pytest.fixture
def store(db: None) -> Store:
    Customer.objects.create(external_id="C1", created_at=T0)
    return Store.objects.create(external_id="S1", name="강남점")


def _import(tmp_path: Path, kind: str, rows: list[list[str]]) -> ImportRun:
    return run_file(tmp_path, kind, csv_bytes(rows), mode=ImportMode.SKIP_INVALID)


def _orders(tmp_path: Path, column: str, values: list[str]) -> ImportRun:
    """One order per value; `column` (주문일시 or 결제금액) holds the value under test."""
    rows = [["주문번호", "고객번호", "채널", "주문일시", "결제금액"]]
    for i, value in enumerate(values):
        date, amount = (value, "1000") if column == "주문일시" else ("2024-01-05", value)
        rows.append([f"O{i}", "C1", "온라인", date, amount])
    return _import(tmp_path, "orders", rows)


GOOD_DATES = {
    "2024-01-05 13:00": datetime(2024, 1, 5, 13, 0, tzinfo=SEOUL),
    "2024.01.05": datetime(2024, 1, 5, tzinfo=SEOUL),
    "2024/01/05": datetime(2024, 1, 5, tzinfo=SEOUL),
    "2024.1.5 9:30": datetime(2024, 1, 5, 9, 30, tzinfo=SEOUL),
    "2024-01-05T13:00:00": datetime(2024, 1, 5, 13, 0, tzinfo=SEOUL),
    "2024-01-05T13:00:00+00:00": datetime(2024, 1, 5, 22, 0, tzinfo=SEOUL),
    "2024-01-05T04:00:00Z": datetime(2024, 1, 5, 13, 0, tzinfo=SEOUL),
    "2024-01-05 13:00:00-05:00": datetime(2024, 1, 6, 3, 0, tzinfo=SEOUL),
    "2100-12-31 23:59": datetime(2100, 12, 31, 23, 59, tzinfo=SEOUL),
}
BAD_DATES = [
    "2024-02-30",
    "2024-13-01",
    "2024-02-30T10:00:00+09:00",
    "05/01/2024",
    "어제",
    # Placeholders and typing errors outside 1900-2100: 0001-01-01 in Seoul's local time is
    # an instant before year 1, which the database stores and Python cannot read back.
    "0001-01-01",
    "0001-01-01T00:00:00+09:00",
    "1899-12-31",
    "2101-01-01",
    "9999-12-31",
    "0001-02-29",  # the checked path (29 February) too
]


def test_dates_in_korean_export_forms_are_local_time_unless_an_offset_is_given(
    store: Store, tmp_path: Path
) -> None:
    values = list(GOOD_DATES) + BAD_DATES
    run = _orders(tmp_path, "주문일시", values)

    stored = {
        values[int(o.external_id[1:])]: o.placed_at.astimezone(SEOUL) for o in Order.objects.all()
    }
    assert stored == GOOD_DATES
    assert all(value.tzinfo is not None for value in stored.values())
    first_bad = 2 + len(GOOD_DATES)
    assert row_errors(run) == {
        (first_bad + i, "주문일시", value, "invalid_date") for i, value in enumerate(BAD_DATES)
    }
    assert (run.rows_ok, run.rows_rejected) == (len(GOOD_DATES), len(BAD_DATES))


GOOD_AMOUNTS = {
    "12,000": Decimal("12000"),
    "₩12,000": Decimal("12000"),
    "12000.50": Decimal("12000.50"),
    "12,000원": Decimal("12000"),
    " 1,234,567 ": Decimal("1234567"),
    "0": Decimal("0"),
}
BAD_AMOUNTS = ["12,00", "abc", "-500", "1.2.3", "₩"]


def test_amounts_with_separators_and_currency_signs(store: Store, tmp_path: Path) -> None:
    values = list(GOOD_AMOUNTS) + BAD_AMOUNTS
    run = _orders(tmp_path, "결제금액", values)

    stored = {values[int(o.external_id[1:])]: o.amount for o in Order.objects.all()}
    assert stored == GOOD_AMOUNTS
    first_bad = 2 + len(GOOD_AMOUNTS)
    assert row_errors(run) == {
        (first_bad + i, "결제금액", value, "invalid_amount") for i, value in enumerate(BAD_AMOUNTS)
    }


def test_phone_is_digits_and_email_lower_case(tmp_path: Path) -> None:
    rows = [
        ["고객번호", "이메일", "휴대폰"],
        ["C1", "Hong@Example.COM", "010-1234-5678"],
        ["C2", " kim@example.co.kr ", "(02) 555-1234"],
        ["C3", "", "+82 10 1234 5678"],
        ["C4", "not-an-email", "123"],
        ["C5", "a@b", ""],
    ]
    run = _import(tmp_path, "customers", rows)

    stored = {c.external_id: (c.email, c.phone) for c in Customer.objects.all()}
    assert stored == {
        "C1": ("hong@example.com", "01012345678"),
        "C2": ("kim@example.co.kr", "025551234"),
        "C3": ("", "821012345678"),
    }
    assert row_errors(run) == {
        (5, "이메일", "not-an-email", "invalid_email"),
        (5, "휴대폰", "123", "invalid_phone"),
        (6, "이메일", "a@b", "invalid_email"),
    }
    assert run.rows_rejected == 2


def test_consent_words_and_language_names(tmp_path: Path) -> None:
    words = {"Y": True, "N": False, "동의": True, "미동의": False, "yes": True, "0": False}
    rows = [["고객번호", "수신동의", "언어"]]
    rows += [[f"C{i}", word, "한국어"] for i, word in enumerate(words)]
    rows += [["CX", "maybe", "English"], ["CL", "Y", "klingon"], ["CE", "Y", "English"]]
    run = _import(tmp_path, "customers", rows)

    keys = list(words)
    stored = {
        keys[int(c.external_id[1:])]: c.survey_consent
        for c in Customer.objects.exclude(external_id="CE")
    }
    assert stored == words
    assert Customer.objects.get(external_id="CE").language == "en"
    assert set(Customer.objects.exclude(external_id="CE").values_list("language", flat=True)) == {
        "ko"
    }
    last = len(words) + 1
    assert row_errors(run) == {
        (last + 1, "수신동의", "maybe", "invalid_bool"),
        (last + 2, "언어", "klingon", "invalid_choice"),
    }


def test_korean_channel_and_status_words(store: Store, tmp_path: Path) -> None:
    rows = [
        ["주문번호", "고객번호", "매장코드", "채널", "주문일시", "결제금액", "상태", "수량"],
        ["O1", "C1", "S1", "매장", "2024-01-05", "1000", "완료", "3"],
        ["O2", "C1", "", "온라인", "2024-01-05", "1000", "취소", ""],
        ["O3", "C1", "", "Online", "2024-01-05", "1000", "반품", "1"],
        ["O4", "C1", "", "앱", "2024-01-05", "1000", "", ""],
        ["O5", "C1", "", "우편", "2024-01-05", "1000", "", ""],
        ["O6", "C1", "", "전화", "2024-01-05", "1000", "배달", "2.5"],
    ]
    run = _import(tmp_path, "orders", rows)

    stored = {
        o.external_id: (o.channel, o.status, o.item_count, o.store_id) for o in Order.objects.all()
    }
    assert stored == {
        "O1": ("store", "completed", 3, store.pk),
        "O2": ("online", "cancelled", 1, None),
        "O3": ("online", "returned", 1, None),
        "O4": ("app", "placed", 1, None),
    }
    assert row_errors(run) == {
        (6, "채널", "우편", "invalid_choice"),
        (7, "상태", "배달", "invalid_choice"),
        (7, "수량", "2.5", "invalid_number"),
    }


def test_korean_service_kinds_and_delivery_statuses(store: Store, tmp_path: Path) -> None:
    rows = [
        ["접수번호", "고객번호", "유형", "접수일시", "종료일시"],
        ["SR1", "C1", "불만", "2024-01-05 10:00", "2024-01-06 10:00"],
        ["SR2", "C1", "문의", "2024-01-05 10:00", ""],
        ["SR3", "C1", "A/S", "2024-01-05 10:00", ""],
        ["SR4", "C1", "교환", "2024-01-05 10:00", ""],
        ["SR5", "C1", "칭찬", "2024-01-05 10:00", ""],
    ]
    run = _import(tmp_path, "service_records", rows)

    assert dict(ServiceRecord.objects.values_list("external_id", "kind")) == {
        "SR1": "complaint",
        "SR2": "inquiry",
        "SR3": "repair",
        "SR4": "return",
    }
    assert row_errors(run) == {(6, "유형", "칭찬", "invalid_choice")}

    Order.objects.create(
        external_id="O1", customer=Customer.objects.get(), channel="online", placed_at=T0, amount=1
    )
    rows = [
        ["배송번호", "주문번호", "배송예정일", "배송상태"],
        ["D1", "O1", "2024-01-07", "배송완료"],
        ["D2", "O1", "2024-01-07", "배송중"],
        ["D3", "O1", "2024-01-07", "배송준비"],
        ["D4", "O1", "2024-01-07", "분실"],
    ]
    run = _import(tmp_path, "deliveries", rows)

    assert dict(Delivery.objects.values_list("external_id", "status")) == {
        "D1": "delivered",
        "D2": "shipped",
        "D3": "pending",
    }
    assert row_errors(run) == {(5, "배송상태", "분실", "invalid_choice")}


def test_store_regions_managers_and_active_flags(tmp_path: Path) -> None:
    from cxm.models import User

    manager = User.objects.create(username="gn", email="GN.Manager@example.com")
    long_region = "가" * 65
    rows = [
        ["매장코드", "매장명", "지역", "점장이메일", "운영여부"],
        ["S1", "강남점", "서울", "gn.manager@EXAMPLE.com", "Y"],
        ["S2", "부산점", "부산", "", "N"],
        ["S3", "잠실점", "서울", "", ""],
        ["S4", "먼곳점", long_region, "", ""],
    ]
    run = _import(tmp_path, "stores", rows)

    stored = {
        s.external_id: (s.name, s.region.name if s.region else None, s.manager_id, s.is_active)
        for s in Store.objects.select_related("region")
    }
    assert stored == {
        "S1": ("강남점", "서울", manager.pk, True),
        "S2": ("부산점", "부산", None, False),
        "S3": ("잠실점", "서울", None, True),
    }
    assert row_errors(run) == {(5, "지역", long_region, "too_long")}


def test_too_long_numbers_and_names_are_row_errors(tmp_path: Path) -> None:
    long_id, long_name = "C" * 65, "김" * 201
    rows = [["고객번호", "고객명"], [long_id, "김민준"], ["C2", long_name], ["C3", "이서연"]]

    run = _import(tmp_path, "customers", rows)

    assert list(Customer.objects.values_list("external_id", flat=True)) == ["C3"]
    assert row_errors(run) == {
        (2, "고객번호", long_id, "too_long"),
        (3, "고객명", long_name, "too_long"),
    }
