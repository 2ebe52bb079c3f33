"""The import page's error table and its downloadable report name their columns alike, in the
reader's language, and the page names the kind of file as the upload form does."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from cxm.models import User
from odata.models import Customer, ImportMode
from tests.conftest import client_for
from tests.odata.imports.files import csv_bytes, run_file
from tests.odata.imports.test_import_modes import ORDERS, T0

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "kind_label"), [("ko", "파일 내용"), ("en", "What the file holds")]
)
def test_the_error_table_and_the_report_share_their_column_names(
    admin: User, tmp_path: Path, language: str, kind_label: str
) -> None:
    User.objects.filter(pk=admin.pk).update(language=language)
    Customer.objects.create(external_id="C1", created_at=T0)
    run = run_file(tmp_path, "orders", csv_bytes(ORDERS), mode=ImportMode.SKIP_INVALID)
    client = client_for(admin)

    page = client.get(f"/odata/imports/{run.code}/").content.decode()
    thead = re.search(r"<thead><tr>(.*?)</tr></thead>", page, re.S)
    assert thead is not None
    on_page = [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<th[^>]*>.*?</th>", thead[1])
    ]
    report = client.get(f"/odata/imports/{run.code}/errors.csv")
    body = b"".join(report.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    header = next(csv.reader(io.StringIO(body)))
    assert [name.casefold() for name in on_page] == [name.casefold() for name in header]
    assert f"<dt>{kind_label}</dt>" in page
