from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import translation


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
