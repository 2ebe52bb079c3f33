"""Two outcome sweeps at the same moment judge each task once (conditional updates)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from actions.models import FollowUpTask, TaskEvent
from actions.services.outcomes import judge_outcomes
from tests.actions.test_outcomes_helpers import T0, buy, make_customer, make_rule, make_task


@pytest.mark.django_db(transaction=True)
def test_overlapping_sweeps_write_one_outcome_per_task() -> None:
    rule = make_rule()
    for n in range(40):
        customer = make_customer()
        make_task(rule, customer)
        if n % 2:
            buy(customer, T0 + timedelta(days=5))
    barrier = threading.Barrier(3)  # the three sweeps start together
    results: list[dict[str, int]] = []

    def sweep() -> None:
        try:
            barrier.wait()
            results.append(judge_outcomes(now=T0 + timedelta(days=91)))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(r["tasks_judged"] for r in results) == 40
    assert sum(r["tasks_30d"] for r in results) == 40
    assert TaskEvent.objects.filter(kind=TaskEvent.Kind.OUTCOME).count() == 40
    assert FollowUpTask.objects.filter(verdict="recovered").count() == 20
