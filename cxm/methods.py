"""Which HTTP methods a view accepts, answered before the CSRF check.

Django's `require_http_methods` runs inside the view, after `CsrfViewMiddleware`: a PUT to a
form page, a POST-only task action or the token API was refused as a CSRF failure (403)
instead of 405 with an `Allow` header. Every view declares its methods with one of these
decorators instead, and a method it does not declare is answered first; that answer changes
nothing and reveals nothing but the `Allow` list, so it needs no CSRF token.

- `allow_methods("GET", "POST")` for pages, staff and public: it records the methods on the
  view (`allowed_methods`), and `cxm.middleware.MethodNotAllowedMiddleware`, placed before
  `CsrfViewMiddleware`, answers any other method with an empty 405 before the CSRF check (and
  before the sign-in and permission checks), which `cxm.middleware.NotAllowedPageMiddleware`
  turns into the short 405 page. The methods the view takes meet the CSRF middleware exactly
  as before; the view refuses other methods itself too, should it be reached another way.
  Class-based views are wrapped where they are routed: `allow_methods("GET")(View.as_view())`.
- `api_view("POST")` for the token API (`/api/v1/`): a JSON 405. Integrations authenticate
  with a bearer token, never a cookie, so CSRF does not apply; to keep it that way an API view
  never sees a session's user (`request.user` is always anonymous).

A test walks every route and checks that each view declares its methods this way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.log import log_response
from django.views.decorators.csrf import csrf_exempt

View = Callable[..., HttpResponse]
# Pages may stream (CSV exports) or be class-based views' `as_view()`.
AnyView = TypeVar("AnyView", bound=Callable[..., HttpResponseBase])


def _refused(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    log_response(
        "Method Not Allowed (%s): %s",
        request.method,
        request.path,
        response=response,
        request=request,
    )
    return response


def not_allowed(request: HttpRequest, allowed: tuple[str, ...]) -> HttpResponse:
    """The empty 405 for a page that takes only `allowed`, logged like Django's."""
    return _refused(request, HttpResponseNotAllowed(allowed))


def allow_methods(*methods: str) -> Callable[[AnyView], AnyView]:
    """A page that takes only `methods` (upper case): any other is 405 with `Allow`, before the
    CSRF check (`MethodNotAllowedMiddleware`); the methods it takes are CSRF-checked as usual.
    A page that takes GET also answers HEAD, as GET (the server sends no body), as HTTP asks
    and uptime monitors expect."""
    head_as_get = "GET" in methods and "HEAD" not in methods
    allowed: tuple[str, ...] = ()
    for method in methods:
        allowed += (method, "HEAD") if method == "GET" and head_as_get else (method,)

    def decorator(view: AnyView) -> AnyView:
        @wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in allowed:
                return not_allowed(request, allowed)
            if head_as_get and request.method == "HEAD":
                request.method = "GET"  # for the view only: the server still drops the body
                try:
                    return view(request, *args, **kwargs)
                finally:
                    request.method = "HEAD"
            return view(request, *args, **kwargs)

        # Copied by the decorators outside this one (functools.wraps copies __dict__), so the
        # routed view carries it for the middleware.
        inner.allowed_methods = allowed  # type: ignore[attr-defined]
        return cast(AnyView, inner)

    return decorator


def api_view(*methods: str) -> Callable[[View], View]:
    """An endpoint of the token API that takes only `methods`: any other is a JSON 405 with
    `Allow`, in the API's error format. Not CSRF-checked (no cookie authenticates it), and the
    view never sees a signed-in session's user."""
    allowed = tuple(methods)

    def decorator(view: View) -> View:
        @wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                message = f"method {request.method} not allowed; use {' or '.join(allowed)}"
                response = JsonResponse({"errors": [{"path": "", "message": message}]}, status=405)
                response["Allow"] = ", ".join(allowed)
                return _refused(request, response)
            # A session cookie must never authenticate an API call: CSRF is not checked here.
            request.user = AnonymousUser()
            return view(request, *args, **kwargs)

        inner.allowed_methods = allowed  # type: ignore[attr-defined]
        inner.api_view = True  # type: ignore[attr-defined]
        return csrf_exempt(inner)

    return decorator
