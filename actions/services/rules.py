"""Administration of the loop's configuration: trigger rules (every saved change kept as a
version), action plans, the root-cause taxonomy and webhook endpoints.

Everything here needs `actions.manage_rules`; the access functions check it before looking a
code up, so codes cannot be probed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from actions.conditions import SCOPE_FIELDS, scope_problems, validate_definition
from actions.models import (
    ActionPlan,
    RootCause,
    TriggerRule,
    TriggerRuleVersion,
    WebhookDelivery,
    WebhookEndpoint,
)
from cxm.models import User
from odata.models import Region, Store
from surveys.models import Survey, Touchpoint

PERMISSION = "actions.manage_rules"

# How far back the rule list counts opened tasks (and the preview looks).
RECENT_DAYS = 30


class InvalidDefinition(ValueError):
    """The rule's conditions do not fit its kind; `errors` are translated messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


# -- access ----------------------------------------------------------------------------------


def _require(user: User) -> None:
    if not user.has_perm(PERMISSION):
        raise PermissionDenied


def access_rule(user: User, code: UUID, *, write: bool = False) -> TriggerRule:
    """The rule `code` with its plan and scope if `user` manages rules; 403 otherwise (checked
    first), 404 if unknown. Reading and writing need the same permission."""
    _require(user)
    rule = (
        TriggerRule.objects.select_related("plan", "survey", "touchpoint", "store", "region")
        .filter(code=code)
        .first()
    )
    if rule is None:
        raise Http404
    return rule


def access_plan(user: User, code: UUID, *, write: bool = False) -> ActionPlan:
    """The action plan `code` if `user` manages rules; 403 otherwise, 404 if unknown."""
    _require(user)
    plan = ActionPlan.objects.filter(code=code).first()
    if plan is None:
        raise Http404
    return plan


def access_root_cause(user: User, code: UUID, *, write: bool = False) -> RootCause:
    """The root cause `code` if `user` manages rules; 403 otherwise, 404 if unknown."""
    _require(user)
    cause = RootCause.objects.filter(code=code).first()
    if cause is None:
        raise Http404
    return cause


def access_webhook(user: User, code: UUID, *, write: bool = False) -> WebhookEndpoint:
    """The webhook endpoint `code` if `user` manages rules; 403 otherwise, 404 if unknown."""
    _require(user)
    endpoint = WebhookEndpoint.objects.filter(code=code).first()
    if endpoint is None:
        raise Http404
    return endpoint


# -- reads -----------------------------------------------------------------------------------


def rule_list(*, now: datetime | None = None) -> QuerySet[TriggerRule]:
    """Every rule with its plan and scope, and `recent_tasks`: tasks opened in the last
    `RECENT_DAYS` days (one query)."""
    since = (now or timezone.now()) - timedelta(days=RECENT_DAYS)
    return TriggerRule.objects.select_related(
        "plan", "survey", "touchpoint", "store", "region"
    ).annotate(recent_tasks=Count("tasks", filter=Q(tasks__created_at__gte=since)))


def recent_task_count(rule: TriggerRule, *, now: datetime | None = None) -> int:
    since = (now or timezone.now()) - timedelta(days=RECENT_DAYS)
    return rule.tasks.filter(created_at__gte=since).count()


def plan_list() -> QuerySet[ActionPlan]:
    """Every plan with its owners and `rule_count`."""
    return ActionPlan.objects.select_related("owner", "fallback_owner").annotate(
        rule_count=Count("rules", distinct=True)
    )


def root_cause_list() -> QuerySet[RootCause]:
    """Every root cause with `task_count` (how many tasks were resolved with it)."""
    return RootCause.objects.annotate(task_count=Count("tasks"))


def webhook_list() -> QuerySet[WebhookEndpoint]:
    """Every endpoint with `plan_count` (plans that notify it)."""
    return WebhookEndpoint.objects.annotate(plan_count=Count("plans", distinct=True))


def webhook_deliveries(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery log, newest first, with each attempt's notification and task."""
    return (
        WebhookDelivery.objects.filter(notification__endpoint=endpoint)
        .select_related("notification__task")
        .order_by("-at", "-id")
    )


# -- trigger rules ---------------------------------------------------------------------------

# The fields a version freezes, in the order the versions page lists changes.
SNAPSHOT_FIELDS = (
    "name",
    "kind",
    "plan",
    "definition",
    "survey",
    "touchpoint",
    "store",
    "region",
    "holdout_percent",
    "is_enabled",
)


def _ref(obj: Any, *, name: str = "name") -> dict[str, str] | None:
    # A related object by its public code and its name at the time: the name keeps the
    # versions page readable after the object is renamed or deleted.
    if obj is None:
        return None
    return {"code": str(obj.code), "name": str(getattr(obj, name))}


def rule_snapshot(rule: TriggerRule) -> dict[str, Any]:
    """The rule as saved, JSON-safe: what a `TriggerRuleVersion` keeps."""
    return {
        "name": rule.name,
        "kind": rule.kind,
        "plan": _ref(rule.plan, name="title"),
        "definition": rule.definition,
        "survey": _ref(rule.survey),
        "touchpoint": _ref(rule.touchpoint),
        "store": _ref(rule.store),
        "region": _ref(rule.region),
        "holdout_percent": rule.holdout_percent,
        "is_enabled": rule.is_enabled,
    }


def _essence(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    # What makes two snapshots the same rule: related objects by code, not by their names.
    if snapshot is None:
        return None
    return {
        key: value["code"] if isinstance(value, dict) and "code" in value else value
        for key, value in snapshot.items()
    }


def rule_scope_problems(rule: TriggerRule) -> list[str]:
    """Why the rule's scope can never match (translated); empty when it can. Rules saved
    before scopes were checked may have one; they cannot be enabled until edited."""
    scope = {name: getattr(rule, f"{name}_id") for name in SCOPE_FIELDS}
    return list(scope_problems(rule.kind, rule.definition, scope).values())


def _check(rule: TriggerRule) -> None:
    errors = [*validate_definition(rule.kind, rule.definition), *rule_scope_problems(rule)]
    if errors:
        raise InvalidDefinition(errors)


def _write_version(rule: TriggerRule, by: User | None) -> TriggerRuleVersion:
    return TriggerRuleVersion.objects.create(
        rule=rule, number=rule.version, snapshot=rule_snapshot(rule), changed_by=by
    )


def create_rule(
    *,
    by: User | None,
    name: str,
    kind: str,
    plan: ActionPlan,
    definition: dict[str, Any],
    survey: Survey | None = None,
    touchpoint: Touchpoint | None = None,
    store: Store | None = None,
    region: Region | None = None,
    holdout_percent: int = 0,
    is_enabled: bool = False,
) -> TriggerRule:
    """A new rule (disabled unless asked) and its version 1. Raises `InvalidDefinition`."""
    rule = TriggerRule(
        name=name,
        kind=kind,
        plan=plan,
        definition=definition,
        survey=survey,
        touchpoint=touchpoint,
        store=store,
        region=region,
        holdout_percent=holdout_percent,
        is_enabled=is_enabled,
        version=1,
    )
    _check(rule)
    with transaction.atomic():
        rule.save(force_insert=True)
        _write_version(rule, by)
    return rule


# The fields `update_rule` may change; the kind is fixed when a rule is created (its tasks
# and versions were written under it).
EDITABLE_FIELDS = (
    "name",
    "plan",
    "definition",
    "survey",
    "touchpoint",
    "store",
    "region",
    "holdout_percent",
)


def _save_new_version(rule: TriggerRule, by: User | None, fields: list[str]) -> bool:
    """Within the caller's transaction, holding the rule's row lock: bump the version and
    freeze it, unless nothing changed."""
    previous = rule.versions.order_by("-number").values_list("snapshot", flat=True).first()
    if _essence(previous) == _essence(rule_snapshot(rule)):
        return False
    rule.version += 1
    rule.save(update_fields=[*fields, "version", "updated_at"])
    _write_version(rule, by)
    return True


def update_rule(*, rule: TriggerRule, by: User | None, **changes: Any) -> bool:
    """Save `changes` (any of `EDITABLE_FIELDS`) as the rule's next version; False (and no
    version) when they change nothing. Concurrent saves are serialised by the row lock, so
    version numbers never collide. Raises `InvalidDefinition`."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        locked = TriggerRule.objects.select_for_update().get(pk=rule.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        _check(locked)
        changed = _save_new_version(locked, by, list(changes))
    _refresh(rule, locked)
    return changed


def set_rule_enabled(*, rule: TriggerRule, by: User | None, enabled: bool) -> bool:
    """Enable or disable the rule as a new version; False when it already was. Idempotent."""
    with transaction.atomic():
        locked = TriggerRule.objects.select_for_update().get(pk=rule.pk)
        if locked.is_enabled == enabled:
            changed = False
        else:
            if enabled:
                # A rule saved before validation tightened must not start firing invalid.
                _check(locked)
            locked.is_enabled = enabled
            changed = _save_new_version(locked, by, ["is_enabled"])
    _refresh(rule, locked)
    return changed


def _refresh(rule: TriggerRule, saved: TriggerRule) -> None:
    for name in (*SNAPSHOT_FIELDS, "version", "updated_at"):
        setattr(rule, name, getattr(saved, name))


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class VersionRow:
    version: TriggerRuleVersion
    changes: list[Change]
    first: bool


def version_rows(rule: TriggerRule) -> list[VersionRow]:
    """The rule's versions, newest first, each with what changed against the one before (the
    first version lists every field as set)."""
    versions = list(rule.versions.select_related("changed_by").order_by("number"))
    rows: list[VersionRow] = []
    before: dict[str, Any] = {}
    for version in versions:
        after = version.snapshot
        old, new = _essence(before) or {}, _essence(after) or {}
        changes = [
            Change(field, before.get(field), after.get(field))
            for field in SNAPSHOT_FIELDS
            if not before or old.get(field) != new.get(field)
        ]
        rows.append(VersionRow(version, changes, first=not before))
        before = after
    rows.reverse()
    return rows


# -- action plans ----------------------------------------------------------------------------

PLAN_FIELDS = (
    "title",
    "instructions",
    "checklist",
    "routing",
    "owner",
    "fallback_owner",
    "sla_hours",
    "severity",
    "notify_email",
    "recovery_survey",
    "reassign_on_breach",
    "is_active",
)


def create_plan(*, webhooks: list[WebhookEndpoint] | None = None, **fields: Any) -> ActionPlan:
    """A new action plan from `PLAN_FIELDS` and the endpoints it notifies."""
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"unknown plan fields: {sorted(unknown)}")
    with transaction.atomic():
        plan = ActionPlan.objects.create(**fields)
        plan.webhooks.set(webhooks or [])
    return plan


def update_plan(
    *, plan: ActionPlan, webhooks: list[WebhookEndpoint] | None = None, **fields: Any
) -> ActionPlan:
    """Save the plan's fields. Open tasks keep the checklist and SLA they were opened with."""
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"unknown plan fields: {sorted(unknown)}")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(plan, name, value)
        plan.save(update_fields=[*fields, "updated_at"])
        if webhooks is not None:
            plan.webhooks.set(webhooks)
    return plan


# -- root causes -----------------------------------------------------------------------------


def create_root_cause(
    *, key: str, label_ko: str, label_en: str, is_active: bool = True
) -> RootCause:
    return RootCause.objects.create(
        key=key, label_ko=label_ko, label_en=label_en, is_active=is_active
    )


def update_root_cause(
    *, cause: RootCause, key: str, label_ko: str, label_en: str, is_active: bool
) -> RootCause:
    cause.key, cause.label_ko, cause.label_en, cause.is_active = key, label_ko, label_en, is_active
    cause.save(update_fields=["key", "label_ko", "label_en", "is_active"])
    return cause


def retire_root_cause(*, cause: RootCause) -> bool:
    """Delete a root cause no task used; deactivate one that tasks used (their history keeps
    it). True when it was deleted, False when deactivated. Idempotent."""
    with transaction.atomic():
        locked = RootCause.objects.select_for_update().filter(pk=cause.pk).first()
        if locked is None:
            return True
        if not locked.tasks.exists():
            locked.delete()
            return True
        RootCause.objects.filter(pk=cause.pk).update(is_active=False)
    cause.is_active = False
    return False


# -- webhook endpoints -----------------------------------------------------------------------


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


def create_webhook(*, name: str, url: str) -> WebhookEndpoint:
    """A new active endpoint with a fresh signing secret; the caller shows the secret once."""
    return WebhookEndpoint.objects.create(name=name, url=url, secret=new_webhook_secret())


def update_webhook(
    *, endpoint: WebhookEndpoint, name: str, url: str, is_active: bool
) -> WebhookEndpoint:
    endpoint.name, endpoint.url, endpoint.is_active = name, url, is_active
    endpoint.save(update_fields=["name", "url", "is_active"])
    return endpoint


def deactivate_webhook(*, endpoint: WebhookEndpoint) -> bool:
    """Stop sending to the endpoint (its log and plans' links stay). False if already off."""
    done = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(is_active=False)
    endpoint.is_active = False
    return bool(done)
