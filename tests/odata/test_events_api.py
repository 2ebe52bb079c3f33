"""POST /api/v1/events/: authentication, validation, idempotency, atomicity, and the effect of
each event type; GET /api/v1/openapi.json describes it, and its examples are accepted."""

from __future__ import annotations

import copy
import json
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from odata.api_schema import EXAMPLES, MAX_BODY_BYTES
from odata.models import (
    Customer,
    Delivery,
    IntegrationToken,
    Milestone,
    OperationalEvent,
    Order,
    ReceivedEvent,
    ServiceRecord,
    Store,
)
from odata.services import events as events_service
from odata.services.tokens import create_integration_token, revoke_integration_token

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"
KST = "+09:00"


@pytest.fixture
def token() -> tuple[IntegrationToken, str]:
    return create_integration_token(name="ERP", created_by=None)


@pytest.fixture
def api(token: tuple[IntegrationToken, str]) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token[1]}", enforce_csrf_checks=True)


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """The records the examples in the OpenAPI document refer to."""
    when = datetime(2025, 1, 1, tzinfo=UTC)
    customer = Customer.objects.create(external_id="C-1001", name="김하나", created_at=when)
    store = Store.objects.create(external_id="S-001", name="강남점")
    return {"customer": customer, "store": store}


def post(api: Client, body: Any, **extra: Any) -> Any:
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return api.post(URL, raw, content_type=extra.pop("content_type", "application/json"), **extra)


def event(kind: str, event_id: str | None = None, /, **data: Any) -> dict[str, Any]:
    body = copy.deepcopy(EXAMPLES[kind])
    if event_id is not None:
        body["id"] = event_id
    body["data"].update(data)
    body["data"] = {k: v for k, v in body["data"].items() if v is not None}
    return body


def errors_of(response: Any) -> dict[str, str]:
    return {e["path"]: e["message"] for e in response.json()["errors"]}


def place_order(api: Client, order_id: str = "O-5001", **data: Any) -> Order:
    response = post(api, event("order.placed", f"placed-{order_id}", order_id=order_id, **data))
    assert response.status_code == 201, response.content
    return Order.objects.get(external_id=order_id)


# --- authentication ------------------------------------------------------------------------


def test_missing_token_is_401(world: dict[str, Any]) -> None:
    response = post(Client(), event("order.placed"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["message"]
    assert not Order.objects.exists()


def test_unknown_token_and_other_schemes_are_401(world: dict[str, Any], token: Any) -> None:
    raw = token[1]
    for header in (f"Bearer {raw}x", "Bearer cxm_nope", f"Basic {raw}", raw, "Bearer "):
        response = post(Client(HTTP_AUTHORIZATION=header), event("order.placed"))
        assert response.status_code == 401, header
    assert not Order.objects.exists()
    assert not ReceivedEvent.objects.exists()


def test_revoked_token_is_401(world: dict[str, Any], token: Any, api: Client) -> None:
    revoke_integration_token(token=token[0])
    assert post(api, event("order.placed")).status_code == 401
    assert not Order.objects.exists()


def test_a_post_notes_when_the_token_was_last_used(world: dict[str, Any], token: Any) -> None:
    assert token[0].last_used_at is None
    client = Client(HTTP_AUTHORIZATION=f"bearer  {token[1]}")  # scheme is case-insensitive
    assert post(client, event("order.placed")).status_code == 201
    token[0].refresh_from_db()
    assert token[0].last_used_at is not None
    assert ReceivedEvent.objects.get().token == token[0]


def test_api_is_csrf_exempt_and_post_only(world: dict[str, Any], api: Client) -> None:
    # `api` enforces CSRF checks like a browser would; a bearer token is the credential.
    assert post(api, event("order.placed")).status_code == 201
    response = api.get(URL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


# --- the request as a whole ------------------------------------------------------------------


def test_non_json_content_type_is_415(world: dict[str, Any], api: Client) -> None:
    body = json.dumps(event("order.placed"))
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
        assert post(api, body, content_type=content_type).status_code == 415
    assert post(api, body, content_type="application/json; charset=latin-1").status_code == 415
    assert post(api, body, content_type="application/json; charset=utf-8").status_code == 201


def test_malformed_json_is_400(world: dict[str, Any], api: Client) -> None:
    for body in ('{"id": "x",', "  ", "{'id': 'x'}", '{"amount": NaN}', b"\xff\xfe{"):
        response = post(api, body)
        assert response.status_code == 400, body
        assert response.json()["errors"][0]["message"].startswith("malformed JSON")
    assert not ReceivedEvent.objects.exists()


def test_json_nested_too_deeply_is_400(world: dict[str, Any], api: Client) -> None:
    response = post(api, "[" * 100_000)
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("malformed JSON")


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"id": "ev\\u0000il"}, "id"),  # NUL, which JSON allows and PostgreSQL text refuses
        ({"id": "ev\\ud800"}, "id"),  # a lone surrogate
    ],
)
def test_strings_the_database_cannot_store_are_422(
    world: dict[str, Any], api: Client, change: dict[str, str], path: str
) -> None:
    body = json.dumps(event("order.placed")).replace('"id": "', '"id": "' + change["id"], 1)
    response = post(api, body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == path
    assert not ReceivedEvent.objects.exists()


@pytest.mark.parametrize("kind", [{}, ["order.placed"], 5, None])
def test_an_event_type_that_is_not_a_string_is_422(
    world: dict[str, Any], api: Client, kind: Any
) -> None:
    body = event("order.placed")
    body["type"] = kind
    response = post(api, body)
    assert response.status_code == 422
    assert not ReceivedEvent.objects.exists()


def test_body_over_one_megabyte_is_413(world: dict[str, Any], api: Client) -> None:
    body = event("order.placed")
    body["data"]["padding"] = "x" * MAX_BODY_BYTES
    response = post(api, body)
    assert response.status_code == 413
    assert not Order.objects.exists()


def test_a_body_that_is_not_an_object_is_422(world: dict[str, Any], api: Client) -> None:
    response = post(api, "[1, 2]")
    assert response.status_code == 422
    assert errors_of(response) == {"": "[1, 2] is not of type 'object'"}


# --- validation --------------------------------------------------------------------------------


def test_envelope_errors_name_each_field(world: dict[str, Any], api: Client) -> None:
    response = post(api, {"id": "", "type": "order.shipped", "extra": 1})
    assert response.status_code == 422
    errors = errors_of(response)
    assert set(errors) == {"id", "type", "occurred_at", "data", "extra"}
    assert errors["occurred_at"] == "is required"
    assert errors["data"] == "is required"
    assert errors["extra"] == "is not a known field"
    assert "order.shipped" in errors["type"]


def test_missing_and_unknown_data_fields(world: dict[str, Any], api: Client) -> None:
    body = event("order.placed", customer_id=None, placed_at=None, amout="1")
    response = post(api, body)
    assert response.status_code == 422
    assert errors_of(response) == {
        "data.customer_id": "is required",
        "data.placed_at": "is required",
        "data.amout": "is not a known field",
    }


def test_wrong_types_and_values(world: dict[str, Any], api: Client) -> None:
    body = event(
        "order.placed", channel="fax", item_count="3", currency="won", store_id=7, order_id=""
    )
    errors = errors_of(post(api, body))
    assert set(errors) == {
        "data.channel",
        "data.item_count",
        "data.currency",
        "data.store_id",
        "data.order_id",
    }
    assert "ISO 4217" in errors["data.currency"]
    assert "'fax' is not one of" in errors["data.channel"]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1", "must be a decimal"),
        ("12.345", "must be a decimal"),
        ("1,000", "must be a decimal"),
        ("1e3", "must be a decimal"),
        ("1234567890123", "must be a decimal"),
        (-0.5, "less than the minimum"),
        (12.345, "must have at most 2 decimal places"),
        (1e15, "must have at most 12 digits before the decimal point"),
        (True, "is not of type"),
        (None, "is required"),
    ],
)
def test_bad_amounts_are_422(world: dict[str, Any], api: Client, amount: Any, message: str) -> None:
    body = event("order.placed")
    if amount is None:
        del body["data"]["amount"]
    else:
        body["data"]["amount"] = amount
    response = post(api, body)
    assert response.status_code == 422
    assert message in errors_of(response)["data.amount"]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("amount", "stored"),
    [("125000.00", "125000.00"), ("0", "0.00"), (19.99, "19.99"), (125000, "125000.00")],
)
def test_amount_as_string_or_number(
    world: dict[str, Any], api: Client, amount: Any, stored: str
) -> None:
    order = place_order(api, amount=amount)
    assert order.amount == Decimal(stored)


@pytest.mark.parametrize(
    "value",
    [
        "2025-03-01T14:04:31",
        "2025-03-01",
        "yesterday",
        "2025-13-01T10:00:00+09:00",
        "0001-01-01T00:00:00+09:00",
        1740805471,
    ],
)
def test_naive_or_malformed_datetimes_are_422(
    world: dict[str, Any], api: Client, value: Any
) -> None:
    response = post(api, event("order.placed", placed_at=value))
    assert response.status_code == 422
    assert set(errors_of(response)) == {"data.placed_at"}
    response = post(api, {**event("order.placed"), "occurred_at": value})
    assert set(errors_of(response)) == {"occurred_at"}
    assert not Order.objects.exists()


def test_offsets_and_z_are_accepted(world: dict[str, Any], api: Client) -> None:
    order = place_order(api, placed_at="2025-03-01T05:04:31Z")
    assert order.placed_at == datetime(2025, 3, 1, 5, 4, 31, tzinfo=UTC)
    order = place_order(api, "O-2", placed_at="2025-03-01T14:04:31.250+09:00")
    assert order.placed_at == datetime(2025, 3, 1, 5, 4, 31, 250000, tzinfo=UTC)


def test_unknown_references_are_422_on_their_path(world: dict[str, Any], api: Client) -> None:
    response = post(api, event("order.placed", customer_id="C-404", store_id="S-404"))
    assert response.status_code == 422
    assert errors_of(response) == {
        "data.customer_id": "no customer with this id",
        "data.store_id": "no store with this id",
    }
    for kind, path in [
        ("order.completed", "data.order_id"),
        ("delivery.delivered", "data.order_id"),
        ("service.closed", "data.service_id"),
    ]:
        response = post(api, event(kind))
        assert response.status_code == 422, kind
        assert list(errors_of(response)) == [path]
    response = post(api, event("service.opened", order_id="O-404"))
    assert errors_of(response) == {"data.order_id": "no order with this id"}
    assert not Order.objects.exists()
    assert not Delivery.objects.exists()
    assert not ServiceRecord.objects.exists()
    assert not ReceivedEvent.objects.exists()


def test_a_rejected_event_id_can_be_posted_again_once_fixed(
    world: dict[str, Any], api: Client
) -> None:
    assert post(api, event("order.placed", customer_id="C-404")).status_code == 422
    assert post(api, event("order.placed")).status_code == 201


# --- each event type ---------------------------------------------------------------------------


def test_order_placed_creates_then_updates_the_order(world: dict[str, Any], api: Client) -> None:
    response = post(api, event("order.placed"))
    assert response.status_code == 201
    assert response.json() == {
        "status": "accepted",
        "id": "erp-evt-000101",
        "type": "order.placed",
        "created": True,
        "milestone": None,
    }
    order = Order.objects.get(external_id="O-5001")
    assert order.customer == world["customer"]
    assert order.store == world["store"]
    assert order.channel == "store"
    assert order.status == Order.Status.PLACED
    assert order.amount == Decimal("125000.00")
    assert order.currency == "KRW"
    assert order.item_count == 3
    assert order.placed_at == datetime(2025, 3, 1, 5, 4, 31, tzinfo=UTC)

    response = post(api, event("order.placed", "erp-2", store_id=None, amount=99, currency="USD"))
    assert response.status_code == 201
    assert response.json()["created"] is False
    order.refresh_from_db()
    assert (order.store, order.amount, order.currency) == (None, Decimal("99.00"), "USD")
    assert Order.objects.count() == 1


def test_currency_defaults_to_krw(world: dict[str, Any], api: Client) -> None:
    assert place_order(api, currency=None).currency == "KRW"


def test_a_late_order_placed_does_not_reopen_a_completed_order(
    world: dict[str, Any], api: Client
) -> None:
    order = place_order(api)
    assert post(api, event("order.completed")).status_code == 201
    assert post(api, event("order.placed", "late-replay", item_count=4)).status_code == 201
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert order.item_count == 4


def test_order_completed_completes_the_order(world: dict[str, Any], api: Client) -> None:
    order = place_order(api, channel="online")
    response = post(api, event("order.completed"))
    assert response.status_code == 201
    assert response.json()["milestone"] is None  # only store orders are a milestone
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert not OperationalEvent.objects.exists()


def test_completion_before_placement_is_422(world: dict[str, Any], api: Client) -> None:
    order = place_order(api)
    response = post(api, event("order.completed", completed_at="2025-02-28T00:00:00+09:00"))
    assert response.status_code == 422
    assert list(errors_of(response)) == ["data.completed_at"]
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED


def test_delivery_before_placement_is_422(world: dict[str, Any], api: Client) -> None:
    place_order(api)  # placed 2025-03-01 14:04:31 +09:00
    response = post(api, event("delivery.delivered", delivered_at="2025-03-01T14:04:30+09:00"))
    assert response.status_code == 422
    assert errors_of(response) == {
        "data.delivered_at": "is before the order was placed (placed_at 2025-03-01T05:04:31+00:00)"
    }
    assert not Delivery.objects.exists()
    assert not OperationalEvent.objects.exists()
    assert not ReceivedEvent.objects.filter(type="delivery.delivered").exists()
    # At the very second of placement is fine.
    response = post(api, event("delivery.delivered", delivered_at="2025-03-01T05:04:31Z"))
    assert response.status_code == 201


def test_store_order_completed_is_a_milestone_at_completion_time(
    world: dict[str, Any], api: Client
) -> None:
    order = place_order(api)
    response = post(api, event("order.completed"))
    assert response.json()["milestone"] == "order.completed"
    milestone = OperationalEvent.objects.get()
    assert milestone.kind == Milestone.STORE_ORDER_COMPLETED
    assert milestone.subject_key == f"order:{order.pk}"
    assert milestone.order == order
    assert milestone.customer == world["customer"]
    assert milestone.store == world["store"]
    assert milestone.occurred_at == datetime(2025, 3, 1, 5, 19, 40, tzinfo=UTC)


def test_delivery_delivered_creates_or_updates_the_delivery(
    world: dict[str, Any], api: Client
) -> None:
    order = place_order(api)
    response = post(api, event("delivery.delivered"))
    assert response.status_code == 201
    assert response.json()["created"] is True
    assert response.json()["milestone"] == "delivery.delivered"
    delivery = Delivery.objects.get(external_id="D-7001")
    assert delivery.order == order
    assert delivery.status == Delivery.Status.DELIVERED
    assert delivery.carrier == "CJ Logistics"
    assert delivery.promised_at == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    assert delivery.delivered_at == datetime(2025, 3, 3, 1, 11, 2, tzinfo=UTC)
    milestone = OperationalEvent.objects.get()
    assert (milestone.kind, milestone.delivery, milestone.order) == (
        Milestone.DELIVERY_DELIVERED,
        delivery,
        order,
    )
    assert milestone.occurred_at == delivery.delivered_at

    # A delivery the ERP created as pending (e.g. imported) becomes delivered, carrier kept.
    pending = Delivery.objects.create(
        external_id="D-2",
        order=order,
        promised_at=delivery.promised_at,
        carrier="Hanjin",
    )
    response = post(api, event("delivery.delivered", "dlv-2", delivery_id="D-2", carrier=None))
    assert response.json()["created"] is False
    pending.refresh_from_db()
    assert (pending.status, pending.carrier) == (Delivery.Status.DELIVERED, "Hanjin")
    assert OperationalEvent.objects.count() == 2


def test_service_opened_creates_or_updates_the_record(world: dict[str, Any], api: Client) -> None:
    order = place_order(api)
    response = post(api, event("service.opened", contacts=None, channel=None))
    assert response.status_code == 201
    record = ServiceRecord.objects.get(external_id="SR-9001")
    assert record.customer == world["customer"]
    assert record.order == order
    assert record.kind == ServiceRecord.Kind.RETURN
    assert record.contacts == 1
    assert record.channel == ""
    assert record.closed_at is None
    assert record.opened_at == datetime(2025, 3, 3, 23, 58, tzinfo=UTC)

    response = post(api, event("service.opened", "again", kind="complaint", order_id=None))
    assert response.json()["created"] is False
    record.refresh_from_db()
    assert (record.kind, record.order, record.contacts) == ("complaint", None, 1)
    assert not OperationalEvent.objects.exists()


def test_service_closed_closes_the_record(world: dict[str, Any], api: Client) -> None:
    place_order(api)
    assert post(api, event("service.opened")).status_code == 201
    response = post(api, event("service.closed"))
    assert response.status_code == 201
    assert response.json()["milestone"] == "service.closed"
    record = ServiceRecord.objects.get()
    assert record.closed_at == datetime(2025, 3, 5, 16, 29, tzinfo=UTC)
    assert (record.resolution, record.contacts) == ("Refunded", 2)
    milestone = OperationalEvent.objects.get()
    assert (milestone.kind, milestone.service_record) == (Milestone.SERVICE_CLOSED, record)
    assert milestone.store == world["store"]


def test_closing_before_opening_is_422(world: dict[str, Any], api: Client) -> None:
    place_order(api)
    post(api, event("service.opened"))
    response = post(api, event("service.closed", closed_at="2025-03-01T00:00:00Z"))
    assert list(errors_of(response)) == ["data.closed_at"]
    assert ServiceRecord.objects.get().closed_at is None
    assert not OperationalEvent.objects.exists()


# --- idempotency and atomicity ----------------------------------------------------------------


def test_same_id_same_payload_is_a_duplicate_that_changes_nothing(
    world: dict[str, Any], api: Client
) -> None:
    body = event("order.placed")
    assert post(api, body).status_code == 201
    Order.objects.update(item_count=7)  # a later change the replay must not undo
    reordered = {"data": dict(reversed(body["data"].items())), **{k: body[k] for k in body}}
    response = post(api, reordered)
    assert response.status_code == 200
    assert response.json() == {"status": "duplicate", "id": body["id"]}
    assert Order.objects.get().item_count == 7
    assert ReceivedEvent.objects.count() == 1


def test_same_id_different_payload_is_409(world: dict[str, Any], api: Client) -> None:
    body = event("order.placed")
    assert post(api, body).status_code == 201
    changed = event("order.placed", amount="1.00")
    response = post(api, changed)
    assert response.status_code == 409
    assert list(errors_of(response)) == ["id"]
    assert Order.objects.get().amount == Decimal("125000.00")
    assert ReceivedEvent.objects.get().payload == body


def test_a_failure_after_the_write_leaves_nothing(
    world: dict[str, Any], api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    place_order(api)

    def broken(**kwargs: Any) -> bool:
        raise RuntimeError("milestone store down")

    monkeypatch.setattr(events_service, "record_milestone_for", broken)
    client = Client(
        HTTP_AUTHORIZATION=api.defaults["HTTP_AUTHORIZATION"], raise_request_exception=False
    )
    response = post(client, event("delivery.delivered"))
    assert response.status_code == 500
    assert not Delivery.objects.exists()
    assert not ReceivedEvent.objects.filter(type="delivery.delivered").exists()
    # The same event is accepted once the fault is gone.
    monkeypatch.undo()
    assert post(api, event("delivery.delivered")).status_code == 201
    assert Delivery.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_event_apply_it_once(token: Any) -> None:
    when = datetime(2025, 1, 1, tzinfo=UTC)
    Customer.objects.create(external_id="C-1001", created_at=when)
    Store.objects.create(external_id="S-001", name="강남점")
    body = json.dumps(event("order.placed"))
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def worker() -> None:
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {token[1]}")
            barrier.wait()
            statuses.append(client.post(URL, body, content_type="application/json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 200, 200, 201]
    assert Order.objects.count() == 1
    assert ReceivedEvent.objects.count() == 1


# --- milestones exactly once ------------------------------------------------------------------


def test_a_milestone_is_recorded_once_across_posts(world: dict[str, Any], api: Client) -> None:
    place_order(api)
    first = post(api, event("delivery.delivered"))
    assert first.json()["milestone"] == "delivery.delivered"
    assert post(api, event("delivery.delivered")).status_code == 200  # the same event again
    # A new event about the same delivery (a corrected time) updates it: still one milestone.
    later = event("delivery.delivered", "dlv-corrected", delivered_at="2025-03-03T11:00:00+09:00")
    response = post(api, later)
    assert response.status_code == 201
    assert response.json()["milestone"] is None
    assert OperationalEvent.objects.filter(kind=Milestone.DELIVERY_DELIVERED).count() == 1
    # Closing twice and completing twice also record once.
    post(api, event("service.opened"))
    post(api, event("service.closed"))
    post(api, event("service.closed", "close-again", resolution="Refunded twice"))
    post(api, event("order.completed"))
    post(api, event("order.completed", "complete-again"))
    kinds = sorted(OperationalEvent.objects.values_list("kind", flat=True))
    assert kinds == ["delivery.delivered", "order.completed", "service.closed"]


# --- the OpenAPI document ---------------------------------------------------------------------


def _openapi(client: Client | None = None) -> dict[str, Any]:
    response = (client or Client()).get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_openapi_document_describes_the_endpoint() -> None:
    doc = _openapi()
    assert doc["openapi"].startswith("3.1")
    operation = doc["paths"]["/events/"]["post"]
    assert set(operation["responses"]) == {
        "200",
        "201",
        "400",
        "401",
        "409",
        "413",
        "415",
        "422",
        "429",
    }
    assert doc["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    schemas = doc["components"]["schemas"]
    for kind in EXAMPLES:
        name = "".join(p.capitalize() for p in kind.replace(".", "_").split("_"))
        assert schemas[f"{name}Event"]["properties"]["type"] == {"const": kind}
        assert schemas[f"{name}Data"]["additionalProperties"] is False
    for name, schema in schemas.items():
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:  # pragma: no cover - the message is the point
            pytest.fail(f"{name}: {error.message}")


def test_every_example_validates_and_is_accepted(world: dict[str, Any], api: Client) -> None:
    doc = _openapi()
    operation = doc["paths"]["/events/"]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert set(examples) == set(EXAMPLES)
    # Validate against the published schema, resolving $refs inside the document itself.
    validator = Draft202012Validator(
        {"$ref": "#/components/schemas/Event", "components": doc["components"]}
    )
    accepted = Draft202012Validator(
        {"$ref": "#/components/schemas/Accepted", "components": doc["components"]}
    )
    for kind, example in examples.items():  # in the document's order: placed before completed
        assert list(validator.iter_errors(example["value"])) == [], kind
        response = post(api, example["value"])
        assert response.status_code == 201, (kind, response.content)
        assert list(accepted.iter_errors(response.json())) == [], kind
    assert ReceivedEvent.objects.count() == len(EXAMPLES)
    assert OperationalEvent.objects.count() == 3


def test_the_published_schema_rejects_what_the_endpoint_rejects(world: dict[str, Any]) -> None:
    doc = _openapi()
    validator = Draft202012Validator(
        {"$ref": "#/components/schemas/Event", "components": doc["components"]}
    )
    bad = event("order.placed", channel="fax")
    assert list(validator.iter_errors(bad))
    wrong_type = {**event("order.completed"), "type": "order.placed"}
    assert list(validator.iter_errors(wrong_type))


def test_time_of_seoul_is_kept_as_the_same_instant(world: dict[str, Any], api: Client) -> None:
    order = place_order(api, placed_at=f"2025-03-01T09:00:00{KST}")
    assert order.placed_at == datetime(2025, 3, 1, tzinfo=UTC) + timedelta(hours=0)
