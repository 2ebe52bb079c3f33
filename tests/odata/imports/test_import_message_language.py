"""An import run's message and its row errors are kept as codes and shown in the reader's
language, whatever language the process that ran the import used (a `bulk` worker runs in the
server's default language)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from cxm.models import User
from cxm.roles import Role
from odata.models import ImportKind, ImportRun
from odata.services.imports import run_import, start_import
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.odata.imports.files import csv_bytes

pytestmark = pytest.mark.django_db

# Two rows without a customer number: strict mode refuses the file.
CUSTOMERS = csv_bytes([["고객번호", "이름"], ["", "김민준"], ["C2", "이서연"], ["", "박지호"]])

STRICT_EN = "2 rows have errors, so nothing was written (strict mode)."
STRICT_KO = "2개 행에 오류가 있어 아무것도 저장하지 않았습니다(엄격 방식)."
REQUIRED_EN = "A value is required."
REQUIRED_KO = "값이 필요합니다."


def _run_by_a_korean_worker(tmp_path: Path) -> ImportRun:
    source = tmp_path / "customers.csv"
    source.write_bytes(CUSTOMERS)
    with translation.override("ko"):
        run = start_import(
            kind=ImportKind.CUSTOMERS, source=source, file_name="customers.csv", enqueue=False
        )
        run_import(run_id=run.pk)
    run.refresh_from_db()
    return run


def _admin(language: str) -> Client:
    return client_for(UserFactory(username=f"admin-{language}", role=Role.ADMIN, language=language))


def test_the_run_stores_a_code_and_its_parameters_not_words(tmp_path: Path) -> None:
    run = _run_by_a_korean_worker(tmp_path)

    assert run.status == ImportRun.Status.REJECTED
    assert (run.message_code, run.message_params, run.legacy_message) == (
        "strict_rejected",
        {"count": 2},
        "",
    )
    assert set(run.row_errors.values_list("reason", flat=True)) == {"required"}
    assert run.message == STRICT_EN
    with translation.override("ko"):
        assert run.message == STRICT_KO


def test_a_run_written_in_korean_shows_english_to_an_english_admin(tmp_path: Path) -> None:
    run = _run_by_a_korean_worker(tmp_path)
    client = _admin("en")

    detail = client.get(f"/odata/imports/{run.code}/").content.decode()
    history = client.get("/odata/imports/").content.decode()

    assert STRICT_EN in detail
    assert REQUIRED_EN in detail
    assert STRICT_EN in history
    for page in (detail, history):
        assert STRICT_KO not in page
        assert REQUIRED_KO not in page


def test_and_korean_to_a_korean_admin(tmp_path: Path) -> None:
    run = _run_by_a_korean_worker(tmp_path)
    client = _admin("ko")

    detail = client.get(f"/odata/imports/{run.code}/").content.decode()
    history = client.get("/odata/imports/").content.decode()

    assert STRICT_KO in detail
    assert REQUIRED_KO in detail
    assert STRICT_KO in history
    assert STRICT_EN not in detail + history


@pytest.mark.parametrize(
    ("language", "header", "reason"),
    [("en", ["row", "column", "value", "reason"], REQUIRED_EN), ("ko", ["행"], REQUIRED_KO)],
)
def test_the_error_report_is_in_the_downloading_users_language(
    tmp_path: Path, language: str, header: list[str], reason: str
) -> None:
    run = _run_by_a_korean_worker(tmp_path)

    response = _admin(language).get(f"/odata/imports/{run.code}/errors.csv")

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][: len(header)] == header
    assert [(row[0], row[3]) for row in rows[1:]] == [("2", reason), ("4", reason)]


def test_a_run_stored_as_words_before_codes_still_shows_them(admin: User) -> None:
    old = ImportRun.objects.create(
        kind=ImportKind.ORDERS,
        file_name="old.csv",
        file_sha256="",
        status=ImportRun.Status.REJECTED,
        legacy_message="가져올 수 있는 행이 없습니다.",
    )

    assert old.message == "가져올 수 있는 행이 없습니다."
    page = client_for(admin).get(f"/odata/imports/{old.code}/").content.decode()
    assert "가져올 수 있는 행이 없습니다." in page


def test_missing_columns_are_named_in_the_readers_language(tmp_path: Path) -> None:
    source = tmp_path / "names.csv"
    source.write_bytes(csv_bytes([["이름"], ["김민준"]]))
    with translation.override("ko"):
        run = start_import(
            kind=ImportKind.CUSTOMERS, source=source, file_name="names.csv", enqueue=False
        )

    assert (run.message_code, run.message_params) == (
        "missing_columns",
        # Its only column holds the name: the file has no column for the number.
        {"fields": ["external_id"], "without_column": ["external_id"]},
    )
    assert "Required columns are missing: customer number." in run.message
    with translation.override("ko"):
        assert "고객번호" in run.message


def test_the_command_summary_keeps_the_code_and_words_go_to_stderr(tmp_path: Path) -> None:
    source = tmp_path / "customers.csv"
    source.write_bytes(CUSTOMERS)
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(SystemExit):
        call_command("import_odata", "customers", str(source), stdout=out, stderr=err)

    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (summary["message_code"], summary["message_params"]) == ("strict_rejected", {"count": 2})
    assert summary["message"] == STRICT_EN
    assert STRICT_EN in err.getvalue()
