"""The address a request came from, for rate limits and login throttling.

Behind `CXM_PROXY_COUNT` trusted proxies, each appends the address it received the request
from to `X-Forwarded-For`, so the client is the entry that many places from the right; entries
further left were written by the client and prove nothing. Without proxies (the default), or
when the header is shorter than that, the connection's own address is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address, or "unknown" for a request that has none (counted together)."""
    return client_ip(request) or "unknown"


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, or None; django-axes stores it (AXES_CLIENT_IP_CALLABLE)."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.CXM_PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:  # a proxy that writes something else is misconfigured; do not trust it
        return remote
