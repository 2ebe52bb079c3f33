"""The explorer's review-rating bands filter feedback from other channels by its stars, named
as such in the filter bar: feedback imported with a 별점 column is found by them, and a
store-visit survey's rating (counted as CSAT) is not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from cxm.models import User
from tests.conftest import client_for
from tests.odata.test_customer_360 import english
from tests.xdata.test_explorer import make_response, published, shown
from tests.xdata.test_explorer_csat import VISIT
from xdata.models import Feedback

pytestmark = pytest.mark.django_db

REVIEWS = (
    "리뷰번호,별점,내용,작성일시\n"
    "R-1,5,정말 친절해요,2025-03-01 14:05\n"
    "R-2,3,보통이에요,2025-03-02 10:00\n"
    "R-3,1,배송이 늦었어요,2025-03-03 09:00\n"
)


def test_review_rating_bands_find_imported_reviews_by_their_stars(
    agent: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "reviews.csv"
    path.write_text(REVIEWS, encoding="utf-8")
    call_command("import_feedback", str(path), "--channel", "naver")
    by_stars = {f.rating: str(f.code) for f in Feedback.objects.all()}
    visit = make_response(published(questions=VISIT), nps=None, answers={"visit_rating": 5})
    client = client_for(agent)
    high = shown(client, "score=rating_high")
    assert by_stars[5] in high
    assert by_stars[3] not in high and by_stars[1] not in high
    assert str(visit.code) not in high  # its 5 is a CSAT: the CSAT 4-5 band finds it
    assert str(visit.code) in shown(client, "score=csat_high")
    assert by_stars[3] in shown(client, "score=rating_mid")
    assert by_stars[1] in shown(client, "score=rating_low")


def test_the_filter_bar_names_the_bands_review_ratings(agent: User) -> None:
    html = shown(english(agent))
    assert ">Review rating 4-5</option>" in html
    assert ">Review rating 3</option>" in html
    assert ">Review rating 1-2</option>" in html
    assert ">Rating 4-5</option>" not in html
