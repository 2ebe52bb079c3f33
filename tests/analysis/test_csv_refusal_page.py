"""An analysis CSV that cannot be made is a page in the reader's language, not a plain-text
line: 400 with "fix the filter first" for a filter that is not valid, 404 with "no analysis
yet" before the first run; either links back to its dashboard page with the same filters."""

from __future__ import annotations

import pytest
from django.utils import timezone

from analysis.models import AnalysisRun
from cxm.models import User
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

CSVS = [
    "/analysis/csv",
    "/analysis/segments/csv",
    "/analysis/drivers/csv",
    "/analysis/say-do/csv",
    "/analysis/value/csv",
    "/analysis/themes/csv",
]


def _finished_run() -> None:
    AnalysisRun.objects.create(status=AnalysisRun.Status.FINISHED, finished_at=timezone.now())


@pytest.mark.parametrize("url", CSVS)
def test_before_the_first_run_the_csv_is_a_404_page(manager: User, url: str) -> None:
    client = client_for(manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ko"
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert '<html lang="ko">' in html
    assert "아직 분석 결과가 없습니다." in html
    assert f'href="{url.removesuffix("csv")}"' in html


@pytest.mark.parametrize("url", CSVS)
def test_a_bad_filter_is_a_400_page_that_links_back_with_the_filter(
    manager: User, url: str
) -> None:
    _finished_run()
    manager.language = "en"
    manager.save(update_fields=["language"])
    response = client_for(manager).get(url, {"date_from": "2024-13-45"})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Fix the filter first." in html
    assert f'href="{url.removesuffix("csv")}?date_from=2024-13-45"' in html
