"""`GET /api/v1/tasks/`: follow-up tasks for other systems (CRM, BI), read with the same
integration bearer tokens as the events API (tokens carry no scopes: every active integration
token may read tasks).

Filters are checked strictly: an unknown parameter or a bad value answers 400 with every
problem listed by parameter name, so a typo (`update_since`) never silently returns everything.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from actions.api_schema import PARAMETERS
from actions.models import TaskStatus
from actions.selectors import (
    API_MAX_PAGE_SIZE,
    API_PAGE_SIZE,
    ApiCursor,
    ApiQuery,
    api_tasks,
    task_as_json,
)
from cxm.methods import api_view
from cxm.models import User
from odata.views.api import api_token


def _error(path: str, message: str) -> dict[str, str]:
    return {"path": path, "message": message}


def _parse_owner(value: str) -> User | None:
    """The owner by user code (UUID) or, failing that, by username."""
    try:
        code = UUID(value)
    except ValueError:
        return User.objects.filter(username=value).first()
    return User.objects.filter(code=code).first()


def parse_query(params: dict[str, str]) -> ApiQuery | list[dict[str, str]]:
    """The query's filters, or the list of problems (each with the parameter's name)."""
    errors = [
        _error(name, f"unknown parameter; use one of {', '.join(PARAMETERS)}")
        for name in params
        if name not in PARAMETERS
    ]
    statuses: tuple[str, ...] = ()
    if "status" in params:
        statuses = tuple(s.strip() for s in params["status"].split(",") if s.strip())
        bad = [s for s in statuses if s not in TaskStatus.values]
        if bad or not statuses:
            errors.append(
                _error(
                    "status",
                    f"unknown status {', '.join(bad) or '(empty)'}; "
                    f"use one or more of {', '.join(TaskStatus.values)}, comma-separated",
                )
            )
    owner = None
    if "owner" in params:
        owner = _parse_owner(params["owner"].strip())
        if owner is None:
            errors.append(_error("owner", "no user with this code or username"))
    since: datetime | None = None
    if "updated_since" in params:
        try:
            since = parse_datetime(params["updated_since"].strip())
        except ValueError:
            since = None
        if since is None:
            errors.append(
                _error(
                    "updated_since", "not an ISO 8601 date and time, e.g. 2025-03-01T09:00:00+09:00"
                )
            )
        elif timezone.is_naive(since):
            errors.append(_error("updated_since", "add a UTC offset (+09:00 or Z)"))
            since = None
    after = None
    if "cursor" in params:
        after = ApiCursor.decode(params["cursor"].strip())
        if after is None:
            errors.append(
                _error("cursor", "malformed cursor; pass next_cursor from a previous page")
            )
    limit = API_PAGE_SIZE
    if "limit" in params:
        try:
            limit = int(params["limit"])
        except ValueError:
            limit = 0
        if not 1 <= limit <= API_MAX_PAGE_SIZE:
            errors.append(_error("limit", f"an integer from 1 to {API_MAX_PAGE_SIZE}"))
    if errors:
        return errors
    return ApiQuery(statuses=statuses, owner=owner, updated_since=since, after=after, limit=limit)


@api_view("GET")
def tasks(request: HttpRequest) -> HttpResponse:
    token = api_token(request)
    if isinstance(token, HttpResponse):
        return token
    query = parse_query({name: request.GET[name] for name in request.GET})
    if isinstance(query, list):
        return JsonResponse({"errors": query}, status=400)
    page = api_tasks(query)
    body = {
        "tasks": [task_as_json(task) for task in page.tasks],
        "next_cursor": page.next_cursor.encode() if page.next_cursor else None,
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("tasks/", tasks, name="api-tasks"),
]
