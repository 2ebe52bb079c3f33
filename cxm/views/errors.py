"""The error handlers: Django's pages, except under /api/, where machines get the API's JSON
error format (`{"errors": [{"path": "", "message": …}]}`) whatever went wrong before a view
answered: an unknown address, a NUL in the query, a body Django refuses.

`bad_request_page` is the 400 page a view answers a request no form of ours sends with."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults

from cxm.middleware import NulCharacter

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _api_error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"errors": [{"path": "", "message": message}]}, status=status)


def _language_switch_next(request: HttpRequest) -> str:
    """Where the 400 page's language switch returns to: the page itself for a GET, else (the
    refused address may answer POST only, and a GET of it would be a 405) the page the request
    came from when it is on this site, else the home page."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return "/"


def bad_request_page(request: HttpRequest, message: str | Promise) -> HttpResponse:
    """The 400 page in the reader's language, saying what was wrong with the request."""
    context = {"message": message, "switch_next": _language_switch_next(request)}
    return render(request, "400.html", context, status=400)


def bad_request(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if _is_api(request):
        # Only our own reasons are repeated: Django's (a disallowed host…) speak of settings.
        known = isinstance(exception, NulCharacter)
        return _api_error(400, f"bad request: {exception}" if known else "bad request")
    return defaults.bad_request(request, exception, **kwargs)


def permission_denied(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if _is_api(request):
        return _api_error(403, "forbidden")
    return defaults.permission_denied(request, exception, **kwargs)


def page_not_found(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if _is_api(request):
        return _api_error(404, f"no endpoint at {request.path}; see /api/v1/openapi.json")
    return defaults.page_not_found(request, exception, **kwargs)


def server_error(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    if _is_api(request):
        return _api_error(500, "internal error; the server logged it")
    return defaults.server_error(request, **kwargs)
