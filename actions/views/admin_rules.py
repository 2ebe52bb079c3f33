"""Admin pages for trigger rules: the list, a form per kind that builds the rule's conditions,
enable/disable, the versions with what changed, and the 30-day preview.

The forms work without JavaScript: "Add a condition" and "Preview" are submit buttons that
re-render the form; with htmx, "Preview" swaps only the count in.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from actions.conditions import describe
from actions.forms import RuleForm
from actions.models import TriggerRule
from actions.services.evaluation import ResponsePreview, preview_response_rule, preview_rule
from actions.services.rules import (
    PERMISSION,
    RECENT_DAYS,
    InvalidDefinition,
    access_rule,
    create_rule,
    recent_task_count,
    rule_list,
    rule_scope_problems,
    set_rule_enabled,
    update_rule,
    version_rows,
)
from cxm.methods import allow_methods
from cxm.models import User


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@allow_methods("GET")
@login_required
@permission_required(PERMISSION, raise_exception=True)
def rules(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "actions/admin/rules.html",
        {"rules": rule_list(), "kinds": TriggerRule.Kind.choices, "days": RECENT_DAYS},
    )


# What a rule does, not what it counts: a preview does not wait for these to be filled in.
NOT_COUNTED = frozenset({"name", "plan", "holdout_percent"})


def _countable(form: RuleForm) -> bool:
    """Whether the conditions and scope are valid, whatever the name, plan or holdout say."""
    form.is_valid()
    return set(form.errors) <= NOT_COUNTED


def _preview(form: RuleForm, rule: TriggerRule | None) -> tuple[int, ResponsePreview | None]:
    """The preview's task count, and for a per-response rule the enabled rules that would
    fire on the same responses."""
    data = form.cleaned_data
    scope: dict[str, Any] = {
        key: data.get(key) for key in ("survey", "touchpoint", "store", "region")
    }
    if form.kind == TriggerRule.Kind.RESPONSE:
        shown = preview_response_rule(
            definition=data["definition"], exclude=rule, days=RECENT_DAYS, **scope
        )
        return shown.tasks, shown
    return (
        preview_rule(kind=form.kind, definition=data["definition"], days=RECENT_DAYS, **scope),
        None,
    )


def _form_page(
    request: HttpRequest,
    form: RuleForm,
    rule: TriggerRule | None,
    *,
    preview: int | None = None,
    overlap: ResponsePreview | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "rule": rule,
        "kind_label": TriggerRule.Kind(form.kind).label,
        "preview": preview,
        "overlap": overlap,
        "days": RECENT_DAYS,
    }
    if request.htmx and request.POST.get("action") == "preview":  # type: ignore[attr-defined]
        # The fragment replaces the preview box only; htmx swaps 200 responses.
        return render(request, "actions/admin/_rule_preview.html", context)
    return render(request, "actions/admin/rule_form.html", context, status=status)


def _handle_form(request: HttpRequest, kind: str, rule: TriggerRule | None) -> HttpResponse:
    """GET shows the form; POST adds a condition row, previews, or saves."""
    if request.method != "POST":
        return _form_page(request, RuleForm(kind=kind, rule=rule), rule)
    action = request.POST.get("action", "save")
    if action == "add_row":
        # Adding a row is not a save: the typed values come back unvalidated, without errors.
        typed = {key: request.POST.get(key) for key in request.POST if key != "csrfmiddlewaretoken"}
        rows = RuleForm.rows_in(request.POST) + 1
        return _form_page(request, RuleForm(kind=kind, rule=rule, rows=rows, initial=typed), rule)
    form = RuleForm(request.POST, kind=kind, rule=rule)
    if action == "preview" and _countable(form):
        # An empty name or plan is shown on its field; it does not stop the count.
        count, overlap = _preview(form, rule)
        return _form_page(request, form, rule, preview=count, overlap=overlap)
    if not form.is_valid():
        return _form_page(request, form, rule, status=400)
    try:
        if rule is None:
            rule = create_rule(by=_user(request), kind=kind, **form.rule_fields())
            messages.success(
                request, _("The rule is saved, disabled. Check its preview and enable it.")
            )
        elif update_rule(rule=rule, by=_user(request), **form.rule_fields()):
            messages.success(request, _("Saved as version %(n)d.") % {"n": rule.version})
        else:
            messages.info(request, _("Nothing changed."))
    except InvalidDefinition as invalid:
        for error in invalid.errors:
            form.add_error(None, error)
        return _form_page(request, form, rule, status=400)
    return redirect("actions:rule-detail", code=rule.code)


@login_required
@permission_required(PERMISSION, raise_exception=True)
@allow_methods("GET", "POST")
def rule_new(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in TriggerRule.Kind.values:
        raise Http404
    return _handle_form(request, kind, None)


@login_required
@allow_methods("GET", "POST")
def rule_edit(request: HttpRequest, code: UUID) -> HttpResponse:
    rule = access_rule(_user(request), code, write=request.method == "POST")
    return _handle_form(request, rule.kind, rule)


@allow_methods("GET")
@login_required
def rule_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    rule = access_rule(_user(request), code)
    preview = overlap = None
    scope: dict[str, Any] = {
        "survey": rule.survey,
        "touchpoint": rule.touchpoint,
        "store": rule.store,
        "region": rule.region,
    }
    if rule.kind == TriggerRule.Kind.RESPONSE:
        # Enabled or not, the page names the enabled rules that fire on the same responses.
        overlap = preview_response_rule(
            definition=rule.definition, exclude=rule, days=RECENT_DAYS, **scope
        )
        if not rule.is_enabled:
            preview = overlap.tasks
    elif not rule.is_enabled:
        # Before it is enabled, the page says what the rule would have done.
        preview = preview_rule(
            kind=rule.kind, definition=rule.definition, days=RECENT_DAYS, **scope
        )
    context = {
        "rule": rule,
        "description": describe(rule.kind, rule.definition, get_language()),
        "recent_tasks": recent_task_count(rule),
        "preview": preview,
        "overlap": overlap,
        "scope_problems": rule_scope_problems(rule),
        "days": RECENT_DAYS,
    }
    return render(request, "actions/admin/rule_detail.html", context)


def _set_enabled(request: HttpRequest, code: UUID, *, enabled: bool) -> HttpResponse:
    rule = access_rule(_user(request), code, write=True)
    try:
        changed = set_rule_enabled(rule=rule, by=_user(request), enabled=enabled)
    except InvalidDefinition as invalid:
        for error in invalid.errors:
            messages.error(request, error)
        return redirect("actions:rule-detail", code=rule.code)
    if changed and enabled:
        messages.success(request, _("“%(name)s” is enabled.") % {"name": rule.name})
    elif changed:
        messages.success(request, _("“%(name)s” is disabled.") % {"name": rule.name})
    return redirect("actions:rule-detail", code=rule.code)


@allow_methods("POST")
@login_required
def rule_enable(request: HttpRequest, code: UUID) -> HttpResponse:
    return _set_enabled(request, code, enabled=True)


@allow_methods("POST")
@login_required
def rule_disable(request: HttpRequest, code: UUID) -> HttpResponse:
    return _set_enabled(request, code, enabled=False)


def _shown(field: str, value: Any, kind: str) -> str:
    """A snapshot value as the versions page shows it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict) and "name" in value:
        return str(value["name"])
    if field == "definition":
        return describe(kind, value, get_language())
    if field == "kind":
        return str(TriggerRule.Kind(value).label)
    if field == "holdout_percent":
        return f"{value}%"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _label(field: str) -> str:
    model_field = TriggerRule._meta.get_field(field)
    return str(getattr(model_field, "verbose_name", field))


@allow_methods("GET")
@login_required
def rule_versions(request: HttpRequest, code: UUID) -> HttpResponse:
    rule = access_rule(_user(request), code)
    rows = [
        {
            "number": row.version.number,
            "at": row.version.changed_at,
            "by": row.version.changed_by.display_name if row.version.changed_by else "",
            "first": row.first,
            "changes": [
                {
                    "label": _label(change.field),
                    "before": _shown(change.field, change.before, rule.kind),
                    "after": _shown(change.field, change.after, rule.kind),
                }
                for change in row.changes
            ],
        }
        for row in version_rows(rule)
    ]
    return render(request, "actions/admin/rule_versions.html", {"rule": rule, "rows": rows})


urlpatterns: list[URLPattern] = [
    path("manage/rules/", rules, name="rules"),
    path("manage/rules/new/<slug:kind>/", rule_new, name="rule-new"),
    path("manage/rules/<uuid:code>/", rule_detail, name="rule-detail"),
    path("manage/rules/<uuid:code>/edit/", rule_edit, name="rule-edit"),
    path("manage/rules/<uuid:code>/enable/", rule_enable, name="rule-enable"),
    path("manage/rules/<uuid:code>/disable/", rule_disable, name="rule-disable"),
    path("manage/rules/<uuid:code>/versions/", rule_versions, name="rule-versions"),
]
