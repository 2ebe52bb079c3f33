"""The import page: upload, permission, size limit, column matching, status and error report."""

from __future__ import annotations

import io
from pathlib import Path

import django_rq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cxm.models import User
from odata.jobs import run_import
from odata.models import Customer, ImportRun, MappingPreset, Store
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

STORES_CSV = "매장코드,매장명,지역\nS001,강남점,서울\nS002,부산점,부산\n".encode()


def _upload(client: Client, content: bytes, name: str = "stores.csv", **extra: str):  # type: ignore[no-untyped-def]
    data = {"kind": "stores", "mode": "strict", "encoding": "auto", **extra}
    data["file"] = SimpleUploadedFile(name, content, content_type="text/csv")  # type: ignore[assignment]
    return client.post("/odata/imports/", data)


def test_import_page_is_for_admins(manager: User, agent: User, admin: User) -> None:
    assert client_for(manager).get("/odata/imports/").status_code == 403
    assert client_for(agent).get("/odata/imports/").status_code == 403
    assert client_for(admin).get("/odata/imports/").status_code == 200
    assert _upload(client_for(manager), STORES_CSV).status_code == 403
    assert not ImportRun.objects.exists()


def test_import_page_refuses_other_methods(admin: User) -> None:
    assert client_for(admin).put("/odata/imports/").status_code == 405


def test_upload_queues_a_bulk_job_on_commit_and_the_job_imports(
    admin: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client_for(admin), STORES_CSV)
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/odata/imports/{run.code}/"
    assert run.status == ImportRun.Status.QUEUED
    assert run.created_by == admin
    jobs = django_rq.get_queue("bulk").jobs
    assert [(job.func_name, job.args) for job in jobs] == [("odata.jobs.run_import", (run.pk,))]
    run_import(run.pk)
    assert set(Store.objects.values_list("external_id", flat=True)) == {"S001", "S002"}
    page = client_for(admin).get(f"/odata/imports/{run.code}/").content.decode()
    assert 'value="100"' in page


def test_progress_fragment_polls_while_the_run_works(admin: User) -> None:
    _upload(client_for(admin), STORES_CSV)
    run = ImportRun.objects.get()
    run.status, run.phase, run.progress = ImportRun.Status.RUNNING, "writing", 40
    run.save()
    fragment = client_for(admin).get(f"/odata/imports/{run.code}/", HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert "<html" not in html
    assert 'hx-trigger="every 1s"' in html
    assert 'value="40"' in html


def test_bad_file_gets_a_clear_message_and_nothing_is_queued(admin: User) -> None:
    admin.language = "en"
    admin.save(update_fields=["language"])
    response = _upload(client_for(admin), b"\x89PNG\r\n\x1a\n\x00\x00\x00", name="logo.png")
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.REJECTED
    page = client_for(admin).get(response["Location"]).content.decode()
    assert "This is not a CSV or Excel (.xlsx) file." in page
    assert django_rq.get_queue("bulk").count == 0


def test_oversized_upload_is_refused_before_reading(admin: User, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CXM_IMPORT_MAX_BYTES = 1024
    admin.language = "en"
    admin.save(update_fields=["language"])
    response = _upload(client_for(admin), b"a,b\n" + b"1,2\n" * 2000)
    assert response.status_code == 413
    assert "larger than" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_unrecognised_columns_are_matched_by_hand_and_saved_as_a_preset(
    admin: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(admin)
    content = "CODE,SHOPNAME\nS001,강남점\n".encode()
    response = _upload(client, content)
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.NEEDS_MAPPING
    assert response["Location"] == f"/odata/imports/{run.code}/columns/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    missing = client.post(response["Location"], {"col_0": "external_id", "col_1": ""})
    assert missing.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            response["Location"], {"col_0": "external_id", "col_1": "name", "save_as": "POS"}
        )
    assert done.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportRun.Status.QUEUED
    assert run.mapping == {"CODE": "external_id", "SHOPNAME": "name"}
    assert MappingPreset.objects.get(name="POS").mapping == run.mapping
    run_import(run.pk)
    assert Store.objects.get(external_id="S001").name == "강남점"


def test_a_saved_preset_matches_the_next_file(admin: User) -> None:
    preset = MappingPreset.objects.create(
        kind="stores", name="POS", mapping={"CODE": "external_id", "SHOPNAME": "name"}
    )
    _upload(client_for(admin), "CODE,SHOPNAME\nS003,대구점\n".encode(), preset=str(preset.pk))
    assert ImportRun.objects.get().status == ImportRun.Status.QUEUED


def test_error_report_lists_rows_and_downloads_as_safe_csv(admin: User) -> None:
    admin.language = "en"
    admin.save(update_fields=["language"])
    Store.objects.create(external_id="S001", name="강남점")
    content = (
        "고객번호,이름,이메일,주매장\n"
        "C001,김민지,minji@example.com,S001\n"
        'C002,=HYPERLINK("x"),bad-address,S404\n'
    ).encode()
    client = client_for(admin)
    _upload(client, content, name="customers.csv", kind="customers", mode="skip-invalid")
    run = ImportRun.objects.get()
    run_import(run.pk)
    run.refresh_from_db()
    assert (run.rows_ok, run.rows_rejected) == (1, 1)
    assert Customer.objects.filter(external_id="C001").exists()
    page = client.get(f"/odata/imports/{run.code}/").content.decode()
    assert "Not an e-mail address." in page
    assert "No store with this code" in page
    response = client.get(f"/odata/imports/{run.code}/errors.csv")
    body = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert body.startswith("\ufeffrow,column,value,reason")
    assert "3,주매장,S404,No store with this code: import stores first." in body
    assert "'=HYPERLINK" not in body  # the bad e-mail row is reported, the name is not an error
    rows = list(__import__("csv").reader(io.StringIO(body.lstrip("\ufeff"))))
    assert all(not cell.startswith("=") for row in rows for cell in row)


def test_run_pages_refuse_other_roles_and_unknown_codes(admin: User, manager: User) -> None:
    _upload(client_for(admin), STORES_CSV)
    run = ImportRun.objects.get()
    assert client_for(manager).get(f"/odata/imports/{run.code}/").status_code == 403
    assert client_for(manager).get(f"/odata/imports/{run.code}/errors.csv").status_code == 403
    unknown = "00000000-0000-0000-0000-000000000000"
    assert client_for(admin).get(f"/odata/imports/{unknown}/").status_code == 404


def test_history_lists_runs_with_a_pinned_query_count(
    admin: User, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(admin)
    for n in range(5):
        _upload(client, f"매장코드,매장명\nS{n},점{n}\n".encode())
    with django_assert_max_num_queries(10):
        page = client.get("/odata/imports/")
    assert page.content.decode().count("/odata/imports/") >= 5


def test_upload_without_csrf_token_is_refused(admin: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    assert _upload(client, STORES_CSV).status_code == 403
    assert not ImportRun.objects.exists()


def test_a_file_name_longer_than_the_file_system_allows_is_shortened(
    admin: User,
    settings,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    settings.MEDIA_ROOT = tmp_path
    name = "매장" * 150 + ".csv"  # 900 bytes in UTF-8; a file system allows 255
    response = _upload(client_for(admin), STORES_CSV, name=name)
    assert response.status_code == 302
    run = ImportRun.objects.get()
    run_import(run.pk)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED
    stored = Path(run.file_path).name
    assert stored.endswith(".csv") and len(stored.encode()) <= 120
    assert Store.objects.count() == 2
