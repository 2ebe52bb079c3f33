"""The say-do step: what each customer said, and when (if ever) they ordered again."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analysis.models import AnalysisRun
from analysis.models.insights import SayDoFact
from analysis.services.saydo import compute_saydo_facts, reason_question
from odata.models import Order
from surveys.survey_templates import STORE_REVISIT
from tests.odata.test_customer_360 import CustomerFactory, OrderFactory, StoreFactory
from tests.xdata.test_explorer import make_feedback, make_response, published

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2025, 9, 1, 12, 0, tzinfo=SEOUL)
T0 = NOW - timedelta(days=100)


def _compute() -> AnalysisRun:
    run = AnalysisRun.objects.create(status=AnalysisRun.Status.RUNNING)
    compute_saydo_facts(run=run, progress=lambda _p: None, now=NOW)
    return run


def test_the_next_order_after_the_answer_is_found_and_the_answer_order_is_not_it() -> None:
    store = StoreFactory()
    customer = CustomerFactory(segment="VIP")
    visit = OrderFactory(customer=customer, store=store, channel="store", placed_at=T0)
    OrderFactory(
        customer=customer, placed_at=T0 + timedelta(days=10), status=Order.Status.CANCELLED
    )
    OrderFactory(customer=customer, placed_at=T0 + timedelta(days=45))
    version = published(questions=STORE_REVISIT.question_list())
    make_response(
        version,
        at=T0 + timedelta(minutes=5),
        nps=None,
        intent="yes",
        customer=customer,
        order=visit,
        store=store,
        daypart="morning",
    )
    run = _compute()

    fact = SayDoFact.objects.get(run=run)
    assert (fact.kind, fact.said, fact.segment, fact.channel) == ("intent", "yes", "VIP", "store")
    assert fact.daypart == "morning"
    assert fact.next_order_days == pytest.approx(45 - 5 / 1440)
    assert fact.observed_days == pytest.approx(100 - 5 / 1440)


def test_nps_groups_are_facts_too_and_customers_without_a_later_order_have_none() -> None:
    version = published()
    make_response(version, at=T0, nps=10, customer=CustomerFactory())
    make_response(version, at=T0, nps=7, customer=CustomerFactory())
    make_response(version, at=T0, nps=3, customer=CustomerFactory())
    make_response(version, at=T0, nps=3)  # anonymous: nothing to follow
    run = _compute()

    facts = SayDoFact.objects.filter(run=run)
    assert sorted(facts.values_list("kind", "said")) == [
        ("nps", "detractor"),
        ("nps", "passive"),
        ("nps", "promoter"),
    ]
    assert all(f.next_order_days is None for f in facts)


def test_the_reason_chosen_after_no_is_kept() -> None:
    version = published(questions=STORE_REVISIT.question_list())
    make_response(
        version,
        at=T0,
        nps=None,
        intent="no",
        customer=CustomerFactory(),
        answers={"main_reason": ["waiting"]},
    )
    run = _compute()
    assert SayDoFact.objects.get(run=run).reason == "waiting"


def test_the_reason_question_is_the_choice_shown_after_the_intent_answer() -> None:
    assert reason_question(STORE_REVISIT.question_list()) == "main_reason"
    assert reason_question([{"key": "nps", "type": "nps"}]) is None


def test_answers_and_ratings_are_followed_together_in_one_run() -> None:
    version = published(questions=STORE_REVISIT.question_list())
    regular = CustomerFactory(segment="VIP")
    visit = OrderFactory(customer=regular, channel="store", placed_at=T0)
    OrderFactory(customer=regular, placed_at=T0 + timedelta(days=20))
    make_response(
        version,
        at=T0,
        nps=9,
        intent="no",
        customer=regular,
        order=visit,
        answers={"main_reason": ["price"]},
    )
    make_feedback(at=T0 + timedelta(days=1), rating=4, customer=regular, order=visit)
    for intent in ("yes", "yes", "unsure"):
        make_response(version, at=T0, nps=None, intent=intent, customer=CustomerFactory())
    for stars in (1, 3, 5, 5):
        make_feedback(at=T0, rating=stars, customer=CustomerFactory())
    make_feedback(at=T0, rating=2)  # nobody's: nothing to follow
    run = AnalysisRun.objects.create(status=AnalysisRun.Status.RUNNING)

    written = compute_saydo_facts(run=run, progress=lambda _p: None, now=NOW)

    facts = SayDoFact.objects.filter(run=run)
    assert written == facts.count() == 10
    assert Counter(facts.values_list("kind", "said")) == {
        ("intent", "yes"): 2,
        ("intent", "unsure"): 1,
        ("intent", "no"): 1,
        ("nps", "promoter"): 1,
        ("rating", "stars_1_2"): 1,
        ("rating", "stars_3"): 1,
        ("rating", "stars_4_5"): 3,
    }
    said, rated = facts.get(kind="intent", said="no"), facts.get(kind="rating", customer=regular)
    assert (said.reason, said.segment, said.channel) == ("price", "VIP", "store")
    assert (rated.reason, rated.segment, rated.channel, rated.response_id) == (
        "", "VIP", "store", None,
    )  # fmt: skip
    assert said.next_order_days == pytest.approx(20)
    assert rated.next_order_days == pytest.approx(19)
