"""The download serves the run's file from its place under MEDIA_ROOT, by the run's code: the
path stored on the run is not opened, and a file that resolves outside MEDIA_ROOT (a planted
link) reads as expired."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cxm.models import User
from tests.conftest import client_for, with_language
from tests.xdata.test_explorer import make_response
from xdata.jobs import export_responses
from xdata.models import ExportRun

pytestmark = pytest.mark.django_db


def test_the_download_serves_the_file_by_code_not_the_stored_path(
    agent: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    make_response()
    run = ExportRun.objects.create(created_by=agent)
    export_responses(run.pk)
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"not an export")
    ExportRun.objects.filter(pk=run.pk).update(file_path=str(outside))
    client = client_for(with_language(agent, "en"))
    download = client.get(f"/xdata/exports/{run.code}/file")
    assert download.status_code == 200
    body = b"".join(download.streaming_content)  # type: ignore[attr-defined]
    assert body.startswith(b"PK")  # the workbook, not the file the stored path names
    # A link in the folder that points outside MEDIA_ROOT is not followed.
    target = tmp_path / "media" / "exports" / f"{run.code.hex}.xlsx"
    target.unlink()
    target.symlink_to(outside)
    refused = client.get(f"/xdata/exports/{run.code}/file")
    assert refused.status_code == 410
    assert "The file has expired" in refused.content.decode()
