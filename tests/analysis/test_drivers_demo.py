"""On the demo company the insight pages find what `xdata.demo` planted: late deliveries cost
CSAT points, complaints cost NPS, more contacts make service harder, morning and afternoon
buyers give different reasons, some who said yes never came back, and "delay" is what unhappy
customers write about."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from analysis.models import AnalysisRun
from analysis.selectors.cells import CellFilter
from analysis.selectors.insights import (
    drivers_report,
    saydo_report,
    themes_report,
    value_report,
)
from analysis.services.drivers import compute_driver_facts
from analysis.services.saydo import compute_saydo_facts
from analysis.services.themes import compute_theme_terms
from analysis.services.value import compute_value_points
from cxm.demo import Demo
from odata.demo import seed_odata
from surveys.demo import seed_surveys
from xdata.demo import seed_responses

pytestmark = pytest.mark.django_db


def test_the_demo_patterns_are_found() -> None:
    demo = Demo(scale="small", rng=random.Random(1))  # noqa: S311  # reproducible demo data
    seed_odata(demo)
    seed_surveys(demo)
    seed_responses(demo)
    now = timezone.now()
    run = AnalysisRun.objects.create(status=AnalysisRun.Status.FINISHED, finished_at=now)
    for step in (compute_driver_facts, compute_saydo_facts, compute_value_points):
        step(run=run, progress=lambda _p: None, now=now)
    compute_theme_terms(run=run, progress=lambda _p: None, now=now)
    everything = CellFilter()

    csat = drivers_report(run, everything, "csat")
    late = next(d for d in csat.drivers if d.key == "days_late")
    assert late.difference is not None and late.difference.high < 0
    means = [b.value.value for b in late.buckets[:3]]  # on time, 1 day, 2-3 days
    assert means == sorted(means, reverse=True)

    nps = drivers_report(run, everything, "nps")
    complaint = next(d for d in nps.drivers if d.key == "complaint_30d")
    # A recent complaint is rare among NPS answers (a few dozen at most), so the planted
    # effect shows as a large drop whose interval may still reach zero.
    assert complaint.difference is not None and complaint.difference.difference < -20

    ces = drivers_report(run, everything, "ces")
    contacts = next(d for d in ces.drivers if d.key == "contacts_30d")
    assert contacts.rho is not None and contacts.rho.high < 0

    saydo = saydo_report(run, everything)
    reasons = {r.reason: r for r in saydo.reasons}
    assert reasons["waiting"].difference.low > 0 and reasons["waiting"].q_value < 0.05  # type: ignore[operator]
    assert reasons["stock"].difference.high < 0 and reasons["stock"].q_value < 0.05  # type: ignore[operator]
    said_yes = next(r for r in saydo.rows if r.group == "매장 재방문 의향" and r.said == "yes")
    assert said_yes.rates[-1].high < 1  # some who said yes did not come back within 90 days
    # ...and yet saying predicts doing: "yes" sayers and promoters buy again more often within
    # 60 days (the demo's latent loyalty), beyond the intervals.
    said_no = next(r for r in saydo.rows if r.group == "매장 재방문 의향" and r.said == "no")
    assert said_yes.rates[1].low > said_no.rates[1].high
    promoters = next(r for r in saydo.rows if r.group == "NPS" and r.said == "promoter")
    detractors = next(r for r in saydo.rows if r.group == "NPS" and r.said == "detractor")
    assert promoters.rates[1].low > detractors.rates[1].high
    assert saydo.follow_up_total > 0

    value = value_report(run, everything)
    assert sum(q.count for q in value.quadrants) == value.n > 0
    assert value.quadrants[0].count > 0  # valuable and unhappy customers exist and come first

    themes = themes_report(run, everything)
    # Terms found in exactly the same texts are one row (배송 지연, with 지연 as a variant).
    assert any("지연" in (t.term, *t.variants) for t in themes.distinct[:5])
