"""One recomputation of the stored statistics (`run_analysis`, the hourly job, after imports)."""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AnalysisRun(models.Model):
    """A run of every section in `analysis.sections.SECTIONS`, with its progress.

    Pages read the results of the latest *finished* run and never wait for one. At most one
    run is queued at a time (a partial unique constraint), so repeated requests while one
    waits (a burst of imports, double clicks) fold into it.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Done")
        FAILED = "failed", _("Failed")

    class Reason(models.TextChoices):
        MANUAL = "manual", _("Started by hand")
        HOURLY = "hourly", _("Hourly")
        IMPORT = "import", _("After an import")
        DEMO = "demo", _("Demo data")

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(max_length=16, choices=Reason.choices, default=Reason.MANUAL)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Sections done / in all, the running section's name and the overall percentage.
    steps_done = models.PositiveSmallIntegerField(default=0)
    steps_total = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=64, blank=True)
    percent = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # The local date the run took as "today": its latest complete week and month end before it.
    as_of = models.DateField(null=True, blank=True)
    # Counts for the command's JSON summary and the runs page (cells, changes, flags, ...).
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="queued"),
                name="analysis_one_queued_run",
            )
        ]
        indexes = [models.Index(fields=["status", "-finished_at"], name="analysis_run_latest")]
        permissions = [
            ("view_dashboards", _("Can see the analysis dashboards")),
            ("run_analysis", _("Can start an analysis run")),
        ]

    def __str__(self) -> str:
        return f"analysis run {self.code} ({self.status})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
