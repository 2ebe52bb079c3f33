"""POST /api/v1/feedback/: integration-token auth, precise 422s, idempotency by (channel,
external id) with updates, references to existing customers, orders and stores."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from odata.models import Customer, IntegrationToken, Order, Store
from odata.services.tokens import create_integration_token, revoke_integration_token
from xdata.models import Feedback

pytestmark = pytest.mark.django_db

URL = "/api/v1/feedback/"
BODY = {
    "channel": "naver_review",
    "external_id": "NR-1",
    "customer_id": "C-1001",
    "order_id": "O-5001",
    "store_id": "S-001",
    "rating": 2,
    "text": "배송이 늦었어요",
    "occurred_at": "2025-03-01T14:05:00+09:00",
    "language": "ko",
}


@pytest.fixture
def token(db: None) -> tuple[IntegrationToken, str]:
    return create_integration_token(name="Reviews", created_by=None)


@pytest.fixture
def api(token: tuple[IntegrationToken, str]) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token[1]}", enforce_csrf_checks=True)


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    when = datetime(2025, 1, 1, tzinfo=UTC)
    customer = Customer.objects.create(external_id="C-1001", name="김하나", created_at=when)
    store = Store.objects.create(external_id="S-001", name="강남점")
    order = Order.objects.create(
        external_id="O-5001", customer=customer, channel="store", placed_at=when, amount=1000
    )
    return {"customer": customer, "store": store, "order": order}


def post(api: Client, body: Any, **extra: Any) -> Any:
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return api.post(URL, raw, content_type=extra.pop("content_type", "application/json"))


def errors_of(response: Any) -> dict[str, str]:
    return {e["path"]: e["message"] for e in response.json()["errors"]}


def test_missing_unknown_or_revoked_token_is_401(world: Any, token: Any) -> None:
    assert post(Client(), BODY).status_code == 401
    assert post(Client(HTTP_AUTHORIZATION="Bearer cxm_nope"), BODY).status_code == 401
    revoke_integration_token(token=token[0])
    assert post(Client(HTTP_AUTHORIZATION=f"Bearer {token[1]}"), BODY).status_code == 401
    assert not Feedback.objects.exists()


def test_post_only_json_only(world: Any, api: Client) -> None:
    assert api.get(URL).status_code == 405
    assert post(api, "channel=x", content_type="text/plain").status_code == 415
    assert post(api, "{not json").status_code == 400


def test_creates_feedback_with_its_references(world: Any, api: Client) -> None:
    response = post(api, BODY)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "created"
    feedback = Feedback.objects.get()
    assert str(feedback.code) == response.json()["code"]
    assert feedback.customer == world["customer"] and feedback.store == world["store"]
    assert feedback.order == world["order"]
    assert feedback.rating == 2 and feedback.text == "배송이 늦었어요"
    assert feedback.occurred_at == datetime(2025, 3, 1, 5, 5, tzinfo=UTC)


def test_only_channel_id_time_and_a_text_or_rating_are_needed(world: Any, api: Client) -> None:
    body = {"channel": "call", "external_id": "1", "occurred_at": "2025-03-01T00:00:00Z"}
    assert post(api, {**body, "rating": 5}).status_code == 201
    assert post(api, {**body, "external_id": "2", "text": "ok"}).status_code == 201
    response = post(api, {**body, "external_id": "3"})
    assert response.status_code == 422
    assert errors_of(response) == {"text": "give a text, a rating or both"}


def test_validation_errors_name_each_field(world: Any, api: Client) -> None:
    body = {
        **BODY,
        "rating": 6,
        "occurred_at": "2025-03-01 14:05",
        "language": "fr",
        "extra": 1,
        "channel": "",
    }
    del body["external_id"]
    response = post(api, body)
    assert response.status_code == 422
    errors = errors_of(response)
    assert set(errors) == {
        "rating",
        "occurred_at",
        "language",
        "extra",
        "channel",
        "external_id",
    }
    assert errors["external_id"] == "is required"
    assert errors["extra"] == "is not a known field"
    assert "UTC offset" in errors["occurred_at"]
    assert post(api, [BODY]).status_code == 422
    assert not Feedback.objects.exists()


def test_unknown_references_are_422_on_their_path(world: Any, api: Client) -> None:
    body = {**BODY, "customer_id": "C-404", "order_id": "O-404", "store_id": "S-404"}
    response = post(api, body)
    assert response.status_code == 422
    assert errors_of(response) == {
        "customer_id": "no customer with this id",
        "order_id": "no order with this id",
        "store_id": "no store with this id",
    }
    assert not Feedback.objects.exists()


def test_same_feedback_again_is_a_duplicate(world: Any, api: Client) -> None:
    first = post(api, BODY)
    again = post(api, BODY)
    assert again.status_code == 200
    assert again.json() == {**first.json(), "status": "duplicate"}
    # The same instant written in another offset is the same feedback.
    assert post(api, {**BODY, "occurred_at": "2025-03-01T05:05:00Z"}).json()["status"] == (
        "duplicate"
    )
    assert Feedback.objects.count() == 1


def test_same_id_with_other_values_updates(world: Any, api: Client) -> None:
    post(api, BODY)
    changed = post(api, {**BODY, "text": "수정: 괜찮았어요", "rating": 4})
    assert changed.status_code == 200
    assert changed.json()["status"] == "updated"
    feedback = Feedback.objects.get()
    assert (feedback.text, feedback.rating) == ("수정: 괜찮았어요", 4)
    # Another channel with the same external id is other feedback.
    assert post(api, {**BODY, "channel": "kakao"}).status_code == 201
    assert Feedback.objects.count() == 2


@pytest.mark.parametrize("text", [None, 5, {}, ["a"]])
def test_a_text_that_is_not_a_string_is_422(world: Any, api: Client, text: Any) -> None:
    response = post(api, {**BODY, "text": text})
    assert response.status_code == 422
    assert "text" in errors_of(response)
    assert not Feedback.objects.exists()


def test_a_nul_in_a_text_is_422(world: Any, api: Client) -> None:
    raw = json.dumps(BODY, ensure_ascii=False).replace("배송이", "배송\\u0000이")
    response = post(api, raw)
    assert response.status_code == 422
    assert errors_of(response) == {
        "text": "a string PostgreSQL cannot store: NUL or a lone surrogate"
    }
    assert not Feedback.objects.exists()
