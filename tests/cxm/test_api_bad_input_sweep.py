"""Bad input at the API: every endpoint answers malformed JSON, wrong content types, huge
bodies, wrong types for every field, unknown fields, out-of-range numbers and dates, reused
event ids and odd query values with a JSON error and the right status (400, 413, 415, 422,
409), never a server error or a page; nothing is written for a refused request."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from odata.api_schema import DATA_SCHEMAS, EXAMPLES, MAX_BODY_BYTES
from odata.models import Customer, Order, ReceivedEvent, Store
from odata.services.tokens import create_integration_token
from tests.conftest import client_for
from xdata.models import Feedback

pytestmark = pytest.mark.django_db

FEEDBACK = {
    "channel": "naver_review",
    "external_id": "NR-1",
    "customer_id": "C-1001",
    "rating": 2,
    "text": "배송이 늦었어요",
    "occurred_at": "2025-03-01T14:05:00+09:00",
}
# No field of any body takes these (but feedback's rating, which may be null): every schema
# names one type.
WRONG_TYPES: list[Any] = [None, True, [], {}, [1], {"a": 1}]
NOT_JSON = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/xml",
    "application/json; charset=latin-1",
    "application/json; charset=utf-16",
]
BAD_INSTANTS = [
    "2024-13-45T00:00:00+09:00",
    "2025-03-01T14:05:00",
    "2025-03-01",
    "0001-01-01T00:00:00+09:00",
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59+00:00",
    "1899-12-31T23:59:59+00:00",
    "2101-01-01T00:00:00+00:00",
]


@pytest.fixture
def api(db: None, settings: Any) -> Client:
    settings.CXM_API_REQUESTS_PER_MINUTE = 100_000  # the walk's many requests; limits tested apart
    when = datetime(2025, 1, 1, tzinfo=UTC)
    customer = Customer.objects.create(external_id="C-1001", name="김하나", created_at=when)
    Store.objects.create(external_id="S-001", name="강남점")
    Order.objects.create(
        external_id="O-5001", customer=customer, channel="store", placed_at=when, amount=1000
    )
    _token, raw = create_integration_token(name="ERP", created_by=None)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _post(api: Client, url: str, body: Any, content_type: str = "application/json") -> Any:
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return api.post(url, raw, content_type=content_type)


def _status(response: Any) -> int:
    assert response["Content-Type"] == "application/json", response.content[:200]
    errors = response.json()["errors"]
    assert errors and all(set(e) == {"path", "message"} for e in errors), errors
    return int(response.status_code)


@pytest.mark.parametrize("url", ["/api/v1/events/", "/api/v1/feedback/"])
def test_bodies_that_are_not_json_objects(api: Client, url: str) -> None:
    for body in [" ", "{", "nul", "{'a': 1}", "\xff\xfe", "[" * 100_000, '{"a": NaN}']:
        assert _status(_post(api, url, body)) == 400, body[:20]
    for body in ["null", "[]", "1", '"x"', "{}", "1e400"]:
        assert _status(_post(api, url, body)) == 422, body
    for kind in NOT_JSON:
        assert _status(_post(api, url, FEEDBACK, content_type=kind)) == 415, kind
    assert _status(_post(api, url, "x" * (MAX_BODY_BYTES + 1))) == 413
    assert ReceivedEvent.objects.count() == Feedback.objects.count() == 0


def test_every_event_field_with_a_wrong_type_or_an_unknown_field_is_422(api: Client) -> None:
    for kind, example in EXAMPLES.items():
        fields = [*DATA_SCHEMAS[kind]["properties"]]
        for field in ["id", "type", "occurred_at", "data", "unknown"]:
            for wrong in WRONG_TYPES:
                body = copy.deepcopy(example) | {field: wrong}
                assert _status(_post(api, "/api/v1/events/", body)) == 422, (kind, field, wrong)
        for field in [*fields, "unknown"]:
            for wrong in WRONG_TYPES:
                body = copy.deepcopy(example)
                body["data"][field] = wrong
                assert _status(_post(api, "/api/v1/events/", body)) == 422, (kind, field, wrong)
    assert ReceivedEvent.objects.count() == 0


def test_every_feedback_field_with_a_wrong_type_or_an_unknown_field_is_422(api: Client) -> None:
    for field in [*FEEDBACK, "order_id", "store_id", "language", "unknown"]:
        for wrong in WRONG_TYPES:
            if field == "rating" and wrong is None:
                continue
            body = FEEDBACK | {field: wrong}
            assert _status(_post(api, "/api/v1/feedback/", body)) == 422, (field, wrong)
    assert Feedback.objects.count() == 0


def test_numbers_out_of_range_are_422(api: Client) -> None:
    placed = EXAMPLES["order.placed"]
    for count in [-1, 2**31, 10**30, 1.5, 1e308]:
        body = copy.deepcopy(placed)
        body["data"]["item_count"] = count
        assert _status(_post(api, "/api/v1/events/", body)) == 422, count
    for amount in [-1, 10**12, "1e5", "0.001", 1e308]:
        body = copy.deepcopy(placed)
        body["data"]["amount"] = amount
        assert _status(_post(api, "/api/v1/events/", body)) == 422, amount
    for rating in [0, 6, -1, 10**30, 2.5]:
        body = FEEDBACK | {"rating": rating}
        assert _status(_post(api, "/api/v1/feedback/", body)) == 422, rating
    assert ReceivedEvent.objects.count() == Feedback.objects.count() == 0


@pytest.mark.parametrize("instant", BAD_INSTANTS)
def test_instants_that_are_malformed_naive_or_outside_cxms_years_are_422(
    api: Client, instant: str
) -> None:
    body = copy.deepcopy(EXAMPLES["order.placed"])
    body["data"]["placed_at"] = instant
    response = _post(api, "/api/v1/events/", body)
    assert _status(response) == 422
    assert [e["path"] for e in response.json()["errors"]] == ["data.placed_at"]
    response = _post(api, "/api/v1/feedback/", FEEDBACK | {"occurred_at": instant})
    assert _status(response) == 422
    assert [e["path"] for e in response.json()["errors"]] == ["occurred_at"]


def test_the_edges_of_cxms_years_are_accepted_and_shown(api: Client, admin: Any) -> None:
    body = copy.deepcopy(EXAMPLES["order.placed"])
    body["data"]["placed_at"] = "2100-12-31T23:59:59+00:00"
    assert _post(api, "/api/v1/events/", body).status_code == 201
    body = FEEDBACK | {"occurred_at": "1900-01-01T00:00:00+00:00"}
    assert _post(api, "/api/v1/feedback/", body).status_code == 201
    customer = Customer.objects.get(external_id="C-1001")
    staff = client_for(admin)
    for url in [f"/odata/customers/{customer.code}/", "/xdata/responses/"]:
        assert staff.get(url).status_code == 200, url
    assert staff.get(f"/xdata/feedback/{Feedback.objects.get().code}/").status_code == 200


def test_a_reused_event_id_with_another_body_is_409_and_changes_nothing(api: Client) -> None:
    first = copy.deepcopy(EXAMPLES["order.placed"])
    assert _post(api, "/api/v1/events/", first).status_code == 201
    again = copy.deepcopy(first)
    again["data"]["amount"] = "1.00"
    assert _status(_post(api, "/api/v1/events/", again)) == 409
    as_number = copy.deepcopy(first)
    as_number["data"]["amount"] = 125000
    assert _status(_post(api, "/api/v1/events/", as_number)) == 409
    assert str(Order.objects.get(external_id="O-5001").amount) == "125000.00"


@pytest.mark.parametrize("name", ["status", "owner", "updated_since", "cursor", "limit", "x"])
def test_odd_task_query_values_are_400(api: Client, name: str) -> None:
    odd = ["", "-1", "abc", "99999999999999999999", "2024-13-45", "x" * 5000, "한국어 😀",
           "0001-01-01T00:00:00+09:00", "///", ["1", "2"]]  # fmt: skip
    for value in odd:
        response = api.get("/api/v1/tasks/", {name: value})
        assert response.status_code in (200, 400), (name, value)
        if response.status_code == 400:
            _status(response)
    assert _status(api.get("/api/v1/tasks/", {name: "\x00"})) == 400
