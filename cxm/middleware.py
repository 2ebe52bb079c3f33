from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers


class UserLanguageMiddleware:
    """A signed-in user's chosen language wins over the browser's, on every device."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if language and user is not None and user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class NotAllowedPageMiddleware:
    """Give an empty 405 (`require_POST` and friends, `cxm.methods.allow_methods`) a short page
    in the reader's language; the status, `Allow` and every other header stay.

    Only for browsers: htmx requests keep the empty body (htmx swaps no error responses), the
    API (`/api/`) answers JSON itself, and a client that does not accept HTML gets no page.
    Placed inside CsrfViewMiddleware, so the page's language switch gets its CSRF cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code != 405
            or response.streaming
            or response.content
            or request.path_info.startswith("/api/")
        ):
            return response
        # A 405 is cacheable by default, and its body now depends on these request headers.
        patch_vary_headers(response, ("Accept", "HX-Request"))
        if "HX-Request" in request.headers or not request.accepts("text/html"):
            return response
        response.content = render_to_string("405.html", request=request).encode()
        response["Content-Type"] = "text/html; charset=utf-8"
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response


class RejectNulMiddleware:
    """Refuse (400) a request with a NUL character in its path, query string or form fields.

    PostgreSQL text cannot hold NUL, so such a value would fail at the database as a server
    error wherever a view passes it on; no legitimate browser or client sends one. Multipart
    bodies (uploads) are left to their forms and to the import, which reads files itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or _has_nul(request.GET):
            raise BadRequest("NUL character in the request's address")
        if request.content_type == "application/x-www-form-urlencoded" and _has_nul(request.POST):
            raise BadRequest("NUL character in a form field")
        return self.get_response(request)


def _has_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())
