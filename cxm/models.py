"""Platform models: staff accounts, worker heartbeats and e-mails kept for admins."""

from __future__ import annotations

from uuid import uuid4

from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    KOREAN = "ko", _("Korean")
    ENGLISH = "en", _("English")


class User(AbstractUser):
    """A staff account. Customers never log in; they answer through survey links."""

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=150, blank=True)
    # Empty means "no preference yet": the browser's language (or the switch) decides.
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, blank=True, default=""
    )
    # Set when the "choose your password" e-mail went out, so it goes out once.
    invited_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Whom an overdue follow-up task of this user escalates to.
    reports_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("reports to"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
                violation_error_message=_("Another user already has this e-mail address."),
            )
        ]
        permissions = [
            ("manage_users", _("Can manage users and roles")),
            ("view_sent_email", _("Can see e-mails kept by the system")),
            ("view_system_status", _("Can see the system status")),
        ]

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.username


class WorkerHeartbeat(models.Model):
    """The last time a worker ran the heartbeat job from each queue.

    One row per queue, so /healthz can tell a stuck `bulk` queue from a dead worker.
    """

    queue = models.CharField(max_length=32, unique=True)
    worker_name = models.CharField(max_length=200, blank=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.queue} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class StoredEmail(models.Model):
    """An e-mail the `store:` backend kept instead of sending (see EMAIL_URL)."""

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    from_email = models.CharField(max_length=320)
    to = ArrayField(models.CharField(max_length=320), default=list)
    cc = ArrayField(models.CharField(max_length=320), default=list, blank=True)
    bcc = ArrayField(models.CharField(max_length=320), default=list, blank=True)
    subject = models.CharField(max_length=998)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject
