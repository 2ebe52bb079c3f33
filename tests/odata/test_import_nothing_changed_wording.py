"""An import whose rows all match what is stored says that nothing changed, rather than that
its rows were imported."""

from __future__ import annotations

import pytest

from cxm.models import User
from odata.jobs import run_import
from odata.models import ImportRun
from tests.conftest import client_for
from tests.odata.test_upload_page import STORES_CSV, _upload

pytestmark = pytest.mark.django_db


def imported_page(admin: User, content: bytes) -> str:
    client = client_for(admin)
    response = _upload(client, content)
    assert response.status_code == 302
    run = ImportRun.objects.get(code=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    run_import(run.pk)
    return client.get(response["Location"]).content.decode()


def test_a_reimport_that_changes_nothing_says_so(admin: User) -> None:
    admin.language = "en"
    admin.save(update_fields=["language"])
    first = imported_page(admin, STORES_CSV)
    assert "2 of 2 rows imported." in first and "Nothing changed" not in first
    # The same rows in other bytes (Windows line ends), so not recognised as the same file.
    again = imported_page(admin, STORES_CSV.replace(b"\n", b"\r\n"))
    assert "Nothing changed: 2 of 2 rows were read and match what cxm already has." in again
    assert "rows imported." not in again
    changed = imported_page(admin, STORES_CSV.replace("강남점".encode(), "강남본점".encode()))
    assert "2 of 2 rows imported." in changed


def test_the_same_file_again_is_told_as_already_imported_not_as_a_fault(admin: User) -> None:
    admin.language = "en"
    admin.save(update_fields=["language"])
    imported_page(admin, STORES_CSV)
    again = imported_page(admin, STORES_CSV)
    status = again[again.index('id="import-status"') :]
    assert '<p role="status" class="message">This file was already imported on' in status
    # Not an error, and no row counts of zero as if the file were empty.
    assert 'role="alert"' not in status and "Rows in the file" not in status
