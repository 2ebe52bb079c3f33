"""Customers' contact details as a given staff member may see them.

Staff without `odata.view_customer_contact` see e-mail and phone partly hidden. The hiding
happens here, before anything reaches a template, so the whole value is never in their HTML
(not in an attribute, a link or a comment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cxm.models import User

CONTACT_PERMISSION = "odata.view_customer_contact"

_NON_DIGITS = re.compile(r"\D+")


@dataclass(frozen=True)
class Contact:
    email: str
    phone: str
    masked: bool


def may_see_contact(user: User) -> bool:
    return user.has_perm(CONTACT_PERMISSION)


def contact_for(*, email: str, phone: str, reveal: bool) -> Contact:
    """E-mail and phone ready to show: whole when `reveal`, partly hidden otherwise."""
    if reveal:
        return Contact(email=email, phone=format_phone(phone), masked=False)
    return Contact(email=mask_email(email), phone=mask_phone(phone), masked=True)


def mask_email(email: str) -> str:
    """`kim.minji@example.com` → `k***@example.com`: the first letter and the domain stay.

    The domain alone rarely identifies a person, and it helps staff tell "the work address"
    from "the private one" on the phone.
    """
    if not email:
        return ""
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_phone(phone: str) -> str:
    """`01012345678` → `010-****-5678`: area or carrier prefix and the last four digits stay.

    The middle is always four stars, so the mask does not reveal how long the number is.
    """
    digits = _NON_DIGITS.sub("", phone)
    if not digits:
        return ""
    if len(digits) < 8:
        return f"***{digits[-2:]}"
    return f"{_prefix(digits)}-****-{digits[-4:]}"


def format_phone(phone: str) -> str:
    """Korean grouping for a stored digits-only number (`010-1234-5678`, `02-123-4567`)."""
    digits = _NON_DIGITS.sub("", phone)
    if not 9 <= len(digits) <= 11 or not digits.startswith("0"):
        return phone
    prefix = _prefix(digits)
    rest = digits[len(prefix) :]
    return f"{prefix}-{rest[:-4]}-{rest[-4:]}"


def _prefix(digits: str) -> str:
    # Seoul's area code is the only two-digit one; mobile and other area codes have three.
    return "02" if digits.startswith("02") else digits[:3]
