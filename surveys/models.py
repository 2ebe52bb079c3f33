"""Touchpoints, surveys with frozen versions, invitations and the contact-policy log.

A survey's questions are a JSON list (see `surveys.questions` for the schema). Admins edit the
draft; publishing copies it into a new `SurveyVersion` that never changes again, and every
response records the version it answered.
"""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from odata.models import Customer, Milestone, OperationalEvent, Order, Store


class Touchpoint(models.Model):
    """A stage of the customer journey, owned by a team or a person."""

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    owner_team = models.ForeignKey(
        Group, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("owner team")
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_touchpoints",
        verbose_name=_("owner"),
    )
    # The operational milestone that opens this stage (and can trigger its survey).
    milestone = models.CharField(
        _("opened by"), max_length=32, choices=Milestone.choices, blank=True
    )
    # Contact policy override for journey-critical stages; empty = the global interval.
    contact_interval_days = models.PositiveIntegerField(
        _("minimum days between invitations"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        permissions = [("manage_surveys", _("Can build and publish surveys"))]

    def __str__(self) -> str:
        return self.name


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT, related_name="surveys")
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # The editable definition: a list of questions (surveys.questions validates it).
    draft = models.JSONField(default=list, blank=True)
    # The version new invitations and open-link visitors get.
    current_version = models.ForeignKey(
        "SurveyVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Open link /o/<open_code>/ for QR codes on receipts and tables; empty = no open link.
    open_code = models.CharField(max_length=16, unique=True, null=True, blank=True)
    # The key a receipt printer or POS signs `?order=` on the open link with (HMAC-SHA256,
    # docs/open-links.md). Kept readable, not hashed: admins copy it into the POS, and cxm
    # needs it to check signatures. Empty = signed orders are refused.
    open_link_secret = models.CharField(max_length=64, blank=True)
    # Sending from milestones: how long after the milestone the invitation goes out.
    send_delay_hours = models.PositiveIntegerField(_("send after (hours)"), default=24)
    reminder_after_days = models.PositiveIntegerField(_("reminder after (days)"), default=3)
    expires_after_days = models.PositiveIntegerField(_("link valid for (days)"), default=14)
    send_on_milestone = models.BooleanField(_("send when the touchpoint opens"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["touchpoint__name", "name"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.name


class SurveyVersion(models.Model):
    """A published, frozen copy of a survey's questions."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    questions = models.JSONField()
    # The rating question counted as CSAT when a response has no CSAT answer
    # (`surveys.questions.csat_rating_key`), fixed at publishing like `questions`; "" = none.
    # Kept as a column so CSAT in lists and filters never decodes every version's questions.
    csat_rating_key = models.CharField(max_length=64, blank=True, default="")
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["survey", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="survey_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.survey} v{self.number}"


class Daypart(models.TextChoices):
    """When in the day the purchase happened (local time): context that explains why."""

    MORNING = "morning", _("Morning")
    LUNCH = "lunch", _("Lunch")
    AFTERNOON = "afternoon", _("Afternoon")
    EVENING = "evening", _("Evening")


class Invitation(models.Model):
    """A personal survey link for one customer; at most one response.

    The token is shown once (in the e-mail) and stored only as its SHA-256 hash.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        ANSWERED = "answered", _("Answered")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    class Source(models.TextChoices):
        BULK = "bulk", _("Bulk")
        MILESTONE = "milestone", _("Journey milestone")
        MANUAL = "manual", _("One customer")

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    # The reminder e-mail carries a second random token; both links lead here.
    reminder_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    source = models.CharField(max_length=16, choices=Source.choices)
    language = models.CharField(max_length=8, default="ko")
    # Hidden context that travels into the response.
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.SET_NULL, null=True, blank=True)
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True)
    purchase_channel = models.CharField(max_length=16, blank=True)
    daypart = models.CharField(max_length=16, choices=Daypart.choices, blank=True)
    operational_event = models.ForeignKey(
        OperationalEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Answers saved while the customer is still answering (resume later).
    partial_answers = models.JSONField(default=dict, blank=True)
    send_after = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "send_after"], name="invitation_due"),
            models.Index(fields=["customer", "created_at"], name="invitation_customer_time"),
        ]
        constraints = [
            # One invitation per milestone and survey, however often the sweep runs.
            models.UniqueConstraint(
                fields=["operational_event", "survey"],
                condition=models.Q(operational_event__isnull=False),
                name="invitation_once_per_milestone",
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.customer}"


class Suppression(models.Model):
    """An invitation the contact policy did not send, with the reason (visible to admins)."""

    class Reason(models.TextChoices):
        NO_CONSENT = "no_consent", _("No survey consent")
        NO_EMAIL = "no_email", _("No e-mail address")
        RECENTLY_INVITED = "recently_invited", _("Invited recently")
        OPEN_TASK = "open_task", _("Open follow-up task")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="suppressions")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=32, choices=Reason.choices)
    source = models.CharField(max_length=16, choices=Invitation.Source.choices)
    operational_event = models.ForeignKey(
        OperationalEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.customer}: {self.reason}"
