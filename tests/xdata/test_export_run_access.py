"""An export run and its file are its owner's: anyone else gets 404, the signed-out the sign-in
page; only POST starts a run, and only for those who may explore."""

from __future__ import annotations

import pytest
from django.test import Client

from cxm.models import User
from tests.conftest import client_for
from tests.xdata.test_explorer import make_response
from tests.xdata.test_exports import XLSX
from xdata.jobs import export_responses
from xdata.models import ExportRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def done_run(agent: User) -> ExportRun:
    make_response()
    run = ExportRun.objects.create(created_by=agent)
    export_responses(run.pk)
    run.refresh_from_db()
    assert run.status == ExportRun.Status.DONE
    return run


def test_the_owner_sees_and_downloads(agent: User, done_run: ExportRun) -> None:
    client = client_for(agent)
    assert client.get(f"/xdata/exports/{done_run.code}/").status_code == 200
    assert client.get(f"/xdata/exports/{done_run.code}/file").status_code == 200


def test_another_user_gets_404(admin: User, manager: User, done_run: ExportRun) -> None:
    for other in (admin, manager):
        client = client_for(other)
        assert client.get(f"/xdata/exports/{done_run.code}/").status_code == 404
        assert client.get(f"/xdata/exports/{done_run.code}/file").status_code == 404


def test_an_owner_who_may_no_longer_explore_gets_404(outsider: User, done_run: ExportRun) -> None:
    ExportRun.objects.filter(pk=done_run.pk).update(created_by=outsider)
    assert client_for(outsider).get(f"/xdata/exports/{done_run.code}/file").status_code == 404


def test_the_signed_out_are_sent_to_sign_in(done_run: ExportRun) -> None:
    for url in (f"/xdata/exports/{done_run.code}/", f"/xdata/exports/{done_run.code}/file", XLSX):
        response = Client().get(url)
        assert response.status_code == 302
        assert (
            response["Location"].startswith("/accounts/login/") or "login" in response["Location"]
        )
    assert Client().post(XLSX).status_code == 302
    assert ExportRun.objects.count() == 1


def test_an_outsider_cannot_start_an_export(outsider: User) -> None:
    assert client_for(outsider).post(XLSX).status_code == 403
    assert not ExportRun.objects.exists()


def test_other_methods_are_refused(agent: User, done_run: ExportRun) -> None:
    client = client_for(agent)
    assert client.put(XLSX).status_code == 405
    assert client.post(f"/xdata/exports/{done_run.code}/file").status_code == 405


def test_a_file_not_ready_is_not_served(agent: User) -> None:
    run = ExportRun.objects.create(created_by=agent)
    response = client_for(agent).get(f"/xdata/exports/{run.code}/file")
    assert response.status_code == 410
    assert 'id="export-status"' in response.content.decode()
