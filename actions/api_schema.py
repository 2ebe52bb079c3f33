"""The tasks endpoint's part of the OpenAPI document (merged in by `cxm.api`)."""

from __future__ import annotations

from typing import Any

from actions.models import Priority, TaskStatus
from odata.api_schema import TOO_MANY

# The query parameters `GET /tasks/` accepts; anything else is refused (400).
PARAMETERS: dict[str, dict[str, Any]] = {
    "status": {
        "description": "One or more task states, comma-separated (e.g. `new,in_progress`).",
        "schema": {"type": "string", "example": "new,in_progress"},
    },
    "owner": {
        "description": "The owner's user code (UUID) or username.",
        "schema": {"type": "string"},
    },
    "updated_since": {
        "description": "Only tasks changed at or after this instant (ISO 8601 with a UTC "
        "offset, e.g. 2025-03-01T09:00:00+09:00).",
        "schema": {"type": "string", "format": "date-time"},
    },
    "cursor": {
        "description": "`next_cursor` from the previous page.",
        "schema": {"type": "string"},
    },
    "limit": {
        "description": "Tasks per page.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100},
    },
}

_INSTANT = {"type": ["string", "null"], "format": "date-time"}

TASK_SCHEMA: dict[str, Any] = {
    "title": "Task",
    "type": "object",
    "required": [
        "code",
        "status",
        "priority",
        "owner",
        "due_at",
        "rule",
        "created_at",
        "updated_at",
    ],
    "properties": {
        "code": {"type": "string", "format": "uuid"},
        "title": {"type": "string"},
        "status": {"type": "string", "enum": list(TaskStatus.values)},
        "priority": {
            "type": "integer",
            "enum": list(Priority.values),
            "description": "1 urgent, 2 high, 3 normal, 4 low.",
        },
        "severity": {"type": "string", "enum": ["low", "medium", "high", "critical"]},
        "owner": {
            "type": "object",
            "required": ["code", "username", "name"],
            "properties": {
                "code": {"type": "string", "format": "uuid"},
                "username": {"type": "string"},
                "name": {"type": "string"},
            },
        },
        "due_at": {"type": "string", "format": "date-time"},
        "customer_id": {
            "type": ["string", "null"],
            "description": "The customer's external id (null for segment tasks).",
        },
        "store_id": {"type": ["string", "null"], "description": "The store's external id."},
        "rule": {"type": "string", "description": "The trigger rule's name."},
        "trigger_count": {"type": "integer", "minimum": 1},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "first_action_at": _INSTANT,
        "resolved_at": _INSTANT,
        "closed_at": _INSTANT,
        "root_cause": {"type": ["string", "null"], "description": "The root cause's key."},
        "verdict": {
            "type": ["string", "null"],
            "enum": ["recovered", "not_recovered", "unknown", None],
        },
    },
}

EXAMPLE = {
    "tasks": [
        {
            "code": "3f0b7c52-8c1e-4b8a-9a55-5f1d2a7d0c11",
            "title": "NPS 3 from 김민지",
            "status": "in_progress",
            "priority": 2,
            "severity": "high",
            "owner": {
                "code": "9b2f0e7a-31c4-4f5e-8a8b-0c6f4f1f2a3b",
                "username": "store-gangnam",
                "name": "박지훈",
            },
            "due_at": "2025-03-04T11:00:00+09:00",
            "customer_id": "C-1001",
            "store_id": "S-001",
            "rule": "Detractor follow-up",
            "trigger_count": 1,
            "created_at": "2025-03-03T15:00:00+09:00",
            "updated_at": "2025-03-03T16:10:00+09:00",
            "first_action_at": "2025-03-03T16:10:00+09:00",
            "resolved_at": None,
            "closed_at": None,
            "root_cause": None,
            "verdict": None,
        }
    ],
    "next_cursor": None,
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
    }


def openapi_part() -> dict[str, Any]:
    """{"paths": …, "schemas": …} for GET /tasks/."""
    page = {
        "type": "object",
        "required": ["tasks", "next_cursor"],
        "properties": {
            "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Pass as `cursor` for the next page; null on the last page.",
            },
        },
    }
    return {
        "schemas": {"Task": TASK_SCHEMA, "TaskPage": page},
        "paths": {
            "/tasks/": {
                "get": {
                    "operationId": "listTasks",
                    "summary": "List follow-up tasks",
                    "description": "Tasks in the order they last changed (updated_at, then "
                    "creation), one page at a time by cursor. To follow changes, keep the "
                    "last page's cursor, or ask again with `updated_since` set to the largest "
                    "`updated_at` seen: a task that changes again comes back.",
                    "parameters": [
                        {"name": name, "in": "query", "required": False, **spec}
                        for name, spec in PARAMETERS.items()
                    ],
                    "responses": {
                        "200": {
                            "description": "One page of tasks.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/TaskPage"},
                                    "example": EXAMPLE,
                                }
                            },
                        },
                        "400": _error(
                            "An unknown parameter or a bad value; every problem is listed "
                            "with the parameter's name as its path."
                        ),
                        "401": _error("Missing, unknown or revoked bearer token."),
                        "429": _error(TOO_MANY),
                    },
                }
            }
        },
    }
