"""Operational data (O-Data): org units, customers, orders, deliveries, service records, the
import runs that bring them in, and the journey milestones other apps consume."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import uuid4

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from odata.importing.messages import render_message


class Region(models.Model):
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Store(models.Model):
    """An org unit that serves customers: a shop, a branch or an online channel's team."""

    external_id = models.CharField(_("store code"), max_length=64, unique=True)
    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="stores"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_stores",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    external_id = models.CharField(_("customer number"), max_length=64, unique=True)
    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=8, default="ko")
    segment = models.CharField(_("segment"), max_length=64, blank=True)
    home_store = models.ForeignKey(
        Store, on_delete=models.SET_NULL, null=True, blank=True, related_name="customers"
    )
    survey_consent = models.BooleanField(_("survey consent"), default=False)
    created_at = models.DateTimeField(_("customer since"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("view_customer_contact", _("Can see customers' full e-mail address and phone")),
        ]
        indexes = [
            # Trigram indexes make "contains" search on these columns fast at a million rows.
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="customer_name_trgm"),
            GinIndex(OpClass(Upper("email"), name="gin_trgm_ops"), name="customer_email_trgm"),
            GinIndex(fields=["phone"], opclasses=["gin_trgm_ops"], name="customer_phone_trgm"),
            GinIndex(
                fields=["external_id"], opclasses=["gin_trgm_ops"], name="customer_extid_trgm"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.external_id


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    STORE = "store", _("Store")
    APP = "app", _("App")
    PHONE = "phone", _("Phone")


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        RETURNED = "returned", _("Returned")

    # Orders are the largest table an import writes, and each index is written per row: the
    # unique number is a constraint (no second, pattern-matching index), and the foreign keys
    # are served by the (customer, time) and (store, time) indexes below.
    external_id = models.CharField(_("order number"), max_length=64)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    store = models.ForeignKey(
        Store,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        db_index=False,
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    placed_at = models.DateTimeField(_("placed at"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="KRW")
    item_count = models.PositiveIntegerField(_("items"), default=1)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLACED
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["customer", "placed_at"], name="order_customer_time"),
            models.Index(fields=["store", "placed_at"], name="order_store_time"),
            models.Index(fields=["placed_at"], name="order_time"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="order_external_id_unique"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=Decimal("0")), name="order_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


def days_late(promised: datetime, delivered: datetime) -> int:
    """Whole days a delivery came after its promise, a started day counting (0 when on time)."""
    if delivered <= promised:
        return 0
    late = delivered - promised
    return late.days + (1 if late.seconds else 0)


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        RETURNED = "returned", _("Returned")

    external_id = models.CharField(_("delivery number"), max_length=64, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="deliveries")
    promised_at = models.DateTimeField(_("promised by"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["delivered_at"], name="delivery_delivered_time")]

    def __str__(self) -> str:
        return self.external_id

    @property
    def awaited(self) -> bool:
        """Still on its way: not delivered, and neither failed nor returned."""
        return self.delivered_at is None and self.status in (
            self.Status.PENDING,
            self.Status.SHIPPED,
        )

    @property
    def days_late(self) -> int:
        """Whole days after the promise (0 when on time or not yet delivered)."""
        if self.delivered_at is None:
            return 0
        return days_late(self.promised_at, self.delivered_at)


class ServiceRecord(models.Model):
    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        RETURN = "return", _("Return")
        REPAIR = "repair", _("Repair")
        INQUIRY = "inquiry", _("Inquiry")

    external_id = models.CharField(_("service number"), max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="service_records")
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="service_records"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    contacts = models.PositiveIntegerField(_("contacts"), default=1)
    resolution = models.TextField(_("resolution"), blank=True)
    channel = models.CharField(_("channel"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        indexes = [
            models.Index(fields=["customer", "opened_at"], name="service_customer_time"),
        ]

    def __str__(self) -> str:
        return self.external_id


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    STORES = "stores", _("Stores")
    ORDERS = "orders", _("Orders")
    DELIVERIES = "deliveries", _("Deliveries")
    SERVICE_RECORDS = "service_records", _("Service records")


class ImportMode(models.TextChoices):
    STRICT = "strict", _("Strict: any bad row stops the import")
    SKIP_INVALID = "skip-invalid", _("Skip invalid rows")


class ImportRun(models.Model):
    """One file brought in by the upload page, the command or a job; its counts and outcome."""

    class Status(models.TextChoices):
        NEEDS_MAPPING = "needs_mapping", _("Columns to match")
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")
        DUPLICATE = "duplicate", _("Already imported")

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=ImportKind.choices)
    mode = models.CharField(
        _("mode"), max_length=16, choices=ImportMode.choices, default=ImportMode.STRICT
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # What the running job is doing ("reading", "checking", "writing") and how far it is (0-100).
    phase = models.CharField(max_length=16, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    file_name = models.CharField(_("file"), max_length=255)
    file_path = models.CharField(max_length=500, blank=True)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.BigIntegerField(default=0)
    encoding = models.CharField(max_length=16, blank=True)
    declared_encoding = models.CharField(max_length=16, default="auto")
    mapping = models.JSONField(default=dict, blank=True)
    # Fields the file has no column for, set to one value for every row: field -> value.
    constants = models.JSONField(default=dict, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_ok = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    # What the run says about itself, as a code of odata.importing.messages and its
    # parameters, put into words in the reader's language (`message`).
    message_code = models.CharField(max_length=40, blank=True)
    message_params = models.JSONField(default=dict, blank=True)
    # Runs recorded before message codes kept the words, in the language of the process that
    # ran them; shown as they are.
    legacy_message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "file_sha256", "status"], name="import_same_file")]
        permissions = [("import_odata", _("Can import operational data"))]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"

    @property
    def message(self) -> str:
        """The run's message in the active language ("" when it has none)."""
        if self.message_code:
            return render_message(self.message_code, self.message_params, kind=self.kind)
        return self.legacy_message

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class ImportRowError(models.Model):
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="row_errors")
    # The spreadsheet row: the header is row 1, the first data row is row 2.
    line = models.PositiveIntegerField()
    column = models.CharField(max_length=100, blank=True)
    value = models.TextField(blank=True)
    # A reason code (see odata.importing.spec.REASONS), shown in the reader's language.
    reason = models.CharField(max_length=40)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["line", "id"]
        indexes = [models.Index(fields=["run", "line"], name="import_error_run_line")]

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class MappingPreset(models.Model):
    """Saved header → field choices for a recurring export (e.g. the ERP's order file)."""

    kind = models.CharField(max_length=32, choices=ImportKind.choices)
    name = models.CharField(_("name"), max_length=100)
    mapping = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="mapping_preset_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class IntegrationToken(models.Model):
    """A bearer token for one integration (ERP, CRM) posting to the events API; stored hashed."""

    code = models.UUIDField(default=uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    # Both empty while the token is pending: created, but its secret not yet minted and shown
    # (see odata.services.tokens.issue_integration_token). A pending row has no hash, so no
    # bearer token can ever match it.
    prefix = models.CharField(max_length=12, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("manage_integrations", _("Can manage integration tokens"))]

    def __str__(self) -> str:
        return self.name

    @property
    def issued(self) -> bool:
        """Whether its secret was minted (and shown once); a pending token cannot authenticate."""
        return self.token_hash is not None


class ReceivedEvent(models.Model):
    """Each event accepted by the events API, once per event id (idempotency)."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=32)
    token = models.ForeignKey(IntegrationToken, on_delete=models.PROTECT)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.event_id


class Milestone(models.TextChoices):
    DELIVERY_DELIVERED = "delivery.delivered", _("Delivery delivered")
    SERVICE_CLOSED = "service.closed", _("Service closed")
    STORE_ORDER_COMPLETED = "order.completed", _("Store order completed")


class OperationalEvent(models.Model):
    """A journey milestone, recorded once whether it was imported or posted.

    Downstream apps (survey invitations, proactive rules) consume these rows and mark them
    processed in `OperationalEventReceipt`, so nothing is lost and nothing is handled twice.
    """

    kind = models.CharField(max_length=32, choices=Milestone.choices)
    # "delivery:<id>", "service:<id>" or "order:<id>": one milestone per subject and kind.
    subject_key = models.CharField(max_length=64)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="operational_events"
    )
    # Each kind leaves some of these empty (an order's milestone has no delivery or service
    # record, an online order no store); their indexes (below) hold only the filled ones.
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, null=True, blank=True, db_index=False
    )
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, null=True, blank=True, db_index=False
    )
    service_record = models.ForeignKey(
        ServiceRecord, on_delete=models.CASCADE, null=True, blank=True, db_index=False
    )
    store = models.ForeignKey(
        Store, on_delete=models.SET_NULL, null=True, blank=True, db_index=False
    )
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_key"], name="milestone_once")
        ]
        indexes = [
            models.Index(fields=["kind", "occurred_at"], name="milestone_kind_time"),
            models.Index(
                fields=["order"], name="milestone_order", condition=models.Q(order__isnull=False)
            ),
            models.Index(
                fields=["delivery"],
                name="milestone_delivery",
                condition=models.Q(delivery__isnull=False),
            ),
            models.Index(
                fields=["service_record"],
                name="milestone_service_record",
                condition=models.Q(service_record__isnull=False),
            ),
            models.Index(
                fields=["store"], name="milestone_store", condition=models.Q(store__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_key}"


class OperationalEventReceipt(models.Model):
    """A consumer (e.g. "surveys.invitations") has processed an operational event."""

    event = models.ForeignKey(OperationalEvent, on_delete=models.CASCADE, related_name="receipts")
    consumer = models.CharField(max_length=64)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "consumer"], name="milestone_receipt_once")
        ]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.event_id}"
