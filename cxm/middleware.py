from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers

from cxm.methods import not_allowed


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


class MethodNotAllowedMiddleware:
    """Answer a method the view does not declare (`cxm.methods.allow_methods`) with 405 and
    `Allow` before `CsrfViewMiddleware` checks the request, so a PUT or DELETE to a page gets
    405 rather than the CSRF failure page. Placed just before CsrfViewMiddleware: middleware
    `process_view` hooks run in order, and the first response returned ends the chain.

    The token API (`cxm.methods.api_view`) is left to its views, which answer a JSON 405 and
    are not CSRF-checked."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        allowed: tuple[str, ...] | None = getattr(view_func, "allowed_methods", None)
        if allowed is None or getattr(view_func, "api_view", False) or request.method in allowed:
            return None
        return not_allowed(request, allowed)


class NotAllowedPageMiddleware:
    """Give an empty 405 (`cxm.methods.allow_methods`, Django's `require_POST`) a short page
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


class NulCharacter(BadRequest):
    """A NUL character in a request; its message is ours, so the API may repeat it."""


class RejectNulMiddleware:
    """Refuse (400) a request with a NUL character in its path, query string or form fields.

    PostgreSQL text cannot hold NUL, so such a value would fail at the database as a server
    error wherever a view passes it on; no legitimate browser or client sends one. Multipart
    bodies (uploads) are left to their forms and to the import, which reads files itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or _has_nul(request.GET):
            raise NulCharacter("NUL character in the request's address")
        if request.content_type == "application/x-www-form-urlencoded" and _has_nul(request.POST):
            raise NulCharacter("NUL character in a form field")
        return self.get_response(request)


def _has_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())
