"""Relative importance on the drivers page is weighed within the answers a driver applies to,
and is not shown when the drivers together explain almost nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.models import AnalysisRun
from analysis.models.insights import DriverFact
from analysis.selectors.cells import CellFilter
from analysis.selectors.insights import (
    IMPORTANCE_MIN_R2,
    ORDERED_DRIVERS,
    drivers_report,
    importance_models,
)
from cxm.models import User
from tests.analysis.test_drivers_page import DAY, URL, finished_run
from tests.odata.test_customer_360 import english


def _frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame({name: np.full(n, np.nan) for name in ["score", *ORDERED_DRIVERS]})
    for name, values in columns.items():
        frame[name] = values
    return frame


def test_a_driver_only_delivered_answers_have_is_weighed_among_them() -> None:
    rng = np.random.default_rng(1)
    n = 1000
    complaint = (rng.random(n) < 0.2).astype(float)
    late = rng.integers(0, 6, n).astype(float)
    delivered = np.arange(n) < 300  # days late known for 30 % of the answers
    # Among delivered answers the score is mostly lateness; complaints barely matter anywhere.
    score = 8 - 0.05 * complaint + np.where(delivered, -1.0 * late, 0) + rng.normal(0, 1, n)
    frame = _frame(
        {"score": score, "complaint_30d": complaint, "days_late": np.where(delivered, late, np.nan)}
    )

    full, subset = importance_models(frame)

    assert full.drivers == ["complaint_30d"] and full.n == n
    assert full.r2 is not None and full.r2 < IMPORTANCE_MIN_R2 and not full.shown
    assert subset.left == ["days_late"] and subset.n == 300
    assert subset.drivers == ["days_late", "complaint_30d"]
    assert subset.shown and subset.shares["days_late"] > 0.95


@pytest.mark.django_db
def test_a_driver_in_both_models_takes_its_share_from_the_one_shown() -> None:
    run = AnalysisRun.objects.create(status=AnalysisRun.Status.FINISHED)
    facts = []
    for i in range(200):
        # Pairs of answers (2k, 2k + 1) share a score, one with a complaint and one without:
        # complaints are unrelated to the score; lateness sets it for the 80 delivered answers.
        late = (i // 2) % 5 if i < 80 else None
        score = 5 - late if late is not None else 3 + (i // 2) % 3
        facts.append(
            DriverFact(
                run=run, measure="csat", score=score, day=DAY,
                complaint_30d=i % 2 == 0, days_late=late,
            )
        )  # fmt: skip
    DriverFact.objects.bulk_create(facts)

    report = drivers_report(run, CellFilter(), "csat")

    by_key = {d.key: d for d in report.drivers}
    full, subset = report.importance_models
    assert (full.key, subset.key) == ("all", "subset")
    assert by_key["days_late"].importance is not None
    assert by_key["days_late"].importance_model == "subset"
    # The whole-sample model (complaints only) explains nothing, but model 2, which the note
    # lists with complaints among its drivers, does: the share comes from there, and is ~0.
    assert not full.shown and subset.shown and "complaint_30d" in subset.drivers
    assert by_key["complaint_30d"].importance_model == "subset"
    assert by_key["complaint_30d"].importance == pytest.approx(0, abs=0.01)
    assert by_key["complaint_30d"].importance_note == ""


def test_an_ordered_driver_left_out_of_every_model_says_so() -> None:
    rng = np.random.default_rng(3)
    n = 100
    contacts = rng.integers(0, 4, n).astype(float)
    late = np.where(np.arange(n) < 10, 1.0, np.nan)  # too few answers for a model of its own
    frame = _frame({"score": 5 - contacts + rng.normal(0, 0.5, n), "contacts_30d": contacts,
                    "days_late": late})  # fmt: skip

    models = importance_models(frame)

    assert [m.key for m in models] == ["all"]
    assert models[0].shown and models[0].shares == pytest.approx({"contacts_30d": 1.0})


@pytest.mark.django_db
def test_drivers_page_states_how_little_the_model_explains(manager: User) -> None:
    run = finished_run()
    rng = np.random.default_rng(4)
    DriverFact.objects.bulk_create(
        DriverFact(run=run, measure="csat", score=int(rng.integers(1, 6)), day=DAY,
                   complaint_30d=bool(rng.random() < 0.5))
        for _ in range(120)
    )  # fmt: skip

    html = english(manager).get(URL + "?measure=csat").content.decode()

    assert "The drivers together explain only" in html
    assert "importance not shown" in html
    assert "not shown: the model explains only" in html


def _facts(run: AnalysisRun, rows: list[tuple[int, bool, int | None]]) -> None:
    DriverFact.objects.bulk_create(
        DriverFact(run=run, measure="csat", score=score, day=DAY, complaint_30d=complaint,
                   days_late=late)
        for score, complaint, late in rows
    )  # fmt: skip


@pytest.mark.django_db
def test_when_no_model_with_the_driver_is_shown_the_note_names_the_model(manager: User) -> None:
    run = finished_run()
    # Every score meets every combination of the drivers equally often: neither model explains
    # anything. Days late is known for 50 answers of 200.
    delivered = [(1 + (i // 10) % 5, (i // 5) % 2 == 0, i % 5) for i in range(50)]
    undelivered = [(1 + (i // 2) % 5, i % 2 == 0, None) for i in range(150)]
    _facts(run, delivered + undelivered)

    report = drivers_report(run, CellFilter(), "csat")
    html = english(manager).get(URL + "?measure=csat").content.decode()

    by_key = {d.key: d for d in report.drivers}
    assert [m.shown for m in report.importance_models] == [False, False]
    assert str(by_key["complaint_30d"].importance_note).startswith(
        "not shown: model 1 explains only"
    )
    assert str(by_key["days_late"].importance_note).startswith("not shown: model 2 explains only")
    assert "not shown: model 1 explains only" in html
    assert "not shown: the model explains only" not in html


@pytest.mark.django_db
def test_a_score_that_never_varies_is_not_called_explained_by_zero(manager: User) -> None:
    run = finished_run()
    _facts(run, [(4, i % 2 == 0, None) for i in range(60)])

    report = drivers_report(run, CellFilter(), "csat")
    html = english(manager).get(URL + "?measure=csat").content.decode()

    (model,) = report.importance_models
    assert model.score_constant and model.r2 is None and model.n == 60
    complaint = next(d for d in report.drivers if d.key == "complaint_30d")
    assert complaint.importance is None
    assert complaint.importance_note == "not shown: the score does not vary in the model's answers"
    assert "there is no variation to explain" in html
    assert "explain only" not in html and "explains only" not in html
