"""Platform use-cases: roles, staff accounts, language preference, worker heartbeat."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from functools import partial

import django_rq
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cxm.mail import send_templated_email
from cxm.models import Language, User, WorkerHeartbeat
from cxm.roles import ROLE_PERMISSIONS, Role
from odata.models import Store
from odata.services.stores import set_managed_stores

log = logging.getLogger(__name__)


def sync_role_permissions() -> None:
    """Create the role groups and give each exactly the permissions `ROLE_PERMISSIONS` lists.

    Idempotent. Runs after every migrate, when all permissions exist.
    """
    with transaction.atomic():
        for role, names in ROLE_PERMISSIONS.items():
            group, _ = Group.objects.get_or_create(name=role.value)
            wanted = _permissions(names)
            group.permissions.set(wanted)


def _permissions(names: frozenset[str]) -> list[Permission]:
    by_label: dict[tuple[str, str], str] = {
        tuple(name.split(".", 1)): name  # type: ignore[misc]  # always "app.codename"
        for name in names
    }
    found = list(
        Permission.objects.filter(
            content_type__app_label__in={app for app, _ in by_label},
            codename__in={codename for _, codename in by_label},
        ).select_related("content_type")
    )
    found = [p for p in found if (p.content_type.app_label, p.codename) in by_label]
    missing = set(by_label) - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        raise LookupError(f"Role permissions that do not exist: {sorted(missing)}")
    return found


def role_of(user: User) -> Role | None:
    """The user's role, the highest if (wrongly) several groups are set."""
    names = {group.name for group in user.groups.all()}
    for role in (Role.ADMIN, Role.MANAGER, Role.STAFF):
        if role.value in names:
            return role
    return None


def set_user_role(*, user: User, role: Role | None) -> None:
    """Give the user exactly one role (or none). Idempotent."""
    role_groups = Group.objects.filter(name__in=[r.value for r in Role])
    with transaction.atomic():
        user.groups.remove(*role_groups)
        if role is not None:
            user.groups.add(Group.objects.get(name=role.value))


def create_user(
    *,
    username: str,
    email: str,
    name: str,
    role: Role,
    language: str = "",
    password: str | None = None,
    send_invitation: bool = True,
    stores: Sequence[Store] = (),
) -> User:
    """Create a staff account with its role, managing `stores` (taken from their managers).

    Without a password the account cannot log in until the person sets one through the
    invitation e-mail, which is sent by a `realtime` job after the transaction commits.
    """
    with transaction.atomic():
        user = User(username=username, email=email, name=name, language=language)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean()
        user.save()
        set_user_role(user=user, role=role)
        if stores:
            set_managed_stores(manager=user, stores=stores)
        if send_invitation and email:
            user_id = user.pk
            queue = django_rq.get_queue("realtime")
            transaction.on_commit(
                partial(queue.enqueue, "cxm.jobs.send_account_invitation", user_id)
            )
    log.info("user created", extra={"user": user.code.hex, "role": role.value})
    return user


def update_user(
    *,
    user: User,
    name: str,
    email: str,
    role: Role,
    language: str,
    is_active: bool,
    stores: Sequence[Store] | None = None,
) -> User:
    """Save an account's details and role; with `stores`, the user manages exactly those (each
    taken from its manager, the others given up). None leaves the stores as they are."""
    with transaction.atomic():
        user.name = name
        user.email = email
        user.language = language
        user.is_active = is_active
        user.full_clean()
        user.save(update_fields=["name", "email", "language", "is_active"])
        set_user_role(user=user, role=role)
        if stores is not None:
            set_managed_stores(manager=user, stores=stores)
    return user


def set_user_language(*, user: User, language: str) -> None:
    """Remember the language a signed-in user chose; it follows them to every device."""
    if language not in Language.values:
        raise ValueError(f"unsupported language {language!r}")
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language


def record_heartbeat(*, queue: str, worker_name: str, at: datetime | None = None) -> None:
    """Note that a worker just ran a job from `queue` (one row per queue, upserted)."""
    WorkerHeartbeat.objects.update_or_create(
        queue=queue,
        defaults={"beat_at": at or timezone.now(), "worker_name": worker_name[:200]},
    )


def send_password_link(*, user: User, purpose: str) -> bool:
    """E-mail the user a one-time link to choose a password.

    `purpose` is "invite" (a new account; sent once, claimed by a conditional update of
    `invited_at`) or "reset" (the user asked for it). Returns whether an e-mail went out.
    Links carry the user's public code, never the integer id.
    """
    if purpose not in {"invite", "reset"}:
        raise ValueError(f"unknown purpose {purpose!r}")
    if not user.email:
        return False
    if purpose == "invite":
        claimed = User.objects.filter(pk=user.pk, invited_at=None).update(invited_at=timezone.now())
        if not claimed:
            return False
    path = reverse(
        "password-set",
        kwargs={"uidb64": user.code.hex, "token": default_token_generator.make_token(user)},
    )
    try:
        send_templated_email(
            to=[user.email],
            template=f"cxm/email/password_{purpose}",
            context={"user": user, "link": settings.CXM_BASE_URL + path},
            language=user.language or settings.LANGUAGE_CODE,
        )
    except Exception:
        if purpose == "invite":
            # Un-claim so a retry of the job sends it; the failure itself is re-raised for RQ.
            User.objects.filter(pk=user.pk).update(invited_at=None)
        raise
    return True


def request_password_reset(*, email: str) -> None:
    """Queue a reset link for each active account with this address (case-insensitive).

    Says nothing about whether such an account exists: the page answers the same either way.
    """
    ids = list(
        User.objects.filter(email__iexact=email.strip(), is_active=True).values_list(
            "pk", flat=True
        )
    )
    queue = django_rq.get_queue("realtime")
    for user_id in ids:
        transaction.on_commit(partial(queue.enqueue, "cxm.jobs.send_password_reset", user_id))
