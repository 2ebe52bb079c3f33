"""The demo's feedback from other channels: reviews, social posts and call-centre notes with the
survey history's patterns, already evaluated, and found by the explorer's review-rating bands.

Only the operational data is seeded first (the feedback step reads orders, deliveries and
service records, not survey responses), which keeps the test to a few seconds."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from statistics import mean
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import F, Q
from django.utils import timezone

from actions.models import FollowUpTask
from cxm.demo import DEMO_STEPS, Demo
from cxm.models import User
from odata.demo import seed_odata
from tests.conftest import client_for
from tests.xdata.test_explorer import codes, shown
from xdata.demo import DECLINING_STORE, decline_start
from xdata.demo_feedback import CALL_CENTRE, INSTAGRAM, REVIEW_CHANNELS, seed_feedback
from xdata.models import Feedback

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
TODAY = datetime(2026, 11, 23, 20, 58, tzinfo=ZoneInfo("Asia/Seoul"))


def _seed(django_capture_on_commit_callbacks: Any) -> tuple[Demo, list[Any]]:
    demo = Demo(scale="small", rng=random.Random(1))  # noqa: S311  # reproducible demo data
    seed_odata(demo)
    with django_capture_on_commit_callbacks() as callbacks:
        seed_feedback(demo)
    return demo, callbacks


def test_demo_feedback_has_the_channels_and_patterns_and_opens_no_tasks(
    agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    assert DEMO_STEPS.index("xdata.demo_feedback.seed_feedback") == (
        DEMO_STEPS.index("xdata.demo.seed_responses") + 1
    )
    with time_machine.travel(TODAY, tick=True):
        demo, callbacks = _seed(django_capture_on_commit_callbacks)
        now = timezone.now()

        total = Feedback.objects.count()
        assert 1500 <= total <= 3000
        assert demo.summary["feedback"] == total
        channels = set(Feedback.objects.values_list("channel", flat=True))
        assert channels == {*REVIEW_CHANNELS, INSTAGRAM, CALL_CENTRE}
        assert not Feedback.objects.filter(occurred_at__gt=now).exists()

        # Stars only on reviews, and only 1-5; reviews are about a store, call notes about
        # a customer.
        rated = Feedback.objects.exclude(rating=None)
        assert set(rated.values_list("channel", flat=True)) == set(REVIEW_CHANNELS)
        assert set(rated.values_list("rating", flat=True)) == {1, 2, 3, 4, 5}
        assert not Feedback.objects.filter(channel__in=REVIEW_CHANNELS, rating=None).exists()
        assert not Feedback.objects.filter(channel__in=REVIEW_CHANNELS, store=None).exists()
        reviews = Feedback.objects.filter(channel__in=REVIEW_CHANNELS)
        assert reviews.exclude(customer=None).exclude(order=None).exists()
        assert reviews.filter(customer=None).exists()
        assert not Feedback.objects.filter(channel=CALL_CENTRE, customer=None).exists()

        # Both languages, each text labelled with its own; only star-only reviews have none.
        for language in ("ko", "en"):
            assert Feedback.objects.filter(channel=INSTAGRAM, language=language).exists()
            assert reviews.filter(language=language).exists()
        assert not Feedback.objects.filter(
            Q(text="", language__gt="") | Q(~Q(text=""), language="")
        ).exists()
        english = Feedback.objects.filter(language="en").values_list("text", flat=True)
        assert not any("배송" in body or "직원" in body for body in english)
        assert Feedback.objects.filter(
            language="ko", text__contains="배송이 너무 늦었어요"
        ).exists()

        # The declining store: worse reviews last month than the month before.
        cutoff = decline_start(now)
        before = decline_start(cutoff)
        store = reviews.filter(store__external_id=DECLINING_STORE)
        last = list(store.filter(occurred_at__gte=cutoff).values_list("rating", flat=True))
        previous = list(
            store.filter(occurred_at__gte=before, occurred_at__lt=cutoff).values_list(
                "rating", flat=True
            )
        )
        assert len(last) >= 10 and len(previous) >= 10
        assert mean(previous) - mean(last) >= 1, (mean(previous), mean(last))

        # Late deliveries bring delivery complaints.
        online = reviews.filter(order__deliveries__delivered_at__isnull=False)
        late = online.filter(
            order__deliveries__delivered_at__gt=F("order__deliveries__promised_at") + DAY
        )
        on_time = online.filter(
            order__deliveries__delivered_at__lte=F("order__deliveries__promised_at")
        )
        late_stars = list(late.values_list("rating", flat=True))
        assert len(late_stars) >= 30
        assert mean(on_time.values_list("rating", flat=True)) - mean(late_stars) >= 1
        late_texts = list(
            late.filter(language="ko").exclude(text="").values_list("text", flat=True)
        )
        assert sum("배송" in body for body in late_texts) / len(late_texts) > 0.5

        # History counts as evaluated: nothing queued, no tasks.
        assert not Feedback.objects.filter(evaluated_at=None).exists()
        assert callbacks == []
        assert not FollowUpTask.objects.exists()

        # The explorer's review-rating bands find the demo reviews by their stars.
        client = client_for(agent)
        by_code = dict(Feedback.objects.values_list("code", "rating"))
        for band, stars in (("rating_low", {1, 2}), ("rating_mid", {3}), ("rating_high", {4, 5})):
            found = codes(shown(client, f"score={band}"))
            assert found, band
            assert {by_code.get(UUID(code)) for code in found} <= stars

        # A second run adds nothing.
        again = Demo(scale="small", rng=random.Random(1))  # noqa: S311  # as above
        seed_feedback(again)
        assert again.summary["feedback"] == "kept"
        assert Feedback.objects.count() == total
