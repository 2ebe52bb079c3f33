"""Who may see and work which follow-up task: one access function per object type."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from actions.models import FollowUpTask
from cxm.models import User


def visible_tasks(user: User) -> QuerySet[FollowUpTask]:
    """Reviewers (managers, admins) see every task; other staff the tasks they own and those
    of the stores they manage."""
    tasks = FollowUpTask.objects.all()
    if not user.is_authenticated or not user.has_perm("actions.work_tasks"):
        return tasks.none()
    if user.has_perm("actions.review_tasks"):
        return tasks
    return tasks.filter(Q(owner=user) | Q(store__manager=user))


def access_task(user: User, code: UUID, *, write: bool = False) -> FollowUpTask:
    """The task with `code` if `user` may see it (404 otherwise, revealing nothing). Everyone
    who may see a task may work it (`write`), provided they can work tasks at all (403)."""
    if not user.has_perm("actions.work_tasks"):
        raise PermissionDenied
    task = (
        visible_tasks(user)
        .select_related("owner", "plan", "rule", "customer", "store", "response", "root_cause")
        .filter(code=code)
        .first()
    )
    if task is None:
        raise Http404
    return task


def may_move_due(user: User, task: FollowUpTask) -> bool:
    """Whether `user` may change the task's due date and priority: reviewers (managers,
    admins), on tasks they do not own themselves, since an owner moving their own deadline
    would defeat the SLA."""
    return user.has_perm("actions.review_tasks") and task.owner_id != user.pk
