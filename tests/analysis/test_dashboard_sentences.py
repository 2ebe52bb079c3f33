"""Sentences around dates: English's long date-time ends in "p.m." (Django's "P"), so a
sentence that ends on one reads "p.m..". The analysis pages' "computed" line does not, and no
template ends a translated sentence on a long date-time or time."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from analysis.models import AnalysisRun
from cxm.models import User
from tests.analysis.test_metrics_cells import finished_run
from tests.conftest import client_for
from tests.xdata.test_explorer import make_response, published

SEOUL = ZoneInfo("Asia/Seoul")
PAGES = ["/analysis/", "/analysis/segments/", "/analysis/drivers/", "/analysis/say-do/"]

# A blocktranslate whose variable is a date with a long DATETIME_FORMAT or TIME_FORMAT (which
# may end in "a.m."/"p.m." in English) written right before a full stop.
ENDS_ON_TIME = re.compile(
    r'\{%\s*blocktranslate\b[^%]*?\b(\w+)=[^%\s]*\|(?:date|time):"(?:DATETIME|TIME)_FORMAT"'
    r"[^%]*%\}(?:(?!\{%\s*endblocktranslate).)*?\{\{\s*\1\s*\}\}\.",
    re.S,
)


@pytest.mark.django_db
def test_the_computed_line_has_no_double_full_stop(manager: User) -> None:
    make_response(published(), at=datetime(2026, 11, 20, 12, tzinfo=SEOUL), nps=9)
    run = finished_run(date(2026, 11, 24))
    finished = datetime(2026, 11, 24, 21, 41, tzinfo=SEOUL)
    AnalysisRun.objects.filter(pk=run.pk).update(finished_at=finished)
    client = client_for(manager)
    for url in PAGES:
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        meta = re.search(r'<p class="dash-meta">(.*?)</p>', html, re.S)
        assert meta is not None, url
        text = " ".join(meta.group(1).split())
        assert "Computed: Nov. 24, 2026, 9:41 p.m." in text, url
        assert ".." not in text, url


def test_no_template_ends_a_sentence_on_a_long_time() -> None:
    found = []
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(folder).rglob("*.html"):
            found += [
                f"{path.name}: {m.group(0)[:80]}" for m in ENDS_ON_TIME.finditer(path.read_text())
            ]
    assert found == []
