"""Operational events posted to the events API: validate, apply once, record milestones.

Contract (see docs/events-api.md): an event is `{"id", "type", "occurred_at", "data"}`. It is
applied at most once per id: the write, its milestone and the `ReceivedEvent` row commit
together or not at all, and the unique `ReceivedEvent.event_id` decides between concurrent
posts of the same id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from cxm import dates
from odata.api_schema import DATA_SCHEMAS, ENVELOPE_SCHEMA
from odata.models import (
    Channel,
    Customer,
    Delivery,
    IntegrationToken,
    Milestone,
    Order,
    ReceivedEvent,
    ServiceRecord,
    Store,
)
from odata.services.milestones import record_milestone_for

# Order.amount is DecimalField(max_digits=14, decimal_places=2).
_AMOUNT_INTEGER_DIGITS = 12


@dataclass(frozen=True)
class EventError:
    path: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class EventRejected(Exception):
    """The event was not applied; `status` is the HTTP status the API answers with."""

    def __init__(self, status: int, errors: Iterable[EventError]) -> None:
        self.status = status
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.path}: {e.message}" for e in self.errors))


@dataclass(frozen=True)
class EventOutcome:
    """`status` is "accepted" (applied now) or "duplicate" (applied before, nothing changed)."""

    status: str
    event_id: str
    type: str
    created: bool = False
    milestone: str | None = None

    def as_json(self) -> dict[str, Any]:
        if self.status == "duplicate":
            return {"status": self.status, "id": self.event_id}
        return {
            "status": self.status,
            "id": self.event_id,
            "type": self.type,
            "created": self.created,
            "milestone": self.milestone,
        }


# --- validation -------------------------------------------------------------------------

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=(ValueError, OverflowError))
def _is_aware_datetime(value: object) -> bool:
    """ISO 8601 with a UTC offset; a naive time would be read in some unknown zone."""
    if not isinstance(value, str):
        return True  # the "type" keyword reports non-strings
    if "T" not in value and " " not in value:
        raise ValueError("expected a date and a time")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("has no UTC offset")
    # OverflowError at the edges of the calendar (year 1, year 9999). Within it, an instant
    # outside cxm's years would be stored, then fail where a page shows it in local time.
    if not dates.in_range(parsed.astimezone(UTC).date()):
        raise ValueError(f"outside {dates.FIRST_DATE} to {dates.LAST_DATE}")
    return True


_ENVELOPE = Draft202012Validator(ENVELOPE_SCHEMA, format_checker=FORMATS)
_DATA = {
    kind: Draft202012Validator(schema, format_checker=FORMATS)
    for kind, schema in DATA_SCHEMAS.items()
}


_PATTERN_MESSAGES = {
    "data.amount": 'must be a decimal like "12500.00": at most 12 digits, then at most 2 decimals',
    "data.currency": 'must be a 3-letter ISO 4217 code such as "KRW"',
}


def _path(prefix: str, parts: Iterable[object]) -> str:
    return ".".join([prefix, *(str(p) for p in parts)] if prefix else [str(p) for p in parts])


def schema_errors(validator: Draft202012Validator, instance: Any, prefix: str) -> list[EventError]:
    """Each problem once, at the path of the field concerned, in a stable order.

    Shared with the other JSON endpoints (xdata's feedback API): build the validator with
    `format_checker=FORMATS` so "date-time" means an ISO 8601 time with a UTC offset."""
    found: dict[tuple[str, str], None] = {}
    for error in validator.iter_errors(instance):
        for e in _explain(error, prefix):
            found[(e.path, e.message)] = None
    return sorted(
        (EventError(path, message) for path, message in found), key=lambda e: (e.path, e.message)
    )


def _explain(error: ValidationError, prefix: str) -> list[EventError]:
    here = _path(prefix, error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        return [EventError(_path(here, [name]), "is required") for name in missing]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        extra = [name for name in error.instance if name not in known]
        return [EventError(_path(here, [name]), "is not a known field") for name in extra]
    if error.validator == "format":
        cause = f" ({error.cause})" if error.cause else ""
        return [EventError(here, f"must be an ISO 8601 date and time with a UTC offset{cause}")]
    if error.validator == "pattern" and here in _PATTERN_MESSAGES:
        return [EventError(here, _PATTERN_MESSAGES[here])]
    return [EventError(here, error.message)]


def _amount(value: str | int | float) -> Decimal | str:
    """The amount as a Decimal, or the reason it is not acceptable.

    Strings are already held to `^[0-9]{1,12}(\\.[0-9]{1,2})?$` by the schema; numbers (JSON
    has no decimals) are checked here against the column, numeric(14, 2).
    """
    # repr() of a float is its shortest round-trip form: 0.1 -> "0.1", never 0.1000000000055.
    amount = Decimal(value if isinstance(value, str) else repr(value))
    if not amount.is_finite() or amount < 0:
        return "must be 0 or more"
    if amount.adjusted() >= _AMOUNT_INTEGER_DIGITS:
        return f"must have at most {_AMOUNT_INTEGER_DIGITS} digits before the decimal point"
    if amount != amount.quantize(Decimal("0.01")):
        return "must have at most 2 decimal places"
    return amount.quantize(Decimal("0.01"))


def validate_event(payload: Any) -> list[EventError]:
    """Schema errors of a parsed body (the envelope first, then its type's data). Pure."""
    errors = schema_errors(_ENVELOPE, payload, "")
    if not isinstance(payload, dict):
        return errors
    data = payload.get("data")
    kind = payload.get("type")
    if isinstance(data, dict) and isinstance(kind, str) and kind in _DATA:
        errors += schema_errors(_DATA[kind], data, "data")
        amount = data.get("amount")
        already = any(e.path == "data.amount" for e in errors)
        if kind == "order.placed" and not already and isinstance(amount, str | int | float):
            reason = _amount(amount)
            if isinstance(reason, str):
                errors.append(EventError("data.amount", reason))
    return errors


# --- applying ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Applied:
    created: bool
    milestone: str | None = None


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


class _Refs:
    """Looks up referenced records by external id, collecting a 422 error per unknown one."""

    def __init__(self) -> None:
        self.errors: list[EventError] = []

    def one(self, model: type[Any], external_id: str | None, path: str, what: str) -> Any:
        if external_id is None:
            return None
        row = model.objects.filter(external_id=external_id).first()
        if row is None:
            self.errors.append(EventError(path, f"no {what} with this id"))
        return row

    def check(self) -> None:
        if self.errors:
            raise EventRejected(422, self.errors)


def _order_placed(data: dict[str, Any]) -> _Applied:
    refs = _Refs()
    customer = refs.one(Customer, data["customer_id"], "data.customer_id", "customer")
    store = refs.one(Store, data.get("store_id"), "data.store_id", "store")
    refs.check()
    values = {
        "customer": customer,
        "store": store,
        "channel": Channel(data["channel"]),
        "placed_at": _at(data["placed_at"]),
        "amount": _amount(data["amount"]),
        "currency": data.get("currency", "KRW"),
        "item_count": data["item_count"],
    }
    # Lock the row, so a concurrent order.completed cannot interleave with this update.
    order = Order.objects.select_for_update().filter(external_id=data["order_id"]).first()
    if order is None:
        try:
            with transaction.atomic():
                Order.objects.create(
                    external_id=data["order_id"], status=Order.Status.PLACED, **values
                )
            return _Applied(created=True)
        except IntegrityError:
            # Another event created the same order just now: update it like a known one.
            order = Order.objects.select_for_update().get(external_id=data["order_id"])
    # A replayed or late order.placed updates the facts but never moves a completed, cancelled
    # or returned order back to "placed": events may arrive out of order.
    for name, value in values.items():
        setattr(order, name, value)
    order.save(update_fields=list(values))
    return _Applied(created=False)


def _order_completed(data: dict[str, Any]) -> _Applied:
    refs = _Refs()
    order = refs.one(Order, data["order_id"], "data.order_id", "order")
    refs.check()
    completed_at = _at(data["completed_at"])
    if completed_at < order.placed_at:
        raise EventRejected(
            422, [EventError("data.completed_at", "is before the order was placed")]
        )
    Order.objects.filter(pk=order.pk).update(status=Order.Status.COMPLETED)
    milestone = None
    if order.channel == Channel.STORE and record_milestone_for(
        kind=Milestone.STORE_ORDER_COMPLETED, subject_id=order.pk, occurred_at=completed_at
    ):
        milestone = Milestone.STORE_ORDER_COMPLETED.value
    return _Applied(created=False, milestone=milestone)


def _delivery_delivered(data: dict[str, Any]) -> _Applied:
    refs = _Refs()
    order = refs.one(Order, data["order_id"], "data.order_id", "order")
    refs.check()
    delivered_at = _at(data["delivered_at"])
    if delivered_at < order.placed_at:
        raise EventRejected(
            422,
            [
                EventError(
                    "data.delivered_at",
                    "is before the order was placed "
                    f"(placed_at {order.placed_at.astimezone(UTC).isoformat()})",
                )
            ],
        )
    values: dict[str, Any] = {
        "order": order,
        "promised_at": _at(data["promised_at"]),
        "delivered_at": delivered_at,
        "status": Delivery.Status.DELIVERED,
    }
    if "carrier" in data:
        values["carrier"] = data["carrier"]
    delivery, created = Delivery.objects.update_or_create(
        external_id=data["delivery_id"], defaults=values
    )
    milestone = None
    if record_milestone_for(kind=Milestone.DELIVERY_DELIVERED, subject_id=delivery.pk):
        milestone = Milestone.DELIVERY_DELIVERED.value
    return _Applied(created=created, milestone=milestone)


def _service_opened(data: dict[str, Any]) -> _Applied:
    refs = _Refs()
    customer = refs.one(Customer, data["customer_id"], "data.customer_id", "customer")
    order = refs.one(Order, data.get("order_id"), "data.order_id", "order")
    refs.check()
    values: dict[str, Any] = {
        "customer": customer,
        "order": order,
        "kind": ServiceRecord.Kind(data["kind"]),
        "opened_at": _at(data["opened_at"]),
    }
    # Optional fields: set when given; a new record gets the model's defaults otherwise.
    for name in ("channel", "contacts"):
        if name in data:
            values[name] = data[name]
    _record, created = ServiceRecord.objects.update_or_create(
        external_id=data["service_id"], defaults=values
    )
    return _Applied(created=created)


def _service_closed(data: dict[str, Any]) -> _Applied:
    refs = _Refs()
    record = refs.one(ServiceRecord, data["service_id"], "data.service_id", "service record")
    refs.check()
    record = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    closed_at = _at(data["closed_at"])
    if closed_at < record.opened_at:
        raise EventRejected(
            422, [EventError("data.closed_at", "is before the service record was opened")]
        )
    record.closed_at = closed_at
    update_fields = ["closed_at"]
    for name in ("resolution", "contacts"):
        if name in data:
            setattr(record, name, data[name])
            update_fields.append(name)
    record.save(update_fields=update_fields)
    milestone = None
    if record_milestone_for(kind=Milestone.SERVICE_CLOSED, subject_id=record.pk):
        milestone = Milestone.SERVICE_CLOSED.value
    return _Applied(created=False, milestone=milestone)


_APPLY: dict[str, Callable[[dict[str, Any]], _Applied]] = {
    "order.placed": _order_placed,
    "order.completed": _order_completed,
    "delivery.delivered": _delivery_delivered,
    "service.opened": _service_opened,
    "service.closed": _service_closed,
}


def _already_received(*, event_id: str, payload: dict[str, Any]) -> EventOutcome | None:
    """None if `event_id` is new; "duplicate" if received with this payload; 409 otherwise."""
    previous = ReceivedEvent.objects.filter(event_id=event_id).first()
    if previous is None:
        return None
    if previous.payload != payload:
        raise EventRejected(
            409, [EventError("id", "event id already used with a different payload")]
        )
    return EventOutcome(status="duplicate", event_id=event_id, type=previous.type)


def receive_event(*, token: IntegrationToken, payload: Any) -> EventOutcome:
    """Validate and apply one posted event; idempotent by its id.

    Raises `EventRejected` (422 invalid or unknown reference, 409 id reused with another
    payload) with nothing written. The write, the milestone it records and the
    `ReceivedEvent` row commit in one transaction.
    """
    errors = validate_event(payload)
    if errors:
        raise EventRejected(422, errors)
    event_id: str = payload["id"]
    seen = _already_received(event_id=event_id, payload=payload)
    if seen is not None:
        return seen
    try:
        with transaction.atomic():
            # Claim the id first: a concurrent post of the same id waits here on the unique
            # index until this transaction ends, then fails with IntegrityError below.
            ReceivedEvent.objects.create(
                event_id=event_id, type=payload["type"], token=token, payload=payload
            )
            applied = _APPLY[payload["type"]](payload["data"])
    except IntegrityError:
        seen = _already_received(event_id=event_id, payload=payload)
        if seen is None:
            raise
        return seen
    return EventOutcome(
        status="accepted",
        event_id=event_id,
        type=payload["type"],
        created=applied.created,
        milestone=applied.milestone,
    )
