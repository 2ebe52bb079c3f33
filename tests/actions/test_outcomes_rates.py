"""Recovery rates by rule, owner and root cause: judged tasks only, Wilson intervals, n."""

from __future__ import annotations

import pytest

from actions.selectors_outcomes import MIN_RATE_N, outcome_totals, recovery_rates
from analysis.stats import wilson
from tests.actions.test_outcomes_helpers import (
    T0,
    make_customer,
    make_rule,
    make_task,
    staff_user,
)
from tests.factories import RootCauseFactory

pytestmark = pytest.mark.django_db


def _judged(rule, verdict: str, **fields):  # type: ignore[no-untyped-def]
    return make_task(rule, make_customer(), verdict=verdict, judged_at=T0, **fields)


def test_rates_by_rule_owner_and_root_cause_use_wilson() -> None:
    rule_a, rule_b = make_rule(name="불만 고객"), make_rule(name="배송 지연")
    kim, lee = staff_user(name="김점장"), staff_user(name="이점장")
    late = RootCauseFactory(key="late", label_ko="배송 지연", label_en="Late delivery")
    for n in range(12):
        _judged(rule_a, "recovered" if n < 9 else "not_recovered", owner=kim, root_cause=late)
    for n in range(3):
        _judged(rule_b, "recovered" if n < 1 else "not_recovered", owner=lee)
    make_task(rule_a, None, verdict="unknown", judged_at=T0, owner=kim)  # a segment task
    make_task(rule_a, make_customer(), owner=kim)  # closed, not judged yet

    by_rule = {r.label: r for r in recovery_rates(by="rule", language="ko")}
    a = by_rule["불만 고객"]
    assert (a.recovered, a.judged, a.no_evidence) == (9, 12, 1)
    assert a.estimate == wilson(9, 12)
    assert by_rule["배송 지연"].judged == 3
    assert by_rule["배송 지연"].estimate is None  # fewer than MIN_RATE_N judged
    assert MIN_RATE_N > 3

    by_owner = [(r.label, r.judged) for r in recovery_rates(by="owner", language="ko")]
    assert by_owner == [("김점장", 12), ("이점장", 3)]
    namesake = staff_user(name="김점장", username="kim2")
    _judged(rule_b, "recovered", owner=namesake)
    labels = {r.label for r in recovery_rates(by="owner", language="ko")}
    assert {"김점장 (kim2)", f"김점장 ({kim.get_username()})"} <= labels

    causes = {r.label: r.judged for r in recovery_rates(by="root_cause", language="en")}
    assert causes["Late delivery"] == 12
    assert causes["No root cause"] == 4

    totals = outcome_totals()
    assert (totals.closed, totals.judged, totals.recovered) == (18, 16, 11)
    assert (totals.awaiting, totals.no_evidence) == (1, 1)
    assert totals.estimate == wilson(11, 16)


def test_since_keeps_only_tasks_closed_after_it() -> None:
    from datetime import timedelta

    rule = make_rule()
    for _ in range(MIN_RATE_N):
        _judged(rule, "recovered", closed_at=T0)
    _judged(rule, "not_recovered", closed_at=T0 - timedelta(days=400))
    rows = recovery_rates(by="rule", language="ko", since=T0 - timedelta(days=10))
    assert [(r.recovered, r.judged) for r in rows] == [(MIN_RATE_N, MIN_RATE_N)]
