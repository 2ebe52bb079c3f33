"""Export files are deleted after 7 days by the hourly sweep; the run's page then says the file
has expired and the download answers 410."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from cxm.models import User
from tests.conftest import client_for, with_language
from tests.xdata.test_explorer import make_response
from xdata.jobs import expire_exports, export_responses
from xdata.models import ExportRun

pytestmark = pytest.mark.django_db


def test_files_older_than_seven_days_are_deleted_and_the_page_says_so(agent: User) -> None:
    make_response()
    run = ExportRun.objects.create(created_by=agent)
    export_responses(run.pk)
    run.refresh_from_db()
    path = Path(run.file_path)
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert expire_exports() == 0
    assert path.is_file()
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert expire_exports() == 1
        assert expire_exports() == 0  # idempotent
    assert not path.exists()
    run.refresh_from_db()
    assert run.expired_at is not None and run.file_path == ""
    client = client_for(with_language(agent, "en"))
    page = client.get(f"/xdata/exports/{run.code}/").content.decode()
    assert "The file has expired" in page
    assert f"/xdata/exports/{run.code}/file" not in page
    download = client.get(f"/xdata/exports/{run.code}/file")
    assert download.status_code == 410
    assert "The file has expired" in download.content.decode()
    assert (
        "만료"
        in client_for(with_language(agent, "ko"))
        .get(f"/xdata/exports/{run.code}/")
        .content.decode()
    )


def test_a_file_removed_by_hand_reads_as_expired(agent: User) -> None:
    make_response()
    run = ExportRun.objects.create(created_by=agent)
    export_responses(run.pk)
    run.refresh_from_db()
    Path(run.file_path).unlink()
    download = client_for(with_language(agent, "en")).get(f"/xdata/exports/{run.code}/file")
    assert download.status_code == 410
    assert "The file has expired" in download.content.decode()
