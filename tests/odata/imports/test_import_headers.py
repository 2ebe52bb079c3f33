"""Columns are found by their English or Korean names whatever the spacing, case or width,
in comma, tab or semicolon separated files; presets and explicit choices override."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from odata.models import Customer, ImportRun, MappingPreset, Order
from odata.services.imports import run_import, start_import

pytestmark = pytest.mark.django_db


def _import(tmp_path: Path, kind: str, text: str, **options: Any) -> ImportRun:
    source = tmp_path / "upload.csv"
    source.write_bytes(text.encode("utf-8"))
    run = start_import(kind=kind, source=source, file_name="upload.csv", enqueue=False, **options)
    if run.status == ImportRun.Status.QUEUED:
        run_import(run_id=run.pk)
        run.refresh_from_db()
    return run


@pytest.mark.parametrize(
    "header",
    [
        "customer_id,name,e-mail,mobile",
        "Customer ID,Customer Name,E-Mail,Phone Number",
        "고객 번호,고객명,이메일 주소,휴대폰 번호",
        # Full-width letters, as typed with a Korean input method.
        "\uff23\uff35\uff33\uff34\uff2f\uff2d\uff25\uff32\uff3f\uff29\uff24,성명,메일,연락처",
        "회원번호, 이름 ,Mail,TEL",
    ],
)
def test_english_and_korean_names_in_any_spacing_case_or_width(tmp_path: Path, header: str) -> None:
    run = _import(tmp_path, "customers", f"{header}\r\nC1,김민준,kim@example.com,010-1234-5678\r\n")

    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert sorted(run.mapping.values()) == ["email", "external_id", "name", "phone"]
    customer = Customer.objects.get()
    assert (customer.external_id, customer.name, customer.email, customer.phone) == (
        "C1",
        "김민준",
        "kim@example.com",
        "01012345678",
    )


@pytest.mark.parametrize("separator", ["\t", ";", "|"])
def test_tab_semicolon_and_pipe_separated_files(tmp_path: Path, separator: str) -> None:
    lines = [["고객번호", "고객명", "등급"], ["C1", "김민준, 주니어", "VIP"], ["C2", "이서연", ""]]
    text = "".join(separator.join(cells) + "\r\n" for cells in lines)

    run = _import(tmp_path, "customers", text)

    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert dict(Customer.objects.values_list("external_id", "name")) == {
        "C1": "김민준, 주니어",
        "C2": "이서연",
    }


def test_quoted_cells_with_separators_and_line_breaks(tmp_path: Path) -> None:
    text = '고객번호,고객명\r\nC1,"김, 민준"\r\nC2,"이서연\r\n(VIP)"\r\nC3,박지호\r\n'

    run = _import(tmp_path, "customers", text)

    assert (run.status, run.rows_total) == (ImportRun.Status.SUCCEEDED, 3)
    assert Customer.objects.get(external_id="C2").name == "이서연\r\n(VIP)"


def test_preset_then_explicit_choice_override_automatic_matching(tmp_path: Path) -> None:
    Customer.objects.create(external_id="C1", created_at=datetime(2023, 1, 1, tzinfo=UTC))
    preset = MappingPreset.objects.create(
        kind="orders", name="ERP", mapping={"전표번호": "external_id", "경로": "channel"}
    )
    text = (
        "전표번호,주문번호,고객번호,경로,채널,주문일시,결제금액\r\n"
        "E1,O1,C1,매장,우편,2024-01-05,1000\r\n"
    )

    run = _import(tmp_path, "orders", text, preset=preset, mapping={"주문번호": "external_id"})

    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert run.mapping["주문번호"] == "external_id"
    assert "전표번호" not in run.mapping
    assert run.mapping["경로"] == "channel"
    assert "채널" not in run.mapping  # one column per field: the preset moved it
    order = Order.objects.get()
    assert (order.external_id, order.channel) == ("O1", "store")
