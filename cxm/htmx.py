"""Pages that answer htmx with a fragment of themselves: one URL, two bodies."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers


def is_fragment(request: HttpRequest) -> bool:
    """Whether to answer with the fragment htmx swaps in. A history restore (the back button
    after hx-push-url) needs the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def varies_on_htmx(response: HttpResponse, *, by_target: bool = False) -> HttpResponse:
    """Mark `response` as depending on htmx's headers, so caches (the browser's too) keep the
    page and its fragments apart; `by_target` when one URL answers several fragments."""
    headers = ("HX-Request", "HX-Target") if by_target else ("HX-Request",)
    patch_vary_headers(response, headers)
    return response
