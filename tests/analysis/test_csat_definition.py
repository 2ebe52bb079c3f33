"""One definition of CSAT across the analysis: a survey without a CSAT question counts its first
1-5 rating question as CSAT on the overview, the drivers page (every driver, the store driver
too) and the value x experience page alike; a survey with a CSAT question reads only that."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from analysis import jobs
from analysis.models import AnalysisRun
from analysis.models.insights import DriverFact, ThemeTerm, ValuePoint
from analysis.services.runs import request_run
from cxm.models import User
from tests.odata.test_customer_360 import CustomerFactory, StoreFactory, english
from tests.xdata.test_explorer import make_response, published
from xdata.models import Response

pytestmark = pytest.mark.django_db

VISIT = [{"key": "visit_rating", "type": "rating", "text": {"ko": "방문", "en": "Visit"}}]
WITH_CSAT = [
    {"key": "sat", "type": "csat", "text": {"ko": "만족", "en": "Satisfied"}},
    {"key": "staff", "type": "rating", "text": {"ko": "직원", "en": "Staff"}},
]


def _full_run() -> AnalysisRun:
    run, _created = request_run(reason=AnalysisRun.Reason.MANUAL, enqueue=False)
    jobs.run_analysis(run.pk)
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.FINISHED
    return run


def _answered(
    questions: list[dict[str, Any]], csat: int | None, answers: dict[str, int]
) -> Response:
    return make_response(
        published(questions=questions),
        at=timezone.now() - timedelta(days=5),
        nps=None,
        csat=csat,
        answers=answers,
        customer=CustomerFactory(),
        store=StoreFactory(),
    )


def _csat_n_per_page(client: Client) -> dict[str, Any]:
    overview = client.get("/analysis/")
    drivers = client.get("/analysis/drivers/", {"measure": "csat"})
    value = client.get("/analysis/value/")
    assert {overview.status_code, drivers.status_code, value.status_code} == {200}
    tile = next(t for t in overview.context["data"].tiles if t.metric == "csat")
    report = drivers.context["report"]
    stores = next(d for d in report.drivers if d.key == "store")
    sources = {s.measure: s.count for s in value.context["report"].sources}
    return {
        "overview": tile.value.n,
        "overview_mean": tile.value.value,
        "drivers": report.n,
        "drivers_measure": dict((m.key, n) for m, n in report.measures)["csat"],
        "store_driver": sum(b.value.n for b in stores.buckets),
        "store_driver_groups": len(stores.against_rest),
        "value": sources.get("csat", 0),
    }


def test_a_rating_only_survey_has_the_same_csat_n_on_overview_drivers_and_value(
    manager: User,
) -> None:
    ratings = (5, 4, 4, 2, 1)
    for rating in ratings:
        _answered(VISIT, None, {"visit_rating": rating})
    _answered(VISIT, None, {})  # the rating question skipped: no CSAT anywhere
    _full_run()

    seen = _csat_n_per_page(english(manager))
    assert seen == {
        "overview": 5,
        "overview_mean": pytest.approx(sum(ratings) / 5),
        "drivers": 5,
        "drivers_measure": 5,
        "store_driver": 5,
        "store_driver_groups": 5,
        "value": 5,
    }
    scores = DriverFact.objects.filter(measure="csat").values_list("score", flat=True)
    assert sorted(scores) == sorted(ratings)
    points = ValuePoint.objects.filter(measure="csat")
    assert sorted(p.score for p in points) == sorted(ratings)
    assert sorted(p.unhappy for p in points) == [False, False, False, True, True]


def test_a_survey_with_a_csat_question_reads_only_its_csat_answer(manager: User) -> None:
    rated = _answered(WITH_CSAT, 2, {"sat": 2, "staff": 5})
    # A CSAT question left unanswered: the survey's rating question is not its CSAT.
    unrated = _answered(WITH_CSAT, None, {"staff": 5})
    plain = make_response(
        at=timezone.now() - timedelta(days=5), nps=None, csat=4, customer=CustomerFactory()
    )
    _full_run()

    seen = _csat_n_per_page(english(manager))
    assert (seen["overview"], seen["drivers"], seen["value"]) == (2, 2, 2)
    assert seen["overview_mean"] == pytest.approx(3.0)
    facts = dict(DriverFact.objects.filter(measure="csat").values_list("response_id", "score"))
    assert facts == {rated.pk: 2, plain.pk: 4}
    assert not DriverFact.objects.filter(response=unrated).exists()
    points = dict(ValuePoint.objects.values_list("customer_id", "score"))
    assert points == {rated.customer_id: 2, plain.customer_id: 4}


def test_text_themes_class_a_rating_only_surveys_comments_by_that_rating() -> None:
    version = published(questions=VISIT)
    at = timezone.now() - timedelta(days=5)
    unhappy = make_response(
        version, at=at, nps=None, comment="배송이 너무 늦었어요", answers={"visit_rating": 1}
    )
    happy = make_response(
        version, at=at, nps=None, comment="직원이 친절했어요", answers={"visit_rating": 5}
    )
    unscored = make_response(version, at=at, nps=None, comment="포장 상태가 보통이에요")
    run = _full_run()
    tones = dict(ThemeTerm.objects.filter(run=run).values_list("response_id", "tone").distinct())
    assert tones[unhappy.pk] == "unhappy"
    assert tones[happy.pk] == "happy"
    assert tones[unscored.pk] == ""
