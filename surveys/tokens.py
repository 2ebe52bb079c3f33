"""Survey link tokens: 256 bits from `secrets`, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

from django.db.models import Q


def new_token() -> tuple[str, str]:
    """(token for the link, hash to store)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str) -> Q:
    """Invitations whose first or reminder link carries `token`."""
    digest = hash_token(token)
    return Q(token_hash=digest) | Q(reminder_token_hash=digest)
