"""Where a webhook may post: public addresses, and the networks `CXM_WEBHOOK_ALLOWED_NETWORKS`
names (a CRM on the company's own network). Anything else (loopback, private, link-local
such as cloud metadata, reserved) is refused, so a webhook URL cannot make the server reach
its own services.

The check happens when the connection is made, on every address the host name resolves to,
and the socket connects to the address that was checked: a name that resolves to a public
address when the URL is saved and to 127.0.0.1 when the event is posted (DNS rebinding) is
refused then.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

# Names every resolver answers with a loopback address, whatever DNS says.
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


class BlockedAddress(OSError):
    """The receiver's address is not one webhooks may reach."""


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) is local
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in settings.CXM_WEBHOOK_ALLOWED_NETWORKS):
        return True
    return ip.is_global and not ip.is_multicast


def url_refusal(url: str) -> str | None:
    """Why a webhook URL can be refused when it is saved, without asking DNS: its host is an
    address, or a loopback name, that webhooks may not reach. None when it may be saved (a
    host name is checked again at every delivery)."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return "127.0.0.1" if not address_allowed("127.0.0.1") else None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    return None if address_allowed(host) else host


def _guarded_connection(
    address: tuple[str, int], timeout: Any = None, source_address: Any = None, *args: Any
) -> socket.socket:
    """`socket.create_connection`, refusing any host that resolves to an address webhooks may
    not reach, and connecting only to addresses that were checked."""
    host, port = address
    candidates = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = {str(info[4][0]) for info in candidates}
    refused = sorted(address for address in addresses if not address_allowed(address))
    if refused:
        raise BlockedAddress(
            f"{host} resolves to {', '.join(refused)}, which webhooks may not reach "
            "(CXM_WEBHOOK_ALLOWED_NETWORKS)"
        )
    last_error: OSError | None = None
    for family, kind, proto, _name, sockaddr in candidates:
        sock = socket.socket(family, kind, proto)
        try:
            if isinstance(timeout, int | float):
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            last_error = error
            sock.close()
    raise last_error or OSError(f"{host} has no address")


class _Guarded:
    """Mixed into http.client's connections: they make their socket through
    `_create_connection` (HTTPS too, before TLS, which still verifies the certificate
    against the host name)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_connection


class _GuardedHTTPConnection(_Guarded, http.client.HTTPConnection):
    pass


class _GuardedHTTPSConnection(_Guarded, http.client.HTTPSConnection):
    pass


class GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPConnection, req)


class GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]
