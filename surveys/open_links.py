"""Signed orders on open links: `/o/<code>/?order=<id>[&exp=<unix seconds>]&sig=<hex>`.

A receipt printer or POS computes the signature itself, so the contract is small and written
down in docs/open-links.md: the canonical string is the open code, the order's external id and
the expiry (empty when there is none), joined by newlines and encoded as UTF-8; the signature
is its HMAC-SHA256 under the survey's open-link secret, in hexadecimal. Pure functions, no
database.

One order number is reserved for testing: a link signed for `TEST_ORDER` is checked exactly
like a real one, opens the survey with a notice, and records nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

ORDER_MAX_LENGTH = 64  # odata.Order.external_id
SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")
EXPIRES = re.compile(r"[0-9]{1,12}")
# The order number of test links (the open-link page's worked example signs it): checked like
# any signed order, never looked up, and nothing answered through it is recorded. Lower case
# with a hyphen, so it is unlike the POS and ERP order numbers it stands in for.
TEST_ORDER = "cxm-test"


class MalformedSignedOrder(ValueError):
    """The query names an order but is not a well-formed signed order."""


@dataclass(frozen=True)
class SignedOrder:
    """The order parameters of an open link, well-formed (not yet checked)."""

    order: str
    expires: str  # Unix seconds as written in the link, or "" for none
    signature: str  # lower-case hex

    def is_expired(self, now: datetime | None = None) -> bool:
        moment = now or timezone.now()
        return bool(self.expires) and int(self.expires) <= moment.timestamp()

    @property
    def is_test(self) -> bool:
        """Signed for the reserved test order number: nothing answered is recorded."""
        return self.order == TEST_ORDER

    def as_state(self) -> dict[str, str]:
        return {"order": self.order, "exp": self.expires, "sig": self.signature}


def new_open_link_secret() -> str:
    """256 random bits as 64 hex characters (easy to paste into a POS configuration)."""
    return secrets.token_hex(32)


def canonical_string(*, code: str, order: str, expires: str = "") -> str:
    """What is signed: the open code, the order and the expiry, one per line."""
    return f"{code}\n{order}\n{expires}"


def open_link_signature(*, secret: str, code: str, order: str, expires: str = "") -> str:
    message = canonical_string(code=code, order=order, expires=expires)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signature_matches(*, secret: str, code: str, signed: SignedOrder) -> bool:
    """Whether `signed` was signed with `secret` for the open link `code` (constant time)."""
    if not secret:
        return False
    expected = open_link_signature(
        secret=secret, code=code, order=signed.order, expires=signed.expires
    )
    return hmac.compare_digest(expected, signed.signature)


def parse_signed_order(*, order: str, expires: str, signature: str) -> SignedOrder | None:
    """The link's `order`, `exp` and `sig` parameters; None when the link names no order.

    Raises MalformedSignedOrder when any of them is present but the set is not well formed
    (an order without a signature, a signature that is not 64 hex digits, a non-numeric expiry).
    """
    if not (order or expires or signature):
        return None
    if (
        not order
        or len(order) > ORDER_MAX_LENGTH
        or "\n" in order
        or not SIGNATURE.fullmatch(signature)
        or (expires and not EXPIRES.fullmatch(expires))
    ):
        raise MalformedSignedOrder
    return SignedOrder(order=order, expires=expires, signature=signature.lower())


def state_signed_order(state: object) -> SignedOrder | None:
    """The signed order kept in an answer form's state (already checked on the first page)."""
    if not isinstance(state, dict):
        return None
    try:
        return parse_signed_order(
            order=str(state.get("order", "")),
            expires=str(state.get("exp", "")),
            signature=str(state.get("sig", "")),
        )
    except MalformedSignedOrder:
        return None
