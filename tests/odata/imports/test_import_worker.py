"""A real `rqworker` on the bulk queue runs an uploaded import end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from odata.models import Customer
from odata.services.imports import start_import
from tests.conftest import subprocess_database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[3]


def test_uploaded_import_is_run_by_a_bulk_worker(tmp_path: Path, settings: Any) -> None:
    source = tmp_path / "customers.csv"
    source.write_bytes("고객번호,고객명\r\nC1,김민준\r\nC2,이서연\r\n".encode("cp949"))

    # Autocommit: the job is enqueued as soon as the run is saved.
    run = start_import(kind="customers", source=source, file_name="고객.csv", enqueue=True)
    worker = subprocess.run(
        [sys.executable, "manage.py", "rqworker", "--burst", "bulk"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": subprocess_database_url(),
            "MEDIA_ROOT": settings.MEDIA_ROOT,
            "LOG_FORMAT": "text",
        },
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )

    assert worker.returncode == 0, worker.stdout + worker.stderr
    run.refresh_from_db()
    assert (run.status, run.encoding, run.created, run.progress) == ("succeeded", "cp949", 2, 100)
    assert dict(Customer.objects.values_list("external_id", "name")) == {
        "C1": "김민준",
        "C2": "이서연",
    }
