"""/api/v1/openapi.json describes the feedback endpoint too, its example is accepted, and its
schema says that a text or a rating is required exactly as the API enforces it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from jsonschema import Draft202012Validator

from cxm.models import User
from odata.models import Customer, Store
from odata.services.tokens import create_integration_token

pytestmark = pytest.mark.django_db


def test_document_lists_events_and_feedback() -> None:
    document = Client().get("/api/v1/openapi.json").json()
    assert set(document["paths"]) == {"/events/", "/feedback/", "/tasks/"}
    assert "Feedback" in document["components"]["schemas"]
    assert "Event" in document["components"]["schemas"]


def test_feedback_example_is_accepted(admin) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    Customer.objects.create(external_id="C000123", created_at=timezone.now())
    Store.objects.create(external_id="S001", name="강남점")
    _token, raw = create_integration_token(name="reviews", created_by=admin)
    document = Client().get("/api/v1/openapi.json").json()
    operation = document["paths"]["/feedback/"]["post"]
    example = operation["requestBody"]["content"]["application/json"]["examples"]["review"]
    response = Client().post(
        "/api/v1/feedback/",
        example["value"],
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "created"


def _feedback_schema() -> dict[str, Any]:
    document = Client().get("/api/v1/openapi.json").json()
    schema: dict[str, Any] = document["components"]["schemas"]["Feedback"]
    return schema


def test_document_says_a_text_or_a_rating_is_required() -> None:
    schema = _feedback_schema()
    assert {"channel", "external_id", "occurred_at"} == set(schema["required"])
    alternatives = schema["anyOf"]
    assert [alternative["required"] for alternative in alternatives] == [["text"], ["rating"]]
    assert alternatives[0]["properties"]["text"]["pattern"] == "\\S"  # not only blank
    assert alternatives[1]["properties"]["rating"]["type"] == "integer"  # not null
    assert "a rating, or both are required" in schema["description"]


SAYS = {"channel": "call", "occurred_at": "2025-03-01T00:00:00Z"}
BODIES: list[dict[str, Any]] = [
    {"rating": 4},
    {"text": "친절했어요"},
    {"text": "늦었어요", "rating": 2},
    {"text": "  ", "rating": 1},
    {"text": "", "rating": None},  # neither
    {},
    {"text": " \n\t\u3000"},  # only blank (an ideographic space too)
    {"rating": None},
    {"text": "   ", "rating": None},
]


def test_the_api_accepts_exactly_what_the_document_allows(admin: User) -> None:
    validator = Draft202012Validator(_feedback_schema())
    _token, raw = create_integration_token(name="reviews", created_by=admin)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    outcomes = []
    for number, extra in enumerate(BODIES):
        body = {**SAYS, "external_id": f"F-{number}", **extra}
        response = api.post("/api/v1/feedback/", body, content_type="application/json")
        allowed = validator.is_valid(body)
        assert response.status_code == (201 if allowed else 422), (body, response.content)
        if not allowed:
            assert response.json()["errors"] == [
                {"path": "text", "message": "give a text, a rating or both"}
            ]
        outcomes.append(allowed)
    assert outcomes == [True] * 4 + [False] * 5


def test_the_feedback_time_states_the_range_the_api_accepts() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    occurred = schema["components"]["schemas"]["Feedback"]["properties"]["occurred_at"]
    assert occurred["format"] == "date-time"
    assert "from 1900-01-01 to 2100-12-31 (UTC)" in occurred["description"]
