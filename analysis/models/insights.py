"""Per-run facts behind the drivers, say-do, value x experience and text-theme dashboards.

Each run writes these rows once (set-based `INSERT … SELECT`, or batched inserts for the
tokenised text), and the pages aggregate them with the shared filters (local day, survey,
touchpoint, store, region), exactly as the overview aggregates `MetricCell`. The rows are
facts, never statistics: intervals and tests are computed on the page's filtered counts.

- `DriverFact`: one scored answer (NPS, CSAT, CES, or a review's rating) joined with its
  order, delivery and service facts.
- `SayDoFact`: one intent answer, NPS group or rating from another channel with when (if ever)
  that customer ordered again, and how long the run could observe.
- `ValuePoint`: one customer's revenue and cost-to-serve against their latest score (a survey
  answer or a rating).
- `ThemeTerm`: one term or two-word phrase that occurs in one comment or feedback text.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from analysis.models.metrics import fact_ref
from analysis.models.runs import AnalysisRun
from odata.models import Customer, Region, Store
from surveys.models import Survey, Touchpoint
from xdata.models import Feedback, Response


class Measure(models.TextChoices):
    NPS = "nps", "NPS"
    CSAT = "csat", "CSAT"
    CES = "ces", "CES"
    RATING = "rating", _("Review rating")


class DriverFact(models.Model):
    """A scored answer with its operational facts at the time it was given.

    `days_late` is the latest delivery of the order (whole days after the promise, a started
    day counts, as `Delivery.days_late`), empty when the order had no delivery that had arrived
    by then. `contacts_30d` sums the service contacts the customer made in the 30 days before
    the answer; `complaint_30d` says whether one of those records was a complaint. A response
    without an order of its own (a relationship survey) takes the customer's latest order in the
    90 days before it.
    """

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="+")
    response = fact_ref(Response)
    feedback = fact_ref(Feedback)
    day = models.DateField()  # local date of the answer
    survey = fact_ref(Survey)
    touchpoint = fact_ref(Touchpoint)
    store = fact_ref(Store)
    region = fact_ref(Region)
    measure = models.CharField(max_length=8, choices=Measure.choices)
    score = models.SmallIntegerField()
    days_late = models.SmallIntegerField(null=True)
    contacts_30d = models.SmallIntegerField(default=0)
    complaint_30d = models.BooleanField(default=False)
    order_value = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    repeat = models.BooleanField(null=True)  # had ordered before this order
    channel = models.CharField(max_length=16, blank=True)
    daypart = models.CharField(max_length=16, blank=True)

    class Meta:
        indexes = [models.Index(fields=["run", "measure", "day"], name="driver_fact_run")]

    def __str__(self) -> str:
        return f"{self.measure}={self.score} ({self.day})"


class SayDoFact(models.Model):
    """What a customer said (an intent answer, their NPS group, or the stars of a rating from
    another channel) and what they did after.

    `next_order_days` is the time from the answer to the customer's next order (any order
    other than the one the answer was about, cancelled ones excluded), empty when none came.
    A rating has `feedback` instead of `response`, no survey or touchpoint, and its time in
    `submitted_at`.
    `observed_days` is how long the run could watch: a 30-day window counts only for answers
    at least 30 days old, so recent answers never look like broken promises.
    """

    class Kind(models.TextChoices):
        INTENT = "intent"
        NPS = "nps"
        RATING = "rating"

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="+")
    response = fact_ref(Response)
    feedback = fact_ref(Feedback)
    customer = fact_ref(Customer)
    day = models.DateField()
    survey = fact_ref(Survey)
    touchpoint = fact_ref(Touchpoint)
    store = fact_ref(Store)
    region = fact_ref(Region)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # yes/no/unsure, promoter/passive/detractor, or stars_1_2/stars_3/stars_4_5
    said = models.CharField(max_length=16)
    daypart = models.CharField(max_length=16, blank=True)
    channel = models.CharField(max_length=16, blank=True)
    segment = models.CharField(max_length=64, blank=True)  # the customer's segment
    reason = models.CharField(max_length=64, blank=True)  # the follow-up choice after "no"
    submitted_at = models.DateTimeField()
    next_order_days = models.FloatField(null=True)
    observed_days = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["run", "kind", "day"], name="saydo_fact_run")]

    def __str__(self) -> str:
        return f"{self.kind}={self.said} ({self.day})"


class ValuePoint(models.Model):
    """One customer's value and cost to serve over the run's window, against their latest
    experience evidence (an NPS, CSAT or CES answer, or a rating from another channel, put on
    one 0-100 scale) and whether it was unhappy. See `analysis.services.value`."""

    class Quadrant(models.TextChoices):
        VALUABLE_UNHAPPY = "valuable_unhappy"
        VALUABLE_HAPPY = "valuable_happy"
        OTHER_UNHAPPY = "other_unhappy"
        OTHER_HAPPY = "other_happy"

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="+")
    customer = fact_ref(Customer)
    day = models.DateField()  # local date of the latest scored answer or rating
    survey = fact_ref(Survey)  # empty for a rating
    touchpoint = fact_ref(Touchpoint)
    store = fact_ref(Store)  # the store of that answer, else the customer's home store
    region = fact_ref(Region)
    revenue = models.DecimalField(max_digits=16, decimal_places=2)
    orders = models.PositiveIntegerField()
    contacts = models.PositiveIntegerField()
    cost_to_serve = models.DecimalField(max_digits=16, decimal_places=2)
    net_value = models.DecimalField(max_digits=16, decimal_places=2)
    measure = models.CharField(max_length=8, choices=Measure.choices)
    score = models.SmallIntegerField()
    score_100 = models.FloatField()  # the score on a 0-100 scale (min of its scale = 0)
    unhappy = models.BooleanField()
    quadrant = models.CharField(max_length=20, choices=Quadrant.choices)

    class Meta:
        indexes = [models.Index(fields=["run", "quadrant", "day"], name="value_point_run")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.quadrant}"


class ThemeTerm(models.Model):
    """A term or two-word phrase found in one comment (`response`) or feedback text.

    `tone` is the text's score group: "unhappy" (NPS 0-6, CSAT 1-2, CES 1-3, rating 1-2),
    "happy" (NPS 9-10, CSAT 4-5, CES 6-7, rating 4-5), "neutral" in between, empty without a
    score. One row per distinct term per text, so sums count texts, not repetitions.
    """

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="+")
    response = fact_ref(Response)
    feedback = fact_ref(Feedback)
    day = models.DateField()
    survey = fact_ref(Survey)
    touchpoint = fact_ref(Touchpoint)
    store = fact_ref(Store)
    region = fact_ref(Region)
    tone = models.CharField(max_length=8, blank=True)
    language = models.CharField(max_length=8, blank=True)
    term = models.CharField(max_length=100)
    phrase = models.BooleanField(default=False)  # a two-word phrase

    class Meta:
        indexes = [models.Index(fields=["run", "day"], name="theme_term_run")]

    def __str__(self) -> str:
        return self.term
