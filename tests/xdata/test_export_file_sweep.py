"""The hourly export sweep also deletes the files nothing will serve: those of failed runs,
those of no run (its owner was deleted), and attempts' `.part` files older than a day; the
file of a run done within the week, and a young part, stay."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from django.utils import timezone

from cxm.models import User
from tests.xdata.test_explorer import make_response
from xdata.jobs import expire_exports, export_responses
from xdata.models import ExportRun

pytestmark = pytest.mark.django_db


def test_files_no_run_serves_are_deleted(
    agent: User, manager: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    make_response()
    done = ExportRun.objects.create(created_by=agent)
    export_responses(done.pk)
    folder = tmp_path / "exports"
    kept = folder / f"{done.code.hex}.xlsx"
    assert kept.is_file()
    failed = ExportRun.objects.create(created_by=agent, status=ExportRun.Status.FAILED)
    running = ExportRun.objects.create(created_by=agent, status=ExportRun.Status.RUNNING)
    files = {
        "failed": folder / f"{failed.code.hex}.2.part",
        "failed_file": folder / f"{failed.code.hex}.xlsx",
        "young_part": folder / f"{running.code.hex}.2.part",
        "old_part": folder / f"{running.code.hex}.1.part",
        "old_part_of_done": folder / f"{done.code.hex}.1.part",
        "no_run": folder / f"{uuid4().hex}.xlsx",
        "not_an_export": folder / "notes.txt",
    }
    for path in files.values():
        path.write_bytes(b"x")
    day_old = (timezone.now() - timedelta(hours=25)).timestamp()
    for name in ("old_part", "old_part_of_done"):
        os.utime(files[name], (day_old, day_old))
    # A deleted person's runs go with them; their file stays behind until the sweep.
    gone = ExportRun.objects.create(created_by=manager)
    orphan = folder / f"{gone.code.hex}.xlsx"
    orphan.write_bytes(b"x")
    manager.delete()

    assert expire_exports() == 0  # no done run is a week old
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted([kept.name, files["young_part"].name])
    assert expire_exports() == 0  # idempotent
    assert sorted(p.name for p in folder.iterdir()) == left
