"""Reading settings from the environment.

Each helper either returns a value of the right type or raises ``ImproperlyConfigured`` naming
the variable and what it expected, so a typo in a deployment fails at start-up, not at 3 a.m.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Env:
    """A view of environment variables with typed, strict accessors."""

    values: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def string(self, name: str, default: str | None = None) -> str:
        value = self.values.get(name)
        if value is None or value == "":
            if default is None:
                raise ImproperlyConfigured(f"{name} is not set.")
            return default
        return value

    def optional_str(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if value else None

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.values.get(name)
        if raw is None:
            return default
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off."
        )

    def integer(self, name: str, default: int, *, minimum: int | None = None) -> int:
        raw = self.values.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
        if minimum is not None and value < minimum:
            raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}.")
        return value

    def strings(self, name: str, default: list[str] | None = None) -> list[str]:
        raw = self.values.get(name)
        if raw is None or raw.strip() == "":
            return list(default or [])
        return [item.strip() for item in raw.split(",") if item.strip()]

    def networks(self, name: str) -> list[IPv4Network | IPv6Network]:
        """Comma-separated addresses or networks in CIDR form (`10.0.0.0/8, 127.0.0.1`)."""
        found: list[IPv4Network | IPv6Network] = []
        for item in self.strings(name):
            try:
                found.append(ip_network(item, strict=False))
            except ValueError:
                raise ImproperlyConfigured(
                    f"{name}: {item!r} is not an IP address or network such as 10.0.0.0/8."
                ) from None
        return found

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.string(name, default)
        if value not in choices:
            raise ImproperlyConfigured(f"{name}={value!r} must be one of {', '.join(choices)}.")
        return value

    def path(self, name: str, default: Path) -> Path:
        raw = self.values.get(name)
        return Path(raw).expanduser().resolve() if raw else default


def parse_database_url(url: str) -> dict[str, Any]:
    """Django's DATABASES entry for a PostgreSQL URL; any other scheme is refused."""
    import dj_database_url

    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:port/name), "
            f"not {scheme or 'an empty scheme'}:// — cxm runs on PostgreSQL only."
        )
    # cxm.db: Django's PostgreSQL backend, with a health check that needs no round trip and
    # prepared statements for the survey submit (cxm/db/base.py).
    config = dict(dj_database_url.parse(url, engine="cxm.db"))
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL names no database (postgres://…/<name>).")
    return config


def parse_redis_url(url: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            f"REDIS_URL must start with redis://, rediss:// or unix://, not {url!r}."
        )
    return url


def parse_email_url(url: str) -> dict[str, Any]:
    """Django e-mail settings for ``EMAIL_URL``.

    Supported: ``smtp://user:pass@host:port`` (STARTTLS with ``?tls=1``, or ``smtps://`` for
    implicit TLS), ``console:``, ``file:///path``, ``locmem:`` and ``store:`` (cxm keeps the
    message in its database and lists it for admins on the "sent e-mail" page).
    """
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "store":
        return {"EMAIL_BACKEND": "cxm.mail.StoredEmailBackend"}
    if scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured("EMAIL_URL=file:// needs a directory: file:///var/mail/cxm")
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": unquote(parts.path),
        }
    if scheme in {"smtp", "smtps"}:
        if not parts.hostname:
            raise ImproperlyConfigured("EMAIL_URL=smtp://… needs a host: smtp://user:pass@host:587")
        query = parse_qs(parts.query)
        tls = query.get("tls", ["0"])[0].lower() in _TRUE
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured("EMAIL_URL has a port that is not a number.") from None
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname,
            "EMAIL_PORT": port or (465 if scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": tls,
            "EMAIL_USE_SSL": scheme == "smtps",
        }
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme {scheme!r} is not supported; use smtp://, smtps://, console:, "
        "file:///path, locmem: or store:."
    )


def parse_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImproperlyConfigured(
            f"CXM_BASE_URL={url!r} must be an absolute http(s) URL such as https://cx.example.com"
        )
    return url.rstrip("/")


def parse_from_email(value: str) -> str:
    """A sender such as `cxm <cx@example.co.kr>` or `cx@example.co.kr`, as given."""
    _name, address = parseaddr(value)
    local, _at, domain = address.rpartition("@")
    if not local or ("." not in domain and domain != "localhost"):
        raise ImproperlyConfigured(
            f"DEFAULT_FROM_EMAIL={value!r} is not a sender address; write it like "
            "'Customer Experience <cx@example.co.kr>' or cx@example.co.kr"
        )
    return value


# Domains that never receive mail (RFC 2606, RFC 6761): a sender on one of them is a
# placeholder, and a real mail server rejects or junks what it sends.
RESERVED_MAIL_DOMAINS = ("localhost", "example", "invalid", "test", "local")
RESERVED_MAIL_HOSTS = ("example.com", "example.net", "example.org")


def is_placeholder_sender(value: str) -> bool:
    """Whether the sender's domain is one that cannot receive mail (localhost, *.example, …)."""
    domain = parseaddr(value)[1].rpartition("@")[2].lower().rstrip(".")
    top = domain.rsplit(".", 1)[-1]
    return (
        top in RESERVED_MAIL_DOMAINS
        or domain in RESERVED_MAIL_HOSTS
        or domain.endswith(tuple(f".{host}" for host in RESERVED_MAIL_HOSTS))
    )
