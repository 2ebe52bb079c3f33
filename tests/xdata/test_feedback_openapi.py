"""/api/v1/openapi.json describes the feedback endpoint too, and its example is accepted."""

from __future__ import annotations

import pytest
from django.test import Client

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
