"""The import history and an import run's page write a run's time the same way, as the other
staff pages do (the short date-time format, in the site's time zone)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from cxm.models import User
from odata.models import ImportKind, ImportRun
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["ko", "en"])
def test_history_and_run_page_show_the_same_time(admin: User, language: str) -> None:
    run = ImportRun.objects.create(
        kind=ImportKind.ORDERS,
        file_name="orders.csv",
        file_sha256="",
        status=ImportRun.Status.SUCCEEDED,
    )
    # 07:12:33 UTC is 16:12 in Seoul.
    ImportRun.objects.filter(pk=run.pk).update(
        created_at=datetime(2026, 11, 23, 7, 12, 33, tzinfo=UTC)
    )
    User.objects.filter(pk=admin.pk).update(language=language)
    admin.refresh_from_db()
    client = client_for(admin)
    history = client.get("/odata/imports/").content.decode()
    page = client.get(f"/odata/imports/{run.code}/").content.decode()
    pattern = r'<time datetime="2026-11-23T16:12:33\+09:00">([^<]*)</time>'
    assert re.findall(pattern, history) == ["2026-11-23 16:12"]
    assert re.findall(pattern, page) == ["2026-11-23 16:12"]
