"""My tasks and the task page: frontline staff work their follow-up tasks, on a phone too.

Every page works as plain HTML forms; htmx refreshes the inbox by polling the same partial the
page includes, and ticks checklist steps in place. Writes go through `actions.services.tasks`,
access through `actions.access`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.forms.models import ModelChoiceIterator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from actions.access import access_task, may_move_due, visible_tasks
from actions.models import FollowUpTask, Priority, RootCause, TaskStatus
from actions.selectors import (
    MY_STATUS_CHOICES,
    WORK_PERMISSION,
    StatusFilter,
    TaskFilters,
    assignable_users,
    checklist_lines,
    in_reading_order,
    my_tasks,
    next_open_task,
    people_labels,
    task_page,
)
from actions.services.tasks import (
    ChangeRefused,
    TransitionNotAllowed,
    add_comment,
    change_task_due,
    close_task,
    reassign_task,
    reopen_task,
    resolve_task,
    resume_task,
    set_checklist_item,
    start_task,
    wait_on_customer,
)
from cxm.forms import UserChoiceField
from cxm.htmx import is_fragment, varies_on_htmx
from cxm.methods import allow_methods
from cxm.models import User
from cxm.views.errors import bad_request_page

DEFAULT_POLL_SECONDS = 10
# What a datetime-local input sends and shows (to the minute, in the site's time zone).
DUE_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def poll_seconds() -> int:
    """How often open lists refresh themselves (setting `CXM_TASKS_POLL_SECONDS`)."""
    return int(getattr(settings, "CXM_TASKS_POLL_SECONDS", DEFAULT_POLL_SECONDS))


# -- Forms -----------------------------------------------------------------------------------


class MyTasksFilterForm(forms.Form):
    """The inbox's query string; unknown values fall back to the open tasks."""

    status = forms.ChoiceField(label=_("Status"), choices=MY_STATUS_CHOICES, required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def filters(self) -> TaskFilters:
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return TaskFilters(
            status=data.get("status") or StatusFilter.OPEN, overdue=bool(data.get("overdue"))
        )


class NoteForm(forms.Form):
    """The note kept when the task waits on the customer."""

    # Several forms share the task page; a prefix keeps their field ids (and labels) apart.
    prefix = "wait"

    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class _CausesInReadingOrder(ModelChoiceIterator):
    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for cause in in_reading_order(self.queryset, _language()):
            yield self.choice(cause)


class RootCauseChoiceField(forms.ModelChoiceField):
    """Root causes by their label in the reader's language, "other" last."""

    iterator = _CausesInReadingOrder

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label(_language()))


class ResolveForm(forms.Form):
    prefix = "resolve"

    root_cause = RootCauseChoiceField(
        label=_("Root cause"),
        queryset=RootCause.objects.filter(is_active=True),
        to_field_name="code",
        empty_label=_("Choose the root cause"),
        error_messages={
            "required": _("Choose a root cause to resolve the task."),
            "invalid_choice": _("Choose a root cause from the list."),
        },
    )
    note = forms.CharField(
        label=_("Resolution note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you did for the customer, in a sentence or two."),
        error_messages={"required": _("Write what you did for the customer.")},
    )


class CloseForm(forms.Form):
    send_recovery_survey = forms.BooleanField(
        label=_("Send the customer the recovery survey"), required=False
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the task is reopened.")},
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=pgettext_lazy("staff note on a task", "Comment"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a comment first.")},
    )


class ChecklistForm(forms.Form):
    done = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", empty_value=None
    )


class ReassignForm(forms.Form):
    # Also the board's bulk form, beside the board's owner filter.
    prefix = "reassign"

    owner = UserChoiceField(
        label=_("New owner"),
        queryset=User.objects.none(),
        to_field_name="code",
        empty_label=_("Choose a person"),
        error_messages={
            "required": _("Choose who takes the task over."),
            "invalid_choice": _("This person cannot work follow-up tasks."),
        },
    )
    note = forms.CharField(
        label=_("Note for the new owner"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["owner"]
        field.queryset = assignable_users()


class ChangeDueForm(forms.Form):
    """A reviewer's new due date and/or priority for an open task, with the reason. The due
    date left as shown (to the minute) keeps the task's exact due time."""

    prefix = "due"

    due_at = forms.DateTimeField(
        label=_("Due"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DUE_INPUT_FORMAT),
        input_formats=[DUE_INPUT_FORMAT, "%Y-%m-%d %H:%M"],
        error_messages={
            "required": _("Give the due date."),
            "invalid": _("Give the due date as a date and a time."),
        },
    )
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    reason = forms.CharField(
        label=_("Why?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the activity log; the owner is told of the change."),
        error_messages={"required": _("Say why the due date or priority changes.")},
    )

    def __init__(self, *args: Any, task: FollowUpTask, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"due_at": task.due_at, "priority": task.priority})
        super().__init__(*args, **kwargs)
        self.task = task

    def clean_due_at(self) -> datetime:
        value: datetime = self.cleaned_data["due_at"]
        shown = timezone.localtime(self.task.due_at).replace(second=0, microsecond=0)
        if value == shown:
            return self.task.due_at  # left as shown: unchanged
        if value <= timezone.now():
            raise forms.ValidationError(_("The new due date is in the past; choose a later time."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not self.errors
            and data["due_at"] == self.task.due_at
            and data["priority"] == self.task.priority
        ):
            raise forms.ValidationError(_("Change the due date or the priority first."))
        return data


def _language() -> str:
    return get_language() or "ko"


# -- My tasks --------------------------------------------------------------------------------


@allow_methods("GET")
@login_required
@permission_required(WORK_PERMISSION, raise_exception=True)
def tasks_inbox(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = MyTasksFilterForm(request.GET)
    result = my_tasks(user, filters=form.filters())
    context = {
        "form": form,
        "result": result,
        "poll_seconds": poll_seconds(),
        "query": request.GET.urlencode(),
    }
    if is_fragment(request):
        return varies_on_htmx(
            render(request, "actions/tasks/_inbox_list.html", context), by_target=True
        )
    return varies_on_htmx(render(request, "actions/tasks/inbox.html", context), by_target=True)


# -- The task page ---------------------------------------------------------------------------


def _page_context(task: FollowUpTask, viewer: User, **forms_: forms.Form) -> dict[str, Any]:
    context: dict[str, Any] = {
        "page": task_page(task, viewer=viewer),
        "task": task,
        "resolve_form": ResolveForm(),
        "close_form": CloseForm(),
        "reopen_form": ReopenForm(),
        "wait_form": NoteForm(),
        "comment_form": CommentForm(),
        "reassign_form": ReassignForm(),
        "may_move_due": task.is_open and may_move_due(viewer, task),
        "due_form": ChangeDueForm(task=task),
    }
    context.update(forms_)
    return context


@allow_methods("GET")
@login_required
def task_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    task = access_task(user, code)
    context = _page_context(task, user)
    if task.status == TaskStatus.CLOSED:
        # Done here: offer the next task of the viewer's own inbox.
        context["next_task"] = next_open_task(user, after=task)
    return render(request, "actions/tasks/task.html", context)


def _refused(
    request: HttpRequest, task: FollowUpTask, user: User, status: int, **extra: Any
) -> HttpResponse:
    """The task page again, with the form errors (400) or the conflict (409)."""
    fresh = access_task(user, task.code)
    return render(
        request, "actions/tasks/task.html", _page_context(fresh, user, **extra), status=status
    )


def _act(
    request: HttpRequest,
    code: UUID,
    *,
    form_class: type[forms.Form] | None,
    form_name: str,
    apply: Callable[[FollowUpTask, User, dict[str, Any]], object],
    done: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    """Validate the form, apply one service, back to the task page saying what was done
    (`done`); 400 with the errors shown beside the form, 409 when the task changed
    meanwhile."""
    user: User = request.user  # type: ignore[assignment]
    task = access_task(user, code, write=True)
    form = form_class(request.POST) if form_class is not None else None
    if form is not None and not form.is_valid():
        return _refused(request, task, user, 400, **{form_name: form})
    try:
        apply(task, user, form.cleaned_data if form is not None else {})
    except TransitionNotAllowed as error:
        return _refused(request, task, user, 409, conflict=str(error))
    messages.success(request, done(form.cleaned_data if form is not None else {}))
    if not visible_tasks(user).filter(pk=task.pk).exists():
        # Handed over to someone else: the task page is no longer this user's to see.
        return redirect("actions:my-tasks")
    return redirect("actions:task-detail", code=task.code)


@allow_methods("POST")
@login_required
def task_start(request: HttpRequest, code: UUID) -> HttpResponse:
    return _act(
        request,
        code,
        form_class=None,
        form_name="",
        apply=lambda task, user, data: start_task(task=task, by=user),
        done=lambda data: str(_("You are working on this task.")),
    )


@allow_methods("POST")
@login_required
def task_wait(request: HttpRequest, code: UUID) -> HttpResponse:
    return _act(
        request,
        code,
        form_class=NoteForm,
        form_name="wait_form",
        apply=lambda task, user, data: wait_on_customer(task=task, by=user, note=data["note"]),
        done=lambda data: str(_("The task waits on the customer; its SLA clock is stopped.")),
    )


@allow_methods("POST")
@login_required
def task_resume(request: HttpRequest, code: UUID) -> HttpResponse:
    return _act(
        request,
        code,
        form_class=None,
        form_name="",
        apply=lambda task, user, data: resume_task(task=task, by=user),
        done=lambda data: str(_("Task resumed; its SLA clock runs again.")),
    )


@allow_methods("POST")
@login_required
def task_resolve(request: HttpRequest, code: UUID) -> HttpResponse:
    return _act(
        request,
        code,
        form_class=ResolveForm,
        form_name="resolve_form",
        apply=lambda task, user, data: resolve_task(
            task=task, by=user, root_cause=data["root_cause"], note=data["note"]
        ),
        done=lambda data: str(_("Task resolved.")),
    )


@allow_methods("POST")
@login_required
def task_close(request: HttpRequest, code: UUID) -> HttpResponse:
    return _act(
        request,
        code,
        form_class=CloseForm,
        form_name="close_form",
        apply=lambda task, user, data: close_task(
            task=task, by=user, send_recovery_survey=data["send_recovery_survey"]
        ),
        done=lambda data: str(_("Task closed.")),
    )


@allow_methods("POST")
@login_required
def task_reopen(request: HttpRequest, code: UUID) -> HttpResponse:
    return _act(
        request,
        code,
        form_class=ReopenForm,
        form_name="reopen_form",
        apply=lambda task, user, data: reopen_task(task=task, by=user, reason=data["reason"]),
        done=lambda data: str(_("Task reopened.")),
    )


@allow_methods("POST")
@login_required
def task_comment(request: HttpRequest, code: UUID) -> HttpResponse:
    return _act(
        request,
        code,
        form_class=CommentForm,
        form_name="comment_form",
        apply=lambda task, user, data: add_comment(task=task, by=user, text=data["text"]),
        done=lambda data: str(_("Comment added.")),
    )


@allow_methods("POST")
@login_required
def task_reassign(request: HttpRequest, code: UUID) -> HttpResponse:
    return _act(
        request,
        code,
        form_class=ReassignForm,
        form_name="reassign_form",
        apply=lambda task, user, data: reassign_task(
            task=task, by=user, owner=data["owner"], note=data["note"]
        ),
        # Named as the select named them (namesakes get their username).
        done=lambda data: str(
            _("Task handed over to %(owner)s.")
            % {"owner": people_labels(assignable_users())[data["owner"].pk]}
        ),
    )


@allow_methods("POST")
@login_required
def task_change_due(request: HttpRequest, code: UUID) -> HttpResponse:
    """A reviewer moves the due date and/or sets the priority of someone else's open task."""
    user: User = request.user  # type: ignore[assignment]
    task = access_task(user, code, write=True)
    if not may_move_due(user, task):
        raise PermissionDenied
    if not task.is_open:
        # The service refuses it too; a finished task has no form to show the error beside.
        finished = _("A resolved or closed task keeps its due date and priority; reopen it first.")
        return _refused(request, task, user, 400, conflict=str(finished))
    form = ChangeDueForm(request.POST, task=task)
    if not form.is_valid():
        return _refused(request, task, user, 400, due_form=form)
    try:
        change_task_due(task=task, by=user, **form.cleaned_data)
    except ChangeRefused as error:
        return _refused(request, task, user, 400, conflict=str(error))
    except TransitionNotAllowed as error:
        return _refused(request, task, user, 409, conflict=str(error))
    messages.success(request, str(_("Due date and priority saved; the owner is told.")))
    return redirect("actions:task-detail", code=task.code)


@allow_methods("POST")
@login_required
def task_checklist(request: HttpRequest, code: UUID, index: int) -> HttpResponse:
    """Tick or untick one step. With htmx only the checklist is swapped (409 too, with the
    message); without, back to the task page."""
    user: User = request.user  # type: ignore[assignment]
    task = access_task(user, code, write=True)
    form = ChecklistForm(request.POST)
    if not form.is_valid():
        # Only a hand-made request sends anything but 1 or 0.
        return bad_request_page(request, _("Send done=1 or done=0."))
    conflict = ""
    try:
        set_checklist_item(task=task, by=user, index=index, done=form.cleaned_data["done"])
    except TransitionNotAllowed as error:
        conflict = str(error)
    if is_fragment(request):
        context = {"task": task, "lines": checklist_lines(task), "conflict": conflict}
        return render(
            request, "actions/tasks/_checklist.html", context, status=409 if conflict else 200
        )
    if conflict:
        return _refused(request, task, user, 409, conflict=conflict)
    return redirect("actions:task-detail", code=task.code)


urlpatterns: list[URLPattern] = [
    path("tasks/", tasks_inbox, name="my-tasks"),
    path("tasks/<uuid:code>/", task_detail, name="task-detail"),
    path("tasks/<uuid:code>/start/", task_start, name="task-start"),
    path("tasks/<uuid:code>/wait/", task_wait, name="task-wait"),
    path("tasks/<uuid:code>/resume/", task_resume, name="task-resume"),
    path("tasks/<uuid:code>/resolve/", task_resolve, name="task-resolve"),
    path("tasks/<uuid:code>/close/", task_close, name="task-close"),
    path("tasks/<uuid:code>/reopen/", task_reopen, name="task-reopen"),
    path("tasks/<uuid:code>/comment/", task_comment, name="task-comment"),
    path("tasks/<uuid:code>/reassign/", task_reassign, name="task-reassign"),
    path("tasks/<uuid:code>/due/", task_change_due, name="task-change-due"),
    path("tasks/<uuid:code>/checklist/<int:index>/", task_checklist, name="task-checklist"),
]
