"""An aggregate rule's task title, and so its e-mail subject, gives the segment's figure with its
95% interval and n; without an interval it gives the figure and n."""

from __future__ import annotations

import pytest

from actions.models import FollowUpTask
from actions.services.aggregate import evaluate_aggregate_rules
from tests.actions.test_aggregate_rules import _change, _run, _stores
from tests.actions.test_outcomes_helpers import make_rule

pytestmark = pytest.mark.django_db

CSAT_BELOW_3 = {"metric": "csat", "segment_kind": "store", "below": 3, "min_n": 30}


def test_the_title_carries_the_interval() -> None:
    s1, _s2, _s3 = _stores()
    run = _run()
    _change(
        run,
        s1,
        metric="csat",
        current_value=2.94,
        current_low=2.71,
        current_high=3.12,
        current_n=137,
    )
    make_rule(kind="aggregate", definition=CSAT_BELOW_3)
    assert evaluate_aggregate_rules(run_id=run.pk) == 1
    title = FollowUpTask.objects.get().title
    assert title.endswith("2.9 (95% 신뢰구간 2.7–3.1, n=137)"), title  # noqa: RUF001  # a range's en dash


def test_without_an_interval_the_title_gives_n() -> None:
    s1, _s2, _s3 = _stores()
    run = _run()
    _change(
        run, s1, metric="csat", current_value=2.5, current_low=None, current_high=None, current_n=40
    )
    make_rule(kind="aggregate", definition=CSAT_BELOW_3)
    evaluate_aggregate_rules(run_id=run.pk)
    assert FollowUpTask.objects.get().title.endswith("2.5 (n=40)")
