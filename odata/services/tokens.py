"""Integration tokens: bearer tokens an ERP or CRM uses to post to the events API.

A token is shown once, when it is created; the database keeps only its SHA-256 hash (for
look-up) and a short prefix (so admins can tell tokens apart). Tokens carry 256 bits of
randomness, so a fast unsalted hash is enough: there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cxm.models import User
from odata.models import IntegrationToken

TOKEN_PREFIX = "cxm_"  # noqa: S105  # a public marker on every token, not a secret
PREFIX_LENGTH = 12  # "cxm_" and 8 random characters; IntegrationToken.prefix holds 12
# Writing last_used_at on every request would make each post update the same row; once a
# minute is precise enough for "is this integration still alive?".
LAST_USED_RESOLUTION = timedelta(minutes=1)
PERMISSION = "odata.manage_integrations"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def access_integration_token(actor: User, code: UUID, *, write: bool = False) -> IntegrationToken:
    """The token `code` if `actor` may manage integrations; 403 otherwise, 404 if unknown.

    Reading and writing need the same permission today; `write` is part of the contract.
    """
    if not actor.has_perm(PERMISSION):
        raise PermissionDenied
    token = IntegrationToken.objects.filter(code=code).first()
    if token is None:
        raise Http404
    return token


def integration_token_list() -> QuerySet[IntegrationToken]:
    """Every token, newest first, with its creator (one query)."""
    return IntegrationToken.objects.select_related("created_by").order_by("-created_at", "-id")


class TokenNameTaken(Exception):
    """An active token already has this name; revoke it first or choose another name."""


def create_integration_token(*, name: str, created_by: User | None) -> tuple[IntegrationToken, str]:
    """Create a token; returns the row and the raw token, which is never stored nor retrievable.

    Raises TokenNameTaken when an active token already has `name`: two live tokens with one
    name cannot be told apart when one must be revoked. Revoked tokens keep their names.
    """
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        # Serialise creations of one name, so two concurrent posts cannot both pass the check.
        # A partial unique index would also do it, but installations may already hold
        # duplicate active names, which such a migration would fail on.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"cxm-token:{name}"])
        if IntegrationToken.objects.filter(name=name, revoked_at=None).exists():
            raise TokenNameTaken(name)
        token = IntegrationToken.objects.create(
            name=name, prefix=raw[:PREFIX_LENGTH], token_hash=hash_token(raw), created_by=created_by
        )
    return token, raw


def revoke_integration_token(*, token: IntegrationToken) -> bool:
    """Revoke the token from now on. Idempotent: returns False when it was already revoked."""
    now = timezone.now()
    revoked = IntegrationToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=now)
    if revoked:
        token.revoked_at = now
    return bool(revoked)


def authenticate_integration(*, authorization: str) -> IntegrationToken | None:
    """The active token named by an `Authorization: Bearer …` header value, or None.

    Notes the use in `last_used_at` (at most once per `LAST_USED_RESOLUTION`).
    """
    scheme, _, raw = authorization.strip().partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw.startswith(TOKEN_PREFIX):
        return None
    token = IntegrationToken.objects.filter(token_hash=hash_token(raw), revoked_at=None).first()
    if token is None:
        return None
    now = timezone.now()
    # A conditional update, so concurrent posts do not all rewrite the row.
    IntegrationToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at=None) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    return token
