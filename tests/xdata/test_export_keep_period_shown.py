"""The run's page quotes how long files are kept from the period the expiry sweep uses, in
English and Korean, never a number of its own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cxm.models import User
from tests.conftest import client_for, with_language
from tests.xdata.test_explorer import make_response
from xdata.jobs import export_responses
from xdata.models import ExportRun
from xdata.services.exports import KEEP_FILES

pytestmark = pytest.mark.django_db


def test_the_page_quotes_the_sweeps_period(agent: User, monkeypatch: Any) -> None:
    make_response()
    run = ExportRun.objects.create(created_by=agent)
    export_responses(run.pk)
    page = f"/xdata/exports/{run.code}/"
    english = client_for(with_language(agent, "en")).get(page).content.decode()
    assert f"The file is kept for {KEEP_FILES.days} days." in english
    korean = client_for(with_language(agent, "ko")).get(page).content.decode()
    assert f"{KEEP_FILES.days}일" in korean
    monkeypatch.setattr("xdata.views.explorer.KEEP_FILES", timedelta(days=1))
    english = client_for(with_language(agent, "en")).get(page).content.decode()
    assert "The file is kept for 1 day." in english
    ExportRun.objects.filter(pk=run.pk).update(expired_at=timezone.now())
    expired = client_for(with_language(agent, "en")).get(page).content.decode()
    assert "files are kept for 1 day." in expired
