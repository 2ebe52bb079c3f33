"""The JSON API for machines, at /api/v1/: operational events and the OpenAPI document.

Integrations authenticate with a bearer token, not a session, so CSRF does not apply: every
endpoint is declared with `cxm.methods.api_view`, which answers another method with a JSON 405.
Error bodies are `{"errors": [{"path": …, "message": …}]}` in English (machines read them).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path
from django.views.decorators.cache import cache_control

from cxm import ratelimit
from cxm.methods import api_view
from odata.api_schema import MAX_BODY_BYTES, openapi_document
from odata.models import IntegrationToken
from odata.services.events import EventRejected, receive_event
from odata.services.tokens import authenticate_integration

UTF8 = {"utf-8", "utf8"}


def _errors(status: int, message: str, path: str = "") -> JsonResponse:
    return JsonResponse({"errors": [{"path": path, "message": message}]}, status=status)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def api_token(request: HttpRequest) -> IntegrationToken | HttpResponse:
    """The integration token a request authenticates with, or the error response: 401 for a
    missing or unknown token, 429 past `CXM_BAD_TOKENS_PER_MINUTE` unknown tokens from one
    address or `CXM_API_REQUESTS_PER_MINUTE` requests with one token. Every endpoint of the
    API authenticates through here."""
    token = authenticate_integration(authorization=request.headers.get("Authorization", ""))
    if token is None:
        wait = ratelimit.unknown_token_retry_after(request)
        if wait:
            return ratelimit.too_many_requests(request, retry_after=wait)
        response = _errors(401, "missing, unknown or revoked bearer token")
        response["WWW-Authenticate"] = 'Bearer realm="cxm"'
        return response
    per_minute = (f"api:{token.pk}", settings.CXM_API_REQUESTS_PER_MINUTE, ratelimit.MINUTE)
    wait = ratelimit.retry_after(per_minute)
    if wait:
        return ratelimit.too_many_requests(request, retry_after=wait)
    return token


def read_json_request(request: HttpRequest) -> tuple[IntegrationToken, Any] | HttpResponse:
    """The integration token and parsed JSON body of an API POST, or the error response
    (401, 429, 415, 413, 400). Shared by every JSON endpoint (events, xdata's feedback), whose
    `api_view("POST")` has refused other methods."""
    token = api_token(request)
    if isinstance(token, HttpResponse):
        return token
    charset = (request.content_params or {}).get("charset", "utf-8").lower()
    if (request.content_type or "").lower() != "application/json" or charset not in UTF8:
        return _errors(415, "Content-Type must be application/json (UTF-8)")
    # Read one byte past the limit instead of trusting Content-Length (chunked bodies).
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _errors(413, f"body larger than {MAX_BODY_BYTES} bytes")
    try:
        payload = json.loads(body, parse_constant=_reject_constant)  # no NaN or Infinity
        problem = _unstorable_text(payload, "")
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return _errors(400, f"malformed JSON: {error}")
    except RecursionError:
        return _errors(400, "malformed JSON: nested too deeply")
    if problem is not None:
        return _errors(422, "a string PostgreSQL cannot store: NUL or a lone surrogate", problem)
    return token, payload


def _unstorable_text(value: Any, path: str) -> str | None:
    """The path of the first string (or key) holding NUL or a lone UTF-16 surrogate, which
    JSON allows as escapes and PostgreSQL text refuses; None when every string can be stored."""
    if isinstance(value, str):
        bad = "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value)
        return path or "$" if bad else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            found = _unstorable_text(key, here) or _unstorable_text(item, here)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _unstorable_text(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def rejected_response(rejected: EventRejected) -> JsonResponse:
    """The error body of a request a service refused (422, 409, …)."""
    return JsonResponse({"errors": [e.as_json() for e in rejected.errors]}, status=rejected.status)


@api_view("POST")
def events(request: HttpRequest) -> HttpResponse:
    parsed = read_json_request(request)
    if isinstance(parsed, HttpResponse):
        return parsed
    token, payload = parsed
    try:
        outcome = receive_event(token=token, payload=payload)
    except EventRejected as rejected:
        return rejected_response(rejected)
    return JsonResponse(outcome.as_json(), status=201 if outcome.status == "accepted" else 200)


@api_view("GET")
@cache_control(max_age=300, public=True)
def openapi(request: HttpRequest) -> HttpResponse:
    return JsonResponse(openapi_document(), json_dumps_params={"ensure_ascii": False})


urlpatterns: list[URLPattern] = [
    path("events/", events, name="api-events"),
    path("openapi.json", openapi, name="api-openapi"),
]
