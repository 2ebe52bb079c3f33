"""Platform reads, and the access functions for the objects platform pages show."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from typing import TypeVar
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cxm.models import StoredEmail, User
from cxm.roles import Role
from odata.models import Store

K = TypeVar("K", bound=Hashable)


def user_labels(people: Iterable[tuple[K, str, str]]) -> dict[K, str]:
    """How to name each person of one list (a select, a table): (key, name, username) →
    the display name, with the username added when someone else in the list has the same name
    ("서시우 점장 (store02)"), so namesakes can be told apart and everyone else reads plainly."""
    rows = [(key, name or username, username) for key, name, username in people]
    taken = Counter(shown for _key, shown, _username in rows)
    return {
        key: shown if taken[shown] == 1 else f"{shown} ({username})"
        for key, shown, username in rows
    }


def access_user(actor: User, code: UUID, *, write: bool = False) -> User:
    """The account `code` if `actor` may manage accounts; 403 otherwise, 404 if unknown.

    Reading and writing need the same permission today; `write` is part of the contract.
    """
    if not actor.has_perm("cxm.manage_users"):
        raise PermissionDenied
    user = User.objects.filter(code=code).prefetch_related("groups").first()
    if user is None:
        raise Http404
    return user


def access_stored_email(actor: User, code: UUID) -> StoredEmail:
    if not actor.has_perm("cxm.view_sent_email"):
        raise PermissionDenied
    email = StoredEmail.objects.filter(code=code).first()
    if email is None:
        raise Http404
    return email


def user_list(*, query: str = "", role: str = "") -> QuerySet[User]:
    from django.contrib.auth.models import Group
    from django.db.models import Q

    users = User.objects.prefetch_related(
        Prefetch("groups", queryset=Group.objects.filter(name__in=Role.values)),
        Prefetch("managed_stores", queryset=Store.objects.order_by("name", "external_id")),
    ).order_by("username")
    if query:
        users = users.filter(
            Q(username__icontains=query) | Q(name__icontains=query) | Q(email__icontains=query)
        )
    if role in Role.values:
        users = users.filter(groups__name=role)
    return users


def stored_email_list() -> QuerySet[StoredEmail]:
    return StoredEmail.objects.order_by("-created_at", "-id")


# RQ's worker states, as the status page shows them.
WORKER_STATES = {
    "started": _("starting"),
    "idle": _("idle"),
    "busy": _("working"),
    "suspended": _("suspended"),
}


def _worker_state(state: object) -> str:
    code = str(getattr(state, "value", state))  # an enum member or the string Redis holds
    return str(WORKER_STATES.get(code, code))


def worker_overview() -> dict[str, object]:
    """Queue lengths and the RQ workers registered in Redis (for the system status page)."""
    import django_rq
    from rq import Worker

    from cxm.health import QUEUES

    connection = django_rq.get_connection("default")
    queues = []
    for name in QUEUES:
        queue = django_rq.get_queue(name)
        queues.append(
            {"name": name, "queued": queue.count, "failed": queue.failed_job_registry.count}
        )
    workers = [
        {
            "name": w.name,
            "state": _worker_state(w.get_state()),
            "queues": ", ".join(w.queue_names()),
            "last_heartbeat": w.last_heartbeat,
        }
        for w in Worker.all(connection=connection)
    ]
    return {"queues": queues, "workers": workers}
