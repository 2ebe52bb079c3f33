"""Integration tokens: bearer tokens an ERP or CRM uses to post to the events API.

A token is shown once, when it is created; the database keeps only its SHA-256 hash (for
look-up) and a short prefix (so admins can tell tokens apart). Tokens carry 256 bits of
randomness, so a fast unsalted hash is enough: there is nothing to brute-force.

Creating a token from the admin page takes two steps, so the secret never waits anywhere
between the form's POST and the page that shows it: `reserve_integration_token` creates a
*pending* row (no hash, so it cannot authenticate), and `issue_integration_token` mints the
secret when the page is shown, once. A pending token not issued within `PENDING_LIFETIME`
never will be; it stays in the list as "not issued" and no longer holds its name.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
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
# The page that issues a reserved token is the redirect right after the form's POST; an hour
# is far longer than that takes, and short enough that an abandoned reservation frees its name.
PENDING_LIFETIME = timedelta(hours=1)


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


def reserve_integration_token(*, name: str, created_by: User | None) -> IntegrationToken:
    """Create a pending token named `name`: no secret yet, so it cannot authenticate.

    `issue_integration_token` mints its secret. Raises TokenNameTaken when an active token
    already has `name` (an issued one, or a pending one that may still be issued): two live
    tokens with one name cannot be told apart when one must be revoked. Revoked tokens and
    pending ones past `PENDING_LIFETIME` keep their names without holding them.
    """
    with transaction.atomic():
        # Serialise creations of one name, so two concurrent posts cannot both pass the check.
        # A partial unique index would also do it, but installations may already hold
        # duplicate active names, which such a migration would fail on.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"cxm-token:{name}"])
        holding = Q(token_hash__isnull=False) | Q(created_at__gte=_pending_cutoff())
        if IntegrationToken.objects.filter(holding, name=name, revoked_at=None).exists():
            raise TokenNameTaken(name)
        return IntegrationToken.objects.create(name=name, created_by=created_by)


def issue_integration_token(*, token: IntegrationToken) -> str | None:
    """Mint the secret of a pending `token` and return it; None if it cannot be issued now.

    At most once per token, even for concurrent calls: the secret is written by a conditional
    update on a row that has no hash yet, and only the caller whose update changed the row gets
    the raw token. None when the token was already issued, is revoked, or was reserved longer
    than `PENDING_LIFETIME` ago. The raw token is returned, never stored.
    """
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    prefix, digest = raw[:PREFIX_LENGTH], hash_token(raw)
    issued = IntegrationToken.objects.filter(
        pk=token.pk, token_hash=None, revoked_at=None, created_at__gte=_pending_cutoff()
    ).update(token_hash=digest, prefix=prefix)
    if not issued:
        return None
    token.prefix, token.token_hash = prefix, digest
    return raw


def create_integration_token(*, name: str, created_by: User | None) -> tuple[IntegrationToken, str]:
    """Reserve and issue a token at once; returns the row and the raw token, which is never
    stored nor retrievable. Raises TokenNameTaken as `reserve_integration_token` does.
    """
    token = reserve_integration_token(name=name, created_by=created_by)
    raw = issue_integration_token(token=token)
    if raw is None:  # just reserved by this call, so nothing else can have issued it
        raise RuntimeError(f"integration token {token.code} could not be issued")
    return token, raw


def _pending_cutoff() -> datetime:
    return timezone.now() - PENDING_LIFETIME


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
    # A pending token has no hash (NULL), which equals no digest: it never authenticates.
    token = IntegrationToken.objects.filter(token_hash=hash_token(raw), revoked_at=None).first()
    if token is None:
        return None
    now = timezone.now()
    # A conditional update, so concurrent posts do not all rewrite the row.
    IntegrationToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at=None) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    return token
