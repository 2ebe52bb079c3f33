"""The text-theme step: one row per distinct term per comment, with its tone and scope."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analysis.models import AnalysisRun
from analysis.models.insights import ThemeTerm
from analysis.services.themes import compute_theme_terms, tone_of
from tests.odata.test_customer_360 import StoreFactory
from tests.xdata.test_explorer import make_feedback, make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2025, 9, 1, 12, 0, tzinfo=SEOUL)


def _compute() -> AnalysisRun:
    run = AnalysisRun.objects.create(status=AnalysisRun.Status.RUNNING)
    compute_theme_terms(run=run, progress=lambda _p: None, now=NOW)
    return run


def test_korean_and_english_comments_become_terms_and_phrases_once_per_text() -> None:
    store = StoreFactory()
    version = published()
    response = make_response(
        version,
        at=NOW - timedelta(days=3),
        nps=2,
        comment="배송이 늦었어요. 배송 지연이 너무 심해요. 배송 배송",
        store=store,
    )
    make_response(version, at=NOW - timedelta(days=3), nps=None)  # no comment: nothing
    feedback = make_feedback(at=NOW - timedelta(days=1), text="Late delivery again", rating=1)
    run = _compute()

    korean = ThemeTerm.objects.filter(run=run, response=response)
    terms = list(korean.values_list("term", flat=True))
    assert terms.count("배송") == 1  # document frequency: once per comment
    assert "지연" in terms
    assert korean.filter(phrase=True).exists()
    first = korean.first()
    assert first is not None
    assert (first.tone, first.language, first.store_id) == ("unhappy", "ko", store.pk)
    assert first.region_id == store.region_id and first.day == date(2025, 8, 29)
    english = set(
        ThemeTerm.objects.filter(run=run, feedback=feedback).values_list("term", flat=True)
    )
    assert {"late", "delivery", "late delivery"} <= english


def test_tone_follows_the_first_score_present() -> None:
    assert tone_of(nps=6) == "unhappy"
    assert tone_of(nps=8, csat=1) == "neutral"
    assert tone_of(csat=4) == "happy"
    assert tone_of(ces=3) == "unhappy"
    assert tone_of(ces=6) == "happy"
    assert tone_of(rating=3) == "neutral"
    assert tone_of() == ""
