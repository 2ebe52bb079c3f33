"""An aggregate rule's task title, and so its e-mail subject, gives the segment's figure with its
95% interval and n; without an interval it gives the figure and n."""

from __future__ import annotations

import pytest

from actions.models import FollowUpTask
from actions.services.aggregate import evaluate_aggregate_rules
from odata.models import Store
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
    assert title.endswith("2.9 (95% 신뢰구간 2.7 ~ 3.1, n=137)"), title


def test_without_an_interval_the_title_gives_n() -> None:
    s1, _s2, _s3 = _stores()
    run = _run()
    _change(
        run, s1, metric="csat", current_value=2.5, current_low=None, current_high=None, current_n=40
    )
    make_rule(kind="aggregate", definition=CSAT_BELOW_3)
    evaluate_aggregate_rules(run_id=run.pk)
    assert FollowUpTask.objects.get().title.endswith("2.5 (n=40)")


def test_the_figure_is_rounded_once_so_below_three_and_a_half_never_reads_three_and_a_half() -> (
    None
):
    s1, _s2, _s3 = _stores()
    run = _run()
    # 3.4497 rounded to 2 decimals first (3.45) would then read 3.5 under "below 3.5".
    _change(
        run,
        s1,
        metric="csat",
        current_value=3.4497,
        current_low=3.2449,
        current_high=3.6549,
        current_n=137,
    )
    make_rule(kind="aggregate", definition={**CSAT_BELOW_3, "below": 3.5})
    assert evaluate_aggregate_rules(run_id=run.pk) == 1
    title = FollowUpTask.objects.get().title
    assert title.endswith("3.4 (95% 신뢰구간 3.2 ~ 3.7, n=137)"), title


def test_a_negative_figure_and_its_interval_carry_the_same_minus_sign() -> None:
    s1, _s2, _s3 = _stores()
    run = _run()
    _change(
        run,
        s1,
        metric="nps",
        current_value=-12.54,
        current_low=-20.1,
        current_high=-4.9,
        current_n=140,
    )
    make_rule(
        kind="aggregate",
        definition={"metric": "nps", "segment_kind": "store", "below": 0, "min_n": 30},
    )
    assert evaluate_aggregate_rules(run_id=run.pk) == 1
    title = FollowUpTask.objects.get().title
    assert title.endswith("NPS \u221212.5 (95% 신뢰구간 \u221220.1 ~ \u22124.9, n=140)"), title


def _label(store: Store) -> str:
    return f"{store.name} ({store.external_id})"[:200]  # as the analysis run stores it


def test_a_long_rule_and_store_name_give_way_to_the_figures() -> None:
    s1, _s2, _s3 = _stores()
    s1.name = "가" * 200
    s1.save(update_fields=["name"])
    run = _run()
    _change(
        run,
        s1,
        segment_label=_label(s1),
        metric="csat",
        current_value=2.94,
        current_low=2.71,
        current_high=3.12,
        current_n=137,
    )
    rule_name = "규" * 100
    make_rule(kind="aggregate", definition=CSAT_BELOW_3, name=rule_name)
    assert evaluate_aggregate_rules(run_id=run.pk) == 1
    title = FollowUpTask.objects.get().title
    assert len(title) <= 300
    assert title.startswith(f"{rule_name} · 가")  # the rule name whole, the store name cut
    assert "가…" in title
    assert title.endswith("2.9 (95% 신뢰구간 2.7 ~ 3.1, n=137)"), title


def test_a_long_rule_name_gives_way_too() -> None:
    s1, _s2, _s3 = _stores()
    s1.name = "가" * 200
    s1.save(update_fields=["name"])
    run = _run()
    _change(
        run,
        s1,
        segment_label=_label(s1),
        metric="csat",
        current_value=2.5,
        current_low=None,
        current_high=None,
    )
    make_rule(kind="aggregate", definition=CSAT_BELOW_3, name="규" * 200)
    evaluate_aggregate_rules(run_id=run.pk)
    title = FollowUpTask.objects.get().title
    assert len(title) <= 300 and title.endswith("2.5 (n=80)"), title
    name, segment, _figures = title.split(" · ")
    assert name.endswith("…") and segment.endswith("…")
