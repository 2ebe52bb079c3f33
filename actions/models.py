"""The closed loop: trigger rules open follow-up tasks from action plans; workers notify, remind
and escalate until the task closes; outcomes say whether the customer's experience recovered.

Exactly-once guarantees live here as constraints: one open task per (rule, subject), one
escalation per (task, level), one notification per (task, event, channel, recipient), one
holdout per (rule, subject, trigger day).
"""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from actions.task_titles import TITLE_MAX, task_title
from odata.models import Customer, Region, Store
from surveys.models import Survey, Touchpoint
from xdata.models import Feedback, Response


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Priority(models.IntegerChoices):
    """Lower sorts first: an urgent task tops every inbox."""

    URGENT = 1, _("Urgent")
    HIGH = 2, _("High")
    NORMAL = 3, _("Normal")
    LOW = 4, _("Low")


class RootCause(models.Model):
    """The taxonomy a resolver picks from (managed by admins); evaluation groups by it."""

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    key = models.SlugField(_("key"), max_length=50, unique=True)
    label_ko = models.CharField(_("label (Korean)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    # The catch-all cause, listed last wherever resolvers pick one.
    OTHER_KEY = "other"

    class Meta:
        ordering = ["key"]
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")

    def __str__(self) -> str:
        return self.label_en

    def label(self, language: str) -> str:
        return self.label_en if language.startswith("en") else self.label_ko


class WebhookEndpoint(models.Model):
    """Another system (CRM, chat) that receives signed task events.

    The secret is kept in clear because signing needs it (HMAC-SHA256 over the body); it is
    shown once when created and never again.
    """

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name


class ActionPlan(models.Model):
    """The template a task is opened from: the manual the frontline follows, who owns it, how
    fast it must be done and who hears about it."""

    class Routing(models.TextChoices):
        NAMED_USER = "user", _("A named user")
        STORE_MANAGER = "store_manager", _("The store's manager")
        TOUCHPOINT_TEAM = "touchpoint_team", _("Round-robin in the touchpoint's team")

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    # A list of step texts; a task copies it and keeps its own done flags.
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    routing = models.CharField(
        _("owner routing"), max_length=20, choices=Routing.choices, default=Routing.STORE_MANAGER
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("named owner"),
    )
    fallback_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("fallback owner"),
    )
    sla_hours = models.PositiveIntegerField(_("SLA (business hours)"), default=8)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    notify_email = models.BooleanField(_("e-mail the owner"), default=True)
    webhooks = models.ManyToManyField(
        WebhookEndpoint, blank=True, related_name="plans", verbose_name=_("webhooks")
    )
    # Closing a task can send the customer this short survey (empty: none).
    recovery_survey = models.ForeignKey(
        Survey,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recovery survey"),
    )
    reassign_on_breach = models.BooleanField(_("reassign to the manager at breach"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        constraints = [
            models.CheckConstraint(condition=models.Q(sla_hours__gte=1), name="plan_sla_positive")
        ]

    def __str__(self) -> str:
        return self.title


class TriggerRule(models.Model):
    """When to open a task. `definition` holds the kind-specific conditions (see
    `actions.conditions`); every saved change is kept as a `TriggerRuleVersion`."""

    class Kind(models.TextChoices):
        RESPONSE = "response", _("Per response")
        OPERATIONAL = "operational", _("Operational")
        AGGREGATE = "aggregate", _("Aggregate")

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    plan = models.ForeignKey(
        ActionPlan, on_delete=models.PROTECT, related_name="rules", verbose_name=_("action plan")
    )
    definition = models.JSONField(_("conditions"), default=dict)
    # Scope: empty means everywhere.
    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("survey")
    )
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("touchpoint")
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("store")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("region")
    )
    # Percent of triggered subjects kept as an untreated control group (0: no holdout).
    holdout_percent = models.PositiveSmallIntegerField(_("holdout (%)"), default=0)
    is_enabled = models.BooleanField(_("enabled"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("trigger rule")
        verbose_name_plural = _("trigger rules")
        permissions = [
            ("manage_rules", _("Can manage trigger rules, action plans and root causes")),
        ]
        indexes = [models.Index(fields=["kind", "is_enabled"], name="rule_kind_enabled")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(holdout_percent__lte=50), name="rule_holdout_at_most_half"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TriggerRuleVersion(models.Model):
    """A frozen copy of a rule as saved: what it was when a task was opened."""

    rule = models.ForeignKey(TriggerRule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rule", "-number"]
        constraints = [models.UniqueConstraint(fields=["rule", "number"], name="rule_version_once")]

    def __str__(self) -> str:
        return f"{self.rule_id} v{self.number}"


class TaskStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("task status", "New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (TaskStatus.NEW, TaskStatus.IN_PROGRESS, TaskStatus.WAITING)


class FollowUpTask(models.Model):
    """One follow-up of one subject (a customer, or a segment for aggregate rules) under one
    rule. A repeat trigger while the task is open adds to it (`trigger_count`) instead of
    opening another: the partial unique constraint below makes that a database fact."""

    class Verdict(models.TextChoices):
        RECOVERED = "recovered", _("Recovered")
        NOT_RECOVERED = "not_recovered", _("Not recovered")
        UNKNOWN = "unknown", _("No evidence")

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    rule = models.ForeignKey(TriggerRule, on_delete=models.PROTECT, related_name="tasks")
    rule_version = models.PositiveIntegerField()
    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="tasks")
    # "customer:<id>" for response and operational rules, "segment:<kind>:<key>" for aggregate.
    subject_key = models.CharField(max_length=120)
    title = models.CharField(max_length=TITLE_MAX)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    store = models.ForeignKey(Store, on_delete=models.SET_NULL, null=True, blank=True)
    response = models.ForeignKey(
        Response, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    feedback = models.ForeignKey(
        Feedback, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    # What fired, for the task page ("NPS 3", "delivery 4 days late", …) as data.
    trigger = models.JSONField(default=dict)
    trigger_count = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks"
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    sla_hours = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    # While waiting on the customer the SLA clock stops; resuming moves `due_at` later.
    paused_at = models.DateTimeField(null=True, blank=True)
    # The due time the SLA promised, kept once a reviewer moves `due_at` (empty until then:
    # `due_at` is the SLA's). Waiting pauses move it as they move `due_at`; SLA compliance is
    # measured against it, so a moved deadline does not turn a missed SLA into a met one.
    sla_due_at = models.DateTimeField(null=True, blank=True)
    checklist = models.JSONField(default=list)  # [{"text": str, "done": bool}]
    root_cause = models.ForeignKey(
        RootCause, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    resolution_note = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    first_action_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Post-action evaluation (filled by the outcome sweep).
    baseline_score = models.SmallIntegerField(null=True, blank=True)
    later_score = models.SmallIntegerField(null=True, blank=True)
    repurchased_30d = models.BooleanField(null=True, blank=True)
    repurchased_90d = models.BooleanField(null=True, blank=True)
    verdict = models.CharField(max_length=16, choices=Verdict.choices, blank=True)
    judged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["priority", "due_at"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        permissions = [
            ("work_tasks", _("Can work follow-up tasks")),
            ("review_tasks", _("Can review everyone's follow-up tasks")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key"],
                condition=models.Q(status__in=["new", "in_progress", "waiting"]),
                name="task_one_open_per_rule_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status", "due_at"], name="task_owner_inbox"),
            models.Index(
                fields=["due_at"],
                condition=models.Q(status__in=["new", "in_progress"]),
                name="task_running_due",
            ),
            models.Index(fields=["customer", "status"], name="task_customer_status"),
            models.Index(
                fields=["closed_at"],
                condition=models.Q(judged_at__isnull=True, closed_at__isnull=False),
                name="task_awaiting_verdict",
            ),
        ]

    def __str__(self) -> str:
        return self.shown_title

    @property
    def shown_title(self) -> str:
        """The title in the active language: an aggregate task's is worded from its trigger's
        figures (`actions.task_titles`), any other's is the stored `title`."""
        return task_title(title=self.title, trigger=self.trigger)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def promised_due_at(self) -> datetime:
        """The due time the SLA is measured against (`sla_due_at`, else `due_at`)."""
        return self.sla_due_at or self.due_at


class TaskEvent(models.Model):
    """The task's activity log, comments included (kind "comment")."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Opened")
        RETRIGGERED = "retriggered", _("Triggered again")
        STATUS = "status", _("Status changed")
        COMMENT = "comment", pgettext_lazy("staff note on a task", "Comment")
        CHECKLIST = "checklist", _("Checklist")
        ASSIGNED = "assigned", _("Reassigned")
        RESCHEDULED = "rescheduled", _("Due date or priority changed")
        REMINDED = "reminded", _("Reminder sent")
        ESCALATED = "escalated", _("Escalated")
        NOTIFIED = "notified", _("Notified")
        OUTCOME = "outcome", _("Outcome")

    task = models.ForeignKey(FollowUpTask, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["task", "at"], name="task_event_time")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind}"


class Escalation(models.Model):
    """A reminder or escalation step, once per task and level (the sweep claims it by insert)."""

    class Level(models.IntegerChoices):
        REMINDER = 1, _("Reminder near the SLA end (80%)")
        BREACH = 2, _("Escalated at breach")
        ADMINS = 3, _("Escalated to admins at twice the SLA")

    task = models.ForeignKey(FollowUpTask, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "level"], name="escalation_once_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.task_id} L{self.level}"


class Notification(models.Model):
    """One message about one task event to one recipient, written before it is sent so a
    lost job is re-sent by the reconciler; unique so it is sent once."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    task = models.ForeignKey(FollowUpTask, on_delete=models.CASCADE, related_name="notifications")
    # "created", "reminder", … once per task; repeatable events carry the id of what caused
    # them ("assigned:<task event id>") so each occurrence is sent once.
    event = models.CharField(max_length=40)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # "user:<id>" or "webhook:<id>", for the unique constraint.
    recipient_key = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task", "event", "channel", "recipient_key"], name="notification_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="notification_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_key}"


class WebhookDelivery(models.Model):
    """The delivery log: one row per attempt to post a notification to a webhook."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    attempt = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "attempt"], name="webhook_delivery_attempt_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} #{self.attempt}"


class Holdout(models.Model):
    """A triggered subject deliberately given no task: the control group that shows what
    following up changes. Judged like tasks, from the trigger time."""

    rule = models.ForeignKey(TriggerRule, on_delete=models.PROTECT, related_name="holdouts")
    subject_key = models.CharField(max_length=120)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="holdouts"
    )
    response = models.ForeignKey(Response, on_delete=models.SET_NULL, null=True, blank=True)
    triggered_at = models.DateTimeField()
    trigger_day = models.DateField()
    trigger = models.JSONField(default=dict)
    baseline_score = models.SmallIntegerField(null=True, blank=True)
    later_score = models.SmallIntegerField(null=True, blank=True)
    repurchased_30d = models.BooleanField(null=True, blank=True)
    repurchased_90d = models.BooleanField(null=True, blank=True)
    verdict = models.CharField(max_length=16, choices=FollowUpTask.Verdict.choices, blank=True)
    judged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key", "trigger_day"], name="holdout_once_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"holdout {self.rule_id} {self.subject_key}"


class RoundRobinCursor(models.Model):
    """Whose turn it is in a team (row-locked while choosing the next owner)."""

    team = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="+")
    last_user_id = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.team_id}: {self.last_user_id}"


class OperationalFiring(models.Model):
    """An operational fact an operational rule has acted on ("delivery:<id>", "complaint:<id>"),
    so each late delivery or repeat complaint opens (or adds to) a task once, also after the
    task closed."""

    rule = models.ForeignKey(TriggerRule, on_delete=models.CASCADE, related_name="firings")
    fact_key = models.CharField(max_length=64)
    fired_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "fact_key"], name="operational_firing_once")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.fact_key}"
