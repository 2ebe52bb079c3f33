"""The feedback endpoint's part of the OpenAPI document (merged in by cxm.api)."""

from __future__ import annotations

import copy
from typing import Any

from odata.api_schema import TOO_MANY
from xdata.services.feedback import FEEDBACK_SCHEMA

EXAMPLE = {
    "channel": "naver_review",
    "external_id": "R-20240105-0001",
    "customer_id": "C000123",
    "store_id": "S001",
    "rating": 2,
    "text": "배송이 너무 늦었어요.",
    "occurred_at": "2024-01-05T13:00:00+09:00",
    "language": "ko",
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
    }


def openapi_part() -> dict[str, Any]:
    """{"paths": …, "schemas": …} for POST /feedback/."""
    outcome = {
        "type": "object",
        "required": ["status", "code", "channel", "external_id"],
        "properties": {
            "status": {"enum": ["created", "updated", "duplicate"]},
            "code": {"type": "string", "format": "uuid"},
            "channel": {"type": "string"},
            "external_id": {"type": "string"},
        },
    }
    ok = {"application/json": {"schema": {"$ref": "#/components/schemas/FeedbackOutcome"}}}
    return {
        "schemas": {"Feedback": copy.deepcopy(FEEDBACK_SCHEMA), "FeedbackOutcome": outcome},
        "paths": {
            "/feedback/": {
                "post": {
                    "operationId": "postFeedback",
                    "summary": "Post one review, social post or call-centre note",
                    "description": "Idempotent by (channel, external_id): the same body again "
                    "is a duplicate; a changed body updates the stored feedback.",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Feedback"},
                                "examples": {"review": {"value": dict(EXAMPLE)}},
                            }
                        },
                    },
                    "responses": {
                        "201": {"description": "Stored.", "content": ok},
                        "200": {"description": "Updated, or a duplicate.", "content": ok},
                        "400": _error("The body is not valid JSON."),
                        "401": _error("Missing, unknown or revoked bearer token."),
                        "429": _error(TOO_MANY),
                        "413": _error("The body is too large."),
                        "415": _error("The body is not application/json."),
                        "422": _error(
                            "The body does not match the schema, or refers to a customer, "
                            "order or store that does not exist."
                        ),
                    },
                }
            }
        },
    }
