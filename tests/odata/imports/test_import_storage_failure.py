"""When the uploaded file cannot be stored (disk full, media folder missing or read-only), the
run is recorded once as failed with a message saying so; no run waits for a file that is not
there, and no job is queued."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import django_rq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cxm.roles import Role
from odata.models import ImportKind, ImportRun
from odata.services.imports import start_import
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.odata.imports.files import csv_bytes

pytestmark = pytest.mark.django_db

STORES = csv_bytes([["매장코드", "매장명"], ["S001", "강남점"]])


@pytest.fixture
def _media_not_writable(settings: Any, tmp_path: Path) -> None:
    # A file where the imports folder should be: creating the run's folder fails (OSError).
    media = tmp_path / "broken-media"
    media.mkdir()
    (media / "imports").write_bytes(b"")
    settings.MEDIA_ROOT = str(media)


@pytest.mark.usefixtures("_media_not_writable")
def test_a_file_that_cannot_be_stored_fails_the_run_with_a_message(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    source = tmp_path / "stores.csv"
    source.write_bytes(STORES)

    with django_capture_on_commit_callbacks(execute=True):
        run = start_import(kind=ImportKind.STORES, source=source, file_name="stores.csv")

    stored = ImportRun.objects.get()
    assert stored.pk == run.pk
    assert (stored.status, stored.message_code, stored.file_path) == (
        ImportRun.Status.FAILED,
        "file_not_stored",
        "",
    )
    assert stored.finished_at is not None
    assert stored.message.startswith("The file could not be stored on the server")
    assert not source.exists()
    assert django_rq.get_queue("bulk").count == 0


@pytest.mark.usefixtures("_media_not_writable")
def test_the_upload_page_shows_the_failed_run() -> None:
    client = client_for(UserFactory(username="admin-en", role=Role.ADMIN, language="en"))
    upload = SimpleUploadedFile("stores.csv", STORES, content_type="text/csv")

    response = client.post(
        "/odata/imports/",
        {"kind": "stores", "mode": "strict", "encoding": "auto", "file": upload},
    )

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/odata/imports/{run.code}/"
    assert run.status == ImportRun.Status.FAILED
    page = client.get(response["Location"]).content.decode()
    assert "The file could not be stored on the server, so nothing was imported." in page
    assert django_rq.get_queue("bulk").count == 0
