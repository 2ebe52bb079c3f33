"""Which HTTP methods a view accepts, answered before the CSRF check.

Django's `require_http_methods` runs inside the view, after `CsrfViewMiddleware`: a PUT to a
form page or to the token API was refused as a CSRF failure (403) instead of 405 with an
`Allow` header. These decorators answer a method the view does not take first; that answer
changes nothing and reveals nothing but the `Allow` list, so it needs no CSRF token.

- `allow_methods("GET", "POST")` for pages: a method the page takes still passes the CSRF
  check (`csrf_protect`), exactly as under the middleware. The 405 has an empty body, which
  `cxm.middleware.NotAllowedPageMiddleware` turns into the short 405 page.
- `api_view("POST")` for the token API (`/api/v1/`): a JSON 405. Integrations authenticate
  with a bearer token, never a cookie, so CSRF does not apply; to keep it that way an API view
  never sees a session's user (`request.user` is always anonymous).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.log import log_response
from django.views.decorators.csrf import csrf_exempt, csrf_protect

View = Callable[..., HttpResponse]


def _refused(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    log_response(
        "Method Not Allowed (%s): %s",
        request.method,
        request.path,
        response=response,
        request=request,
    )
    return response


def allow_methods(*methods: str) -> Callable[[View], View]:
    """A page that takes only `methods` (upper case): any other is 405 with `Allow`, before the
    CSRF check; the methods it takes are CSRF-checked as usual."""
    allowed = tuple(methods)

    def decorator(view: View) -> View:
        protected = csrf_protect(view)

        @wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                return _refused(request, HttpResponseNotAllowed(allowed))
            return protected(request, *args, **kwargs)

        return csrf_exempt(inner)  # checked by csrf_protect above, once the method is known

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
