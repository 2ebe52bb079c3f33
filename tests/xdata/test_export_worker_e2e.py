"""A real `rqworker` on the bulk queue writes the XLSX a person asked for with "Prepare the
file", and the run's page then offers the download."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cxm.models import User
from tests.conftest import client_for
from tests.cxm.test_worker_e2e import ROOT, _worker_env
from tests.xdata.test_explorer import make_response
from tests.xdata.test_exports import XLSX
from xdata.models import ExportRun

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_prepares_the_file(agent: User, tmp_path: Path) -> None:
    for comment in ("좋아요", "=1+1"):
        make_response(comment=comment)
    client = client_for(agent)
    started = client.post(XLSX)
    assert started.status_code == 302
    run = ExportRun.objects.get()
    worker = subprocess.run(
        [sys.executable, "manage.py", "rqworker", "--burst", "bulk"],
        cwd=ROOT,
        env={**_worker_env(), "MEDIA_ROOT": str(tmp_path / "media")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert worker.returncode == 0, worker.stdout + worker.stderr
    run.refresh_from_db()
    assert (run.status, run.rows_done, run.rows_total) == (ExportRun.Status.DONE, 2, 2)
    page = client.get(started["Location"]).content.decode()
    assert f"/xdata/exports/{run.code}/file" in page
    download = client.get(f"/xdata/exports/{run.code}/file")
    raw = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    rows = list(load_workbook(io.BytesIO(raw)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 3
    assert "'=1+1" in [cell for row in rows for cell in row]
