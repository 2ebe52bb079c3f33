"""The events API's JSON Schemas and its OpenAPI 3.1 document: one source of truth.

`odata.services.events` validates posted events against `ENVELOPE_SCHEMA` and
`DATA_SCHEMAS[type]`; `openapi_document()` publishes the very same dicts (and the examples
below, which a test posts to the endpoint), so the documentation cannot drift from the code.
"""

from __future__ import annotations

import copy
from typing import Any

Schema = dict[str, Any]

# The API's rate limits, described once for every endpoint's 429 response.
TOO_MANY = (
    "Too many requests with this token, or too many unknown tokens from this address, in the "
    "last minute; retry after the Retry-After header's seconds."
)
# Largest request body the endpoint reads (a single event is a few hundred bytes).
MAX_BODY_BYTES = 1024 * 1024

_EXTERNAL_ID: Schema = {
    "type": "string",
    "minLength": 1,
    "maxLength": 64,
    "description": "The ERP's id of the record (its unique external id in cxm).",
}
INSTANT: Schema = {
    "type": "string",
    "format": "date-time",
    "description": (
        "ISO 8601 date and time with a UTC offset, e.g. 2025-03-01T14:05:00+09:00, "
        "from 1900-01-01 to 2100-12-31 (UTC)."
    ),
}
# PositiveIntegerField's range in PostgreSQL.
_COUNT: Schema = {"type": "integer", "minimum": 0, "maximum": 2147483647}


def _ref_to(model: str) -> Schema:
    return {**_EXTERNAL_ID, "description": f"External id of an existing {model}."}


DATA_SCHEMAS: dict[str, Schema] = {
    "order.placed": {
        "title": "order.placed data",
        "description": "Creates the order, or updates it when its order_id is already known.",
        "type": "object",
        "additionalProperties": False,
        "required": ["order_id", "customer_id", "channel", "placed_at", "amount", "item_count"],
        "properties": {
            "order_id": _EXTERNAL_ID,
            "customer_id": _ref_to("customer"),
            "store_id": _ref_to("store"),
            "channel": {"type": "string", "enum": ["online", "store", "app", "phone"]},
            "placed_at": INSTANT,
            "amount": {
                "type": ["string", "number"],
                # JSON Schema applies "pattern" to strings only and "minimum" to numbers only.
                "pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$",
                "minimum": 0,
                "description": (
                    "Order total, at least 0 with at most 2 decimal places and 12 digits before "
                    'the point. A string ("12500.00") keeps decimals exact.'
                ),
            },
            "currency": {
                "type": "string",
                "pattern": "^[A-Z]{3}$",
                "default": "KRW",
                "description": "ISO 4217 code.",
            },
            "item_count": _COUNT,
        },
    },
    "order.completed": {
        "title": "order.completed data",
        "description": (
            "Marks a known order completed. A store-channel order's completion is a journey "
            "milestone."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["order_id", "completed_at"],
        "properties": {"order_id": _ref_to("order"), "completed_at": INSTANT},
    },
    "delivery.delivered": {
        "title": "delivery.delivered data",
        "description": (
            "Creates or updates the delivery with status delivered (a journey milestone)."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["delivery_id", "order_id", "promised_at", "delivered_at"],
        "properties": {
            "delivery_id": _EXTERNAL_ID,
            "order_id": _ref_to("order"),
            "promised_at": INSTANT,
            "delivered_at": INSTANT,
            "carrier": {"type": "string", "maxLength": 100},
        },
    },
    "service.opened": {
        "title": "service.opened data",
        "description": "Creates the service record, or updates it when already known.",
        "type": "object",
        "additionalProperties": False,
        "required": ["service_id", "customer_id", "kind", "opened_at"],
        "properties": {
            "service_id": _EXTERNAL_ID,
            "customer_id": _ref_to("customer"),
            "order_id": _ref_to("order"),
            "kind": {"type": "string", "enum": ["complaint", "return", "repair", "inquiry"]},
            "opened_at": INSTANT,
            "channel": {"type": "string", "maxLength": 32},
            "contacts": {**_COUNT, "default": 1},
        },
    },
    "service.closed": {
        "title": "service.closed data",
        "description": "Closes a known service record (a journey milestone).",
        "type": "object",
        "additionalProperties": False,
        "required": ["service_id", "closed_at"],
        "properties": {
            "service_id": _ref_to("service record"),
            "closed_at": INSTANT,
            "resolution": {"type": "string", "maxLength": 10000},
            "contacts": _COUNT,
        },
    },
}

EVENT_TYPES: tuple[str, ...] = tuple(DATA_SCHEMAS)

ENVELOPE_SCHEMA: Schema = {
    "title": "Event",
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "type", "occurred_at", "data"],
    "properties": {
        "id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 100,
            "description": (
                "The sender's unique id of this event. Re-posting the same id is safe: the "
                "same payload answers 200 duplicate, a different payload 409."
            ),
        },
        "type": {"type": "string", "enum": list(EVENT_TYPES)},
        "occurred_at": {**INSTANT, "description": "When the event happened at the source."},
        "data": {"type": "object", "description": "Depends on `type`, see each event schema."},
    },
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "order.placed": {
        "id": "erp-evt-000101",
        "type": "order.placed",
        "occurred_at": "2025-03-01T14:05:00+09:00",
        "data": {
            "order_id": "O-5001",
            "customer_id": "C-1001",
            "store_id": "S-001",
            "channel": "store",
            "placed_at": "2025-03-01T14:04:31+09:00",
            "amount": "125000.00",
            "currency": "KRW",
            "item_count": 3,
        },
    },
    "order.completed": {
        "id": "erp-evt-000102",
        "type": "order.completed",
        "occurred_at": "2025-03-01T14:20:00+09:00",
        "data": {"order_id": "O-5001", "completed_at": "2025-03-01T14:19:40+09:00"},
    },
    "delivery.delivered": {
        "id": "erp-evt-000103",
        "type": "delivery.delivered",
        "occurred_at": "2025-03-03T10:12:00+09:00",
        "data": {
            "delivery_id": "D-7001",
            "order_id": "O-5001",
            "promised_at": "2025-03-03T18:00:00+09:00",
            "delivered_at": "2025-03-03T10:11:02+09:00",
            "carrier": "CJ Logistics",
        },
    },
    "service.opened": {
        "id": "erp-evt-000104",
        "type": "service.opened",
        "occurred_at": "2025-03-04T09:00:00+09:00",
        "data": {
            "service_id": "SR-9001",
            "customer_id": "C-1001",
            "order_id": "O-5001",
            "kind": "return",
            "opened_at": "2025-03-04T08:58:00+09:00",
            "channel": "call centre",
            "contacts": 1,
        },
    },
    "service.closed": {
        "id": "erp-evt-000105",
        "type": "service.closed",
        "occurred_at": "2025-03-05T16:30:00Z",
        "data": {
            "service_id": "SR-9001",
            "closed_at": "2025-03-05T16:29:00Z",
            "resolution": "Refunded",
            "contacts": 2,
        },
    },
}


def _component_name(event_type: str) -> str:
    """ "order.placed" -> "OrderPlaced"."""
    return "".join(part.capitalize() for part in event_type.replace(".", "_").split("_"))


def _error_response(description: str, example_message: str, path: str = "") -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Errors"},
                "example": {"errors": [{"path": path, "message": example_message}]},
            }
        },
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of the events API (a fresh copy on each call)."""
    schemas: dict[str, Any] = {}
    for event_type, data_schema in DATA_SCHEMAS.items():
        name = _component_name(event_type)
        schemas[f"{name}Data"] = copy.deepcopy(data_schema)
        envelope = copy.deepcopy(ENVELOPE_SCHEMA)
        envelope["title"] = f"{event_type} event"
        envelope["properties"]["type"] = {"const": event_type}
        envelope["properties"]["data"] = {"$ref": f"#/components/schemas/{name}Data"}
        schemas[f"{name}Event"] = envelope
    schemas["Event"] = {
        "oneOf": [{"$ref": f"#/components/schemas/{_component_name(t)}Event"} for t in EVENT_TYPES],
        "discriminator": {
            "propertyName": "type",
            "mapping": {t: f"#/components/schemas/{_component_name(t)}Event" for t in EVENT_TYPES},
        },
    }
    schemas["Accepted"] = {
        "type": "object",
        "required": ["status", "id", "type"],
        "properties": {
            "status": {"const": "accepted"},
            "id": {"type": "string"},
            "type": {"type": "string", "enum": list(EVENT_TYPES)},
            "created": {
                "type": "boolean",
                "description": "Whether the event created its record (false: updated it).",
            },
            "milestone": {
                "type": ["string", "null"],
                "description": "The journey milestone this event recorded, if it was new.",
            },
        },
    }
    schemas["Duplicate"] = {
        "type": "object",
        "required": ["status", "id"],
        "properties": {"status": {"const": "duplicate"}, "id": {"type": "string"}},
    }
    schemas["Errors"] = {
        "type": "object",
        "required": ["errors"],
        "properties": {
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["path", "message"],
                    "properties": {
                        "path": {
                            "type": "string",
                            "description": 'Dotted path into the body ("data.amount"); '
                            '"" for the request as a whole.',
                        },
                        "message": {"type": "string"},
                    },
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "cxm events API",
            "version": "1.0.0",
            "description": (
                "Operational events from an ERP or CRM. Each integration posts with its own "
                "bearer token (created by an admin under /odata/integrations/). Events are "
                "idempotent by their id."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerToken": []}],
        "paths": {
            "/events/": {
                "post": {
                    "operationId": "postEvent",
                    "summary": "Post one operational event",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Event"},
                                "examples": {
                                    t: {"summary": t, "value": copy.deepcopy(EXAMPLES[t])}
                                    for t in EVENT_TYPES
                                },
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Accepted and applied.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Accepted"}
                                }
                            },
                        },
                        "200": {
                            "description": "This event id was already accepted with the same "
                            "payload; nothing changed.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Duplicate"}
                                }
                            },
                        },
                        "400": _error_response("The body is not valid JSON.", "malformed JSON"),
                        "401": _error_response(
                            "Missing, unknown or revoked bearer token.", "invalid token"
                        ),
                        "429": _error_response(TOO_MANY, "too many requests"),
                        "409": _error_response(
                            "This event id was already accepted with a different payload.",
                            "event id already used with a different payload",
                            "id",
                        ),
                        "413": _error_response(
                            f"The body is larger than {MAX_BODY_BYTES} bytes.", "body too large"
                        ),
                        "415": _error_response(
                            "The body is not application/json.",
                            "Content-Type must be application/json",
                        ),
                        "422": _error_response(
                            "The event does not match its schema, or refers to a record that "
                            "does not exist. Every problem is listed with its path.",
                            "no customer with this id",
                            "data.customer_id",
                        ),
                    },
                }
            }
        },
        "components": {
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": 'An integration token: "Authorization: Bearer cxm_…".',
                }
            },
            "schemas": schemas,
        },
    }
