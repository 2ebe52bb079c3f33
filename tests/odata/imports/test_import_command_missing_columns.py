"""`import_odata` says what to do about a required field the file lacks, in its JSON summary
and on stderr: `--map` when a column it did not recognise may hold the field, `--value` with
the values when the field takes one value for every row, a new column otherwise."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from odata.models import ImportRun

pytestmark = pytest.mark.django_db


def _refused(tmp_path: Path, header: str, row: str) -> tuple[dict[str, Any], str]:
    path = tmp_path / "orders.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import_odata", "orders", str(path), stdout=out, stderr=err)
    assert exit_.value.code == 1
    summary: dict[str, Any] = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (summary["status"], summary["message_code"]) == ("rejected", "missing_columns")
    assert summary["message"] in err.getvalue()
    return summary, summary["message"]


def test_a_channel_the_file_has_no_column_for_names_value(tmp_path: Path) -> None:
    summary, message = _refused(
        tmp_path, "주문번호,고객번호,매장코드,주문일시,결제금액", "O1,C1,S1,2024-03-01,1000"
    )

    assert summary["message_params"] == {"fields": ["channel"], "without_column": ["channel"]}
    assert message == (
        "Required columns are missing: channel. The file has no column for channel: give one "
        "value for every row with --value channel=online (channel: online, store, app, phone), "
        "or add the column to the file."
    )
    assert "--map" not in message


def test_a_column_not_recognised_names_map_and_value(tmp_path: Path) -> None:
    _summary, message = _refused(
        tmp_path, "주문번호,고객번호,주문일시,결제금액,경로", "O1,C1,2024-03-01,1000,웹"
    )

    assert message == (
        "Required columns are missing: channel. Name the column that holds channel with --map "
        "COLUMN=FIELD, or give one value for every row with --value channel=online "
        "(channel: online, store, app, phone)."
    )


def test_a_field_without_fixed_values_needs_a_new_column(tmp_path: Path) -> None:
    _summary, message = _refused(tmp_path, "주문번호,고객번호,채널,결제금액", "O1,C1,웹,1000")

    assert message == (
        "Required columns are missing: placed at. "
        "The file has no column for placed at: add the column to the file."
    )


def test_the_message_names_value_in_korean_too(tmp_path: Path) -> None:
    _refused(tmp_path, "주문번호,고객번호,매장코드,주문일시,결제금액", "O1,C1,S1,2024-03-01,1000")
    run = ImportRun.objects.get()

    with translation.override("ko"):
        message = run.message

    assert message.startswith("필수 열이 없습니다: 채널.")
    assert "--value channel=online (channel: online, store, app, phone)" in message
