"""A value a choice column does not accept is reported with the values it does accept, in
the reader's language, on the run's page and in the error report."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.utils import translation

from cxm.roles import Role
from odata.models import Customer, ImportMode, ImportRun
from odata.services.imports import first_errors
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.odata.imports.files import csv_bytes, run_file

pytestmark = pytest.mark.django_db

ACCEPTED = {"en": "placed, completed, cancelled, returned", "ko": "주문, 완료, 취소, 반품"}


def _orders_with_a_bad_status(tmp_path: Path) -> ImportRun:
    Customer.objects.create(external_id="C1", created_at=datetime(2023, 1, 1, tzinfo=UTC))
    rows = [
        ["주문번호", "고객번호", "채널", "주문일시", "결제금액", "주문상태"],
        ["O1", "C1", "온라인", "2024-01-05", "1000", "완료"],
        ["O2", "C1", "온라인", "2024-01-05", "1000", "배송중"],
    ]
    run = run_file(tmp_path, "orders", csv_bytes(rows), mode=ImportMode.SKIP_INVALID)
    assert (run.rows_ok, run.rows_rejected) == (1, 1)
    return run


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_page_lists_the_accepted_values(tmp_path: Path, language: str) -> None:
    run = _orders_with_a_bad_status(tmp_path)
    with translation.override(language):
        [error] = first_errors(run=run)
    assert (error.line, error.value) == (3, "배송중")
    assert ACCEPTED[language] in error.reason_text  # type: ignore[attr-defined]

    admin = UserFactory(role=Role.ADMIN, language=language)
    page = client_for(admin).get(f"/odata/imports/{run.code}/").content.decode()
    assert ACCEPTED[language] in page


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_error_report_lists_the_accepted_values(tmp_path: Path, language: str) -> None:
    run = _orders_with_a_bad_status(tmp_path)
    admin = UserFactory(role=Role.ADMIN, language=language)

    response = client_for(admin).get(f"/odata/imports/{run.code}/errors.csv")

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    [_header, row] = list(csv.reader(io.StringIO(body)))
    assert row[:3] == ["3", "주문상태", "배송중"]
    assert ACCEPTED[language] in row[3]
