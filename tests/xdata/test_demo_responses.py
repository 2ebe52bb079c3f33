"""The demo survey history: volumes, consistent rows, and the patterns dashboards should find."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from cxm.demo import DEMO_STEPS, Demo
from odata.demo import seed_odata
from odata.models import Order, ServiceRecord
from surveys.answering import asked_questions
from surveys.demo import seed_surveys
from surveys.models import Invitation, Survey
from xdata.demo import DECLINING_STORE, decline_start, seed_responses
from xdata.models import Answer, Response

pytestmark = pytest.mark.django_db


def _survey(template_name: str) -> Survey:
    return Survey.objects.get(name=template_name)


# The demo is generated backwards from today, so the day matters: the first day of a month after
# a 28-day February leaves the declining store the shortest month of answers there is.
DAYS = (
    datetime(2027, 3, 1, 9, 30, tzinfo=ZoneInfo("Asia/Seoul")),
    datetime(2026, 11, 23, 20, 58, tzinfo=ZoneInfo("Asia/Seoul")),
)


@pytest.mark.parametrize("today", DAYS, ids=lambda day: day.date().isoformat())
def test_demo_history_has_the_patterns_and_is_seeded_once(today: datetime) -> None:
    with time_machine.travel(today, tick=True):
        _check_demo_history()


def _check_demo_history() -> None:
    assert "xdata.demo.seed_responses" in DEMO_STEPS
    demo = Demo(scale="small", rng=random.Random(1))  # noqa: S311  # reproducible demo data
    seed_odata(demo)
    seed_surveys(demo)
    seed_responses(demo)
    now = timezone.now()

    total = Response.objects.count()
    assert 13_000 <= total <= 17_000
    assert demo.summary["declining_store"] == DECLINING_STORE

    # Every response carries its context and is already evaluated.
    assert not Response.objects.filter(submitted_at__gt=now).exists()
    for survey in Survey.objects.all():
        responses = Response.objects.filter(survey=survey)
        assert responses.exists()
        assert not responses.exclude(version=survey.current_version).exists()
        assert not responses.exclude(touchpoint=survey.touchpoint).exists()
    assert not Response.objects.filter(customer=None).exists()
    assert not Response.objects.filter(evaluated_at=None).exists()
    assert Response.objects.filter(language="en").exists()

    # Answers: exactly the questions asked, given the answers (display conditions respected).
    answers: dict[int, dict[str, object]] = {}
    for row in Answer.objects.values("response_id", "question_key", "number", "text", "selected"):
        value = row["number"] if row["number"] is not None else row["text"] or row["selected"]
        if isinstance(value, list) and len(value) == 1 and row["question_key"] != "areas":
            value = value[0]
        answers.setdefault(row["response_id"], {})[row["question_key"]] = (
            None if value in ("", []) else value
        )
    assert len(answers) == total
    versions = {s.pk: s.current_version.questions for s in Survey.objects.all()}  # type: ignore[union-attr]
    for response_id, survey_id in Response.objects.values_list("pk", "survey_id"):
        given = answers[response_id]
        asked = {q["key"] for q in asked_questions(versions[survey_id], given)}
        assert asked == set(given), (response_id, given)

    # Invitations: statuses consistent with their dates, responses linked to answered ones.
    invitations = Invitation.objects.all()
    assert not invitations.filter(status=Invitation.Status.ANSWERED, response=None).exists()
    assert (
        not invitations.exclude(status=Invitation.Status.ANSWERED).exclude(response=None).exists()
    )
    assert not invitations.filter(status=Invitation.Status.EXPIRED, expires_at__gt=now).exists()
    assert not invitations.filter(status=Invitation.Status.SENT, expires_at__lte=now).exists()
    assert not invitations.filter(token_hash__startswith="pending:").exists()
    assert not invitations.filter(created_at__gt=F("send_after")).exists()
    assert not invitations.filter(sent_at__lt=F("send_after")).exists()
    csat = _survey("배송 만족도 (CSAT)")
    delivery_invitations = invitations.filter(survey=csat)
    answered = delivery_invitations.filter(status=Invitation.Status.ANSWERED).count()
    assert 0.3 <= answered / delivery_invitations.count() <= 0.5
    assert not delivery_invitations.filter(operational_event=None).exists()

    # Late deliveries score lower, with a dose-response.
    by_lateness: dict[str, list[int]] = {"on_time": [], "one": [], "three_plus": []}
    for score, promised, delivered in Response.objects.filter(survey=csat).values_list(
        "csat", "order__deliveries__promised_at", "order__deliveries__delivered_at"
    ):
        late = delivered - promised
        if late <= timedelta(0):
            by_lateness["on_time"].append(score)
        elif late <= timedelta(days=1):
            by_lateness["one"].append(score)
        elif late > timedelta(days=2):
            by_lateness["three_plus"].append(score)
    on_time, one, three = (mean(by_lateness[k]) for k in ("on_time", "one", "three_plus"))
    assert on_time - one >= 0.5 and one - three >= 0.5, (on_time, one, three)
    low_late = Response.objects.filter(survey=csat, csat__lte=2).exclude(comment="")
    assert low_late.filter(comment__contains="배송 지연").exists()

    # The declining store: clearly worse since the start of last month.
    cutoff = decline_start(now)
    store_csat = Response.objects.filter(survey=csat, store__external_id=DECLINING_STORE)
    before = [s for s in store_csat.filter(submitted_at__lt=cutoff).values_list("csat", flat=True)]
    after = [s for s in store_csat.filter(submitted_at__gte=cutoff).values_list("csat", flat=True)]
    assert len(after) >= 30
    assert mean(before) - mean(after) >= 0.5, (mean(before), mean(after))

    # Store revisit: morning and afternoon buyers give different main reasons.
    revisit = _survey("매장 재방문 의향")
    reasons: dict[str, Counter[str]] = {"morning": Counter(), "afternoon": Counter()}
    for daypart, selected in Answer.objects.filter(
        response__survey=revisit, question_key="main_reason", response__daypart__in=reasons
    ).values_list("response__daypart", "selected"):
        reasons[daypart].update(selected)
    morning, afternoon = reasons["morning"], reasons["afternoon"]
    share = {part: (c["waiting"] + c["staff"]) / max(1, c.total()) for part, c in reasons.items()}
    assert morning.total() >= 50 and afternoon.total() >= 50
    assert share["morning"] - share["afternoon"] >= 0.3, share

    # Some customers who said they would come back never ordered again.
    later_order = Order.objects.filter(
        customer=OuterRef("customer"), placed_at__gt=OuterRef("submitted_at")
    )
    yes = Response.objects.filter(survey=revisit, intent="yes")
    gone = yes.filter(~Exists(later_order)).count()
    assert 0 < gone < yes.count()

    # Relationship NPS: customers with a recent complaint are more often detractors.
    complaint = ServiceRecord.objects.filter(
        customer=OuterRef("customer"),
        kind=ServiceRecord.Kind.COMPLAINT,
        opened_at__lt=OuterRef("submitted_at"),
        opened_at__gte=OuterRef("submitted_at") - timedelta(days=30),
    )
    nps = Response.objects.filter(survey=_survey("관계 NPS")).annotate(complained=Exists(complaint))
    detractors = {
        flag: nps.filter(complained=flag, nps__lte=6).count() / nps.filter(complained=flag).count()
        for flag in (True, False)
    }
    assert detractors[True] - detractors[False] >= 0.2, detractors
    assert nps.filter(language="en").exclude(comment="").exists()

    # After-service CES: more contacts, harder.
    ces = {
        contacts: [
            s
            for s in Response.objects.filter(
                survey=_survey("A/S 고객 노력 (CES)"),
                order__service_records__contacts=contacts,
            ).values_list("ces", flat=True)
        ]
        for contacts in (1, 3)
    }
    assert mean(ces[1]) - mean(ces[3]) >= 0.8

    # A second run adds nothing.
    invitations_before = Invitation.objects.count()
    seed_responses(Demo(scale="small", rng=random.Random(1)))  # noqa: S311  # as above
    assert Response.objects.count() == total
    assert Invitation.objects.count() == invitations_before
