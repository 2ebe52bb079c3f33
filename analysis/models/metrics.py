"""The per-run fact table and the stored change tests.

`MetricCell` holds counts, never statistics: one row per run x local day x survey x touchpoint
x store (with its region), and optionally one more dimension (`dim`/`value`: purchase or
feedback channel, customer segment, language, daypart). Any filter combination of a page is a
SUM over these rows plus a little numpy, so pages answer fast at a million responses. The rows
without `dim` ("base" rows) carry every count; the rows of one `dim` carry the same counts
split by that dimension. Weekday, week and month are derived from `day` (already local).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from analysis.models.runs import AnalysisRun
from odata.models import Region, Store
from surveys.models import Survey, Touchpoint

# The extra dimensions split out in their own rows (`MetricCell.dim`).
SEGMENT_DIMS = ("channel", "segment", "language", "daypart")
CSAT_LEVELS = tuple(range(1, 6))
CES_LEVELS = tuple(range(1, 8))
REVIEW_LEVELS = tuple(range(1, 6))


def fact_ref(model: type[models.Model]) -> models.ForeignKey:
    """A fact row's reference to the row it describes (a store, survey, response …), for the
    per-run tables here and in `analysis.models.insights`."""
    # No database constraint and no index of its own: a run's rows are written by one
    # INSERT … SELECT per source and deleted with the run; a deleted store or response must
    # neither block nor cascade into history.
    return models.ForeignKey(
        model,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )


class MetricCell(models.Model):
    # No index of its own: (run, dim, day) serves every lookup by run, and a run-only index
    # tempts the planner into reading all of a run's rows to keep the base ones.
    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="+", db_index=False)
    dim = models.CharField(max_length=16, blank=True)  # "" = base row
    value = models.CharField(max_length=64, blank=True)
    day = models.DateField()
    survey = fact_ref(Survey)
    touchpoint = fact_ref(Touchpoint)
    store = fact_ref(Store)
    region = fact_ref(Region)
    # Survey responses in the cell, and the NPS answers among them.
    responses = models.PositiveIntegerField(default=0)
    nps_n = models.PositiveIntegerField(default=0)
    promoters = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)
    # CSAT (1-5) and CES (1-7) answers per level: means, top-2-box and rank tests need no more.
    csat_1 = models.PositiveIntegerField(default=0)
    csat_2 = models.PositiveIntegerField(default=0)
    csat_3 = models.PositiveIntegerField(default=0)
    csat_4 = models.PositiveIntegerField(default=0)
    csat_5 = models.PositiveIntegerField(default=0)
    ces_1 = models.PositiveIntegerField(default=0)
    ces_2 = models.PositiveIntegerField(default=0)
    ces_3 = models.PositiveIntegerField(default=0)
    ces_4 = models.PositiveIntegerField(default=0)
    ces_5 = models.PositiveIntegerField(default=0)
    ces_6 = models.PositiveIntegerField(default=0)
    ces_7 = models.PositiveIntegerField(default=0)
    # Feedback from other channels, and its 1-5 ratings per level.
    feedback = models.PositiveIntegerField(default=0)
    review_1 = models.PositiveIntegerField(default=0)
    review_2 = models.PositiveIntegerField(default=0)
    review_3 = models.PositiveIntegerField(default=0)
    review_4 = models.PositiveIntegerField(default=0)
    review_5 = models.PositiveIntegerField(default=0)
    # Invitations sent that day (by sending day) and how many of them were answered.
    invited = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # Every page query is "this run, base rows (or one dim), a date range".
            models.Index(fields=["run", "dim", "day"], name="metric_cell_run_dim_day"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.dim or 'base'}={self.value} {self.day}"


class SegmentChange(models.Model):
    """The latest complete period against the previous one, per segment and metric.

    Contract read by the actions app's aggregate trigger rules (see
    `analysis.selectors.latest_segment_changes`):

    - `segment_kind`: "survey", "touchpoint", "region", "store", "channel", "segment",
      "language", "daypart", "weekday", or "all" (the whole company, key "all");
    - `segment_key`: the segment's string id (store external_id, region code, survey and
      touchpoint code (UUID), channel name, customer segment, language code, daypart, ISO
      weekday 1-7);
    - `metric`: "nps", "csat" (mean 1-5), "ces" (mean 1-7), "review" (mean rating 1-5 of
      other channels) or "response_rate" (answered / invited);
    - `period`: "week" (Monday start) or "month", local time; `period_start` is the first day
      of the current (latest complete) period;
    - `current_value`/`current_low`/`current_high`: the value with its 95 % interval;
    - `p_value` is null when either side has fewer answers than the minimum n (then the row is
      shown but never tested); `q_value` is the Benjamini-Hochberg adjusted p across every
      tested row of the same metric and period in the run;
    - `difference` = current - previous (NPS points, mean score, or rate);
    - `significant_drop`: BH rejected at q = 0.05 and the difference is negative. Every metric
      here is "higher is better" (cxm's CES asks how much one agrees it was easy, 7 = easy),
      so `significant_drop` means "got worse".
    """

    class Period(models.TextChoices):
        WEEK = "week", _("Week")
        MONTH = "month", _("Month")

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="changes")
    segment_kind = models.CharField(max_length=16)
    segment_key = models.CharField(max_length=64)
    segment_label = models.CharField(max_length=200)
    metric = models.CharField(max_length=16)
    period = models.CharField(max_length=8, choices=Period.choices)
    period_start = models.DateField()
    current_value = models.FloatField(null=True)
    current_low = models.FloatField(null=True)
    current_high = models.FloatField(null=True)
    current_n = models.PositiveIntegerField()
    previous_value = models.FloatField(null=True)
    previous_n = models.PositiveIntegerField()
    difference = models.FloatField(null=True)
    p_value = models.FloatField(null=True)
    q_value = models.FloatField(null=True)
    significant_drop = models.BooleanField(default=False)
    # The test used ("nps_z", "mann_whitney", "two_proportion_z") and the minimum n applied.
    method = models.CharField(max_length=32)
    min_n = models.PositiveIntegerField()

    class Meta:
        ordering = ["metric", "period", "segment_kind", "segment_label"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "segment_kind", "segment_key", "metric", "period"],
                name="segment_change_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.segment_kind}={self.segment_key} {self.metric} {self.period}"

    @property
    def significant_rise(self) -> bool:
        """BH-rejected and better than before (0.05 is the q the run tested at)."""
        return (
            self.q_value is not None
            and self.q_value <= 0.05
            and self.difference is not None
            and self.difference > 0
        )
