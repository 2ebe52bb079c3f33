"""Experience data: survey responses with one answer row per question, feedback from
other channels (reviews, social posts, call-centre notes), and the explorer's export runs."""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from odata.models import Customer, Order, Store
from surveys.models import Daypart, Invitation, Survey, SurveyVersion, Touchpoint


class Response(models.Model):
    """One customer's submitted answers to one survey version.

    The score columns copy the NPS / CSAT / CES answers so analysis can aggregate in SQL.
    `evaluated_at` stays empty until trigger rules have looked at the response; the
    reconciler re-enqueues responses that waited too long.
    """

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    # Survey, customer and store lead the (…, submitted_at) indexes below, which serve their
    # lookups: no single-column index each (every index costs the answer page an insert).
    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="responses", db_index=False
    )
    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="+")
    # Personal link: one response per invitation, enforced here.
    invitation = models.OneToOneField(
        Invitation, on_delete=models.PROTECT, null=True, blank=True, related_name="response"
    )
    # Open link: the answer form carries a one-time key, so a double submit records once.
    submission_key = models.UUIDField(unique=True, null=True, blank=True)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responses",
        db_index=False,
    )
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(
        Store, on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True)
    purchase_channel = models.CharField(max_length=16, blank=True)
    daypart = models.CharField(max_length=16, choices=Daypart.choices, blank=True)
    language = models.CharField(max_length=8, default="ko")
    submitted_at = models.DateTimeField(db_index=True)
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    ces = models.PositiveSmallIntegerField(null=True, blank=True)
    intent = models.CharField(max_length=8, blank=True)  # yes / no / unsure
    # All free-text answers, for search and text analysis.
    comment = models.TextField(blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["survey", "submitted_at"], name="response_survey_time"),
            models.Index(fields=["store", "submitted_at"], name="response_store_time"),
            models.Index(fields=["customer", "submitted_at"], name="response_customer_time"),
            models.Index(
                fields=["submitted_at"],
                condition=models.Q(evaluated_at__isnull=True),
                name="response_not_evaluated",
            ),
            # The explorer's comment search is UPPER(comment) LIKE '%…%'.
            GinIndex(OpClass(Upper("comment"), name="gin_trgm_ops"), name="response_comment_trgm"),
        ]
        constraints = [
            # A receipt's signed order answers a survey's open link once. Partial: only
            # open-link answers that name an order enter this index, so the answer page's
            # insert without an order pays no index write for it.
            models.UniqueConstraint(
                fields=["survey", "order"],
                condition=models.Q(submission_key__isnull=False, order__isnull=False),
                name="response_open_link_order_once",
            ),
            models.CheckConstraint(
                condition=models.Q(nps__isnull=True) | models.Q(nps__lte=10), name="response_nps"
            ),
            models.CheckConstraint(
                condition=models.Q(csat__isnull=True) | models.Q(csat__range=(1, 5)),
                name="response_csat",
            ),
            models.CheckConstraint(
                condition=models.Q(ces__isnull=True) | models.Q(ces__range=(1, 7)),
                name="response_ces",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} @ {self.submitted_at:%Y-%m-%d}"


class Answer(models.Model):
    # Led by the unique (response, question_key) index: no index of its own.
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", db_index=False
    )
    question_key = models.CharField(max_length=32)
    number = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    selected = ArrayField(models.CharField(max_length=64), default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question_key"], name="answer_once_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_key}: {self.number if self.number is not None else self.text}"


class Feedback(models.Model):
    """Unsolicited feedback from another channel, idempotent by (channel, external id)."""

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=64)
    external_id = models.CharField(_("external id"), max_length=128)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True)
    store = models.ForeignKey(Store, on_delete=models.SET_NULL, null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    occurred_at = models.DateTimeField(_("time"))
    language = models.CharField(max_length=8, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="feedback_once"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__range=(1, 5)),
                name="feedback_rating",
            ),
        ]
        indexes = [
            models.Index(fields=["occurred_at"], name="feedback_time"),
            models.Index(fields=["store", "occurred_at"], name="feedback_store_time"),
            GinIndex(OpClass(Upper("text"), name="gin_trgm_ops"), name="feedback_text_trgm"),
        ]
        permissions = [("view_responses", _("Can explore responses and feedback"))]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


class ExportRun(models.Model):
    """One export of the explorer's filter prepared by a `bulk` job (an XLSX takes up to a
    minute at the row limit): who asked, for which filter, how far the job is, and the file.

    The file lives under MEDIA_ROOT and is served only to its owner; it is deleted after
    `xdata.services.exports.KEEP_FILES` (the run stays, with `expired_at`). A run left queued
    or running by a lost job is queued again by the reconciler (`attempts` counts the claims).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel (.xlsx)")

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_runs"
    )
    # The explorer's query string, filter fields only; the job validates it again.
    query = models.CharField(max_length=2000, blank=True)
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.XLSX)
    # The language the person asked in: the sheet's name and the note row are written in it.
    language = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    file_path = models.CharField(max_length=500, blank=True)
    # Why a run failed, as a code of xdata.services.exports.MESSAGES, shown in the reader's
    # language.
    message_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written with every progress step: a running run whose heartbeat is old lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The owner's recent runs and the count of those in progress.
            models.Index(fields=["created_by", "-created_at"], name="export_run_owner"),
            # The reconciler and the expiry sweep look for runs by status.
            models.Index(fields=["status", "heartbeat_at"], name="export_run_status"),
        ]

    def __str__(self) -> str:
        return f"{self.format} {self.code}"

    @property
    def working(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def progress(self) -> int:
        """Percent of the rows written (0-100)."""
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)
