"""An export attempt whose run the reconciler handed on while it was writing stops at its next
heartbeat and writes nothing final; the next attempt, in a file of its own, produces the file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from cxm.models import User
from tests.xdata.test_explorer import make_response
from xdata import exports
from xdata.exports import write_xlsx
from xdata.jobs import export_responses, reconcile_exports
from xdata.models import ExportRun
from xdata.selectors import ExplorerFilters
from xdata.services import exports as export_service

pytestmark = pytest.mark.django_db


def test_the_first_attempt_stops_and_the_second_writes_the_file(
    agent: User, monkeypatch: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    for _ in range(5):
        make_response()
    run = ExportRun.objects.create(created_by=agent)
    seen: dict[str, Any] = {}

    def paused(filters: ExplorerFilters, handle: Any, *, progress: Any) -> int:
        first = not seen

        def step(rows: int) -> None:
            if first and rows == 2 and "second" not in seen:
                # The first attempt looks lost (no heartbeat for three minutes): the reconciler
                # hands the run on and a second attempt writes the whole file meanwhile.
                seen["parts"] = sorted(p.name for p in (tmp_path / "exports").iterdir())
                ExportRun.objects.filter(pk=run.pk).update(
                    heartbeat_at=timezone.now() - timedelta(minutes=3)
                )
                assert reconcile_exports()["requeued"] == 1
                export_responses(run.pk)
                seen["second"] = ExportRun.objects.get(pk=run.pk)
                seen["bytes"] = Path(seen["second"].file_path).read_bytes()
            progress(rows)

        seen.setdefault("calls", 0)
        seen["calls"] += 1
        return write_xlsx(filters, handle, progress=step)

    monkeypatch.setattr(export_service, "write_xlsx", paused)
    assert export_service.run_export(run_id=run.pk) is None  # the first attempt stopped
    # Each attempt wrote its own file.
    assert seen["parts"] == [f"{run.code.hex}.1.part"]
    run.refresh_from_db()
    assert (run.status, run.attempts, run.rows_done) == (ExportRun.Status.DONE, 2, 5)
    target = Path(run.file_path)
    assert target == tmp_path / "exports" / f"{run.code.hex}.xlsx"
    # The first attempt neither renamed its file over the second's nor left its part behind.
    assert target.read_bytes() == seen["bytes"]
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]
    assert load_workbook(target).worksheets[0].max_row == 6


def test_an_attempt_whose_run_was_failed_meanwhile_does_not_finish_it(
    agent: User, monkeypatch: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    make_response()
    run = ExportRun.objects.create(created_by=agent)

    def given_up(filters: ExplorerFilters, handle: Any, *, progress: Any) -> int:
        written = write_xlsx(filters, handle)
        # The reconciler gave up on the run while the workbook was being saved.
        ExportRun.objects.filter(pk=run.pk).update(
            status=ExportRun.Status.FAILED, message_code="worker_lost"
        )
        return written

    monkeypatch.setattr(export_service, "write_xlsx", given_up)
    assert export_service.run_export(run_id=run.pk) is None
    run.refresh_from_db()
    assert (run.status, run.file_path) == (ExportRun.Status.FAILED, "")
    assert list((tmp_path / "exports").iterdir()) == []
