"""Forms of the loop's admin pages. They validate and convert (a rule form builds the rule's
`definition` from plain fields); the services in `actions.services.rules` act."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from actions.conditions import (
    FIELDS,
    MAX_CONDITIONS,
    METRICS,
    OPERATIONAL_EVENTS,
    OPS,
    SCOPE_FIELDS,
    SEGMENT_KINDS,
    condition_error,
    condition_problem,
    scope_problems,
    validate_definition,
)
from actions.models import ActionPlan, RootCause, Severity, TriggerRule, WebhookEndpoint
from actions.webhook_guard import url_refusal
from cxm.forms import UserChoiceField
from cxm.models import User
from odata.models import Region, Store
from surveys.models import Survey, Touchpoint
from surveys.questions import intent_value

# Without JavaScript the form shows this many empty condition rows beyond the saved ones;
# "Add a condition" re-renders the form with one more.
SPARE_ROWS = 1
MIN_ROWS = 3


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.title)


def _active_users() -> Any:
    return User.objects.filter(is_active=True).order_by("name", "username")


def _with_current(queryset: Any, current: Any) -> Any:
    # An inactive or archived object stays selectable for the row that already uses it.
    if current is None:
        return queryset
    return queryset | queryset.model.objects.filter(pk=current.pk)


# -- trigger rules ---------------------------------------------------------------------------

_TRUE = {"yes", "true", "1", "y", "예", "네", "참"}
_FALSE = {"no", "false", "0", "n", "아니오", "아니요", "거짓"}
# Korean keyboards also type the full-width comma and the ideographic comma.
_WORD_SPLIT = re.compile(r"\s*[,\uff0c\u3001\n]\s*")


def _parse_value(field: str, raw: str) -> Any:
    """The condition value typed in the row, as the definition stores it. Values that do not
    parse are passed on as typed, and `validate_definition` says what is wrong with them."""
    spec = FIELDS[field]
    text = raw.strip()
    if spec.type in ("int", "money"):
        digits = text.replace(",", "").replace("_", "").replace(" ", "")
        try:
            return int(digits)
        except ValueError:
            return text or None
    if field == "intent":
        return intent_value(text) or text
    if spec.type == "choice":
        folded = text.casefold()
        for key, label in spec.choices:
            if folded in (key, str(label).casefold()):
                return key
        return text
    if spec.type == "words":
        return [word for word in _WORD_SPLIT.split(text) if word]
    if spec.type == "bool":
        folded = text.casefold()
        if folded in _TRUE or not folded:
            return True  # "is": a yes/no fact is usually tested for being so
        if folded in _FALSE:
            return False
        return text
    return text


def _value_text(field: str, value: Any) -> str:
    spec = FIELDS.get(field)
    if spec is None:
        return ""
    if spec.type == "words" and isinstance(value, list):
        return ", ".join(str(word) for word in value)
    if spec.type == "bool":
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _op_for(field: str, op: str) -> str:
    """The comparison the field allows: a field with one comparison needs no choice, and "is"
    means `eq` for answers and `is` for yes/no facts."""
    ops = FIELDS[field].ops
    if len(ops) == 1 and (not op or op in ("eq", "is")):
        return ops[0]
    return op


class RuleForm(forms.Form):
    """A trigger rule of one kind: its name, plan, scope and holdout, plus the kind's own
    fields, from which `clean` builds `definition`."""

    name = forms.CharField(label=_("Name"), max_length=200)
    plan = PlanChoiceField(
        label=_("Action plan"),
        queryset=ActionPlan.objects.none(),
        empty_label=_("Choose an action plan"),
    )
    survey = forms.ModelChoiceField(
        label=_("Only for the survey"),
        queryset=Survey.objects.none(),
        required=False,
        empty_label=_("Every survey"),
    )
    touchpoint = forms.ModelChoiceField(
        label=_("Only for the touchpoint"),
        queryset=Touchpoint.objects.none(),
        required=False,
        empty_label=_("Every touchpoint"),
    )
    region = forms.ModelChoiceField(
        label=_("Only in the region"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("Every region"),
    )
    store = forms.ModelChoiceField(
        label=_("Only at the store"),
        queryset=Store.objects.none(),
        required=False,
        empty_label=_("Every store"),
    )
    holdout_percent = forms.IntegerField(
        label=_("Holdout (%)"),
        min_value=0,
        max_value=50,
        initial=0,
        help_text=_(
            "This share of triggered customers gets no task and is kept as a control group, "
            "to measure what following up changes. 0 for none; at most 50."
        ),
    )

    # Per response
    match = forms.ChoiceField(
        label=_("Open a task when"),
        choices=[
            ("all", _("all of the conditions hold (AND)")),
            ("any", _("any of the conditions holds (OR)")),
        ],
        widget=forms.RadioSelect,
        initial="all",
    )
    # Operational
    event = forms.ChoiceField(label=_("Event"), choices=list(OPERATIONAL_EVENTS.items()))
    min_days = forms.IntegerField(
        label=_("Days late, at least"), min_value=1, max_value=365, required=False, initial=2
    )
    min_count = forms.IntegerField(
        label=_("Complaints, at least"), min_value=2, max_value=100, required=False, initial=2
    )
    within_days = forms.IntegerField(
        label=_("Within (days)"), min_value=1, max_value=365, required=False, initial=30
    )
    # Aggregate
    metric = forms.ChoiceField(label=_("Metric"), choices=list(METRICS.items()))
    segment_kind = forms.ChoiceField(label=_("Per"), choices=list(SEGMENT_KINDS.items()))
    below = forms.FloatField(
        label=_("Falls below"),
        required=False,
        help_text=_("Leave empty to trigger on a significant drop only."),
    )
    min_n = forms.IntegerField(
        label=_("Minimum answers (n)"), min_value=1, max_value=1_000_000, required=False, initial=30
    )
    significant_drop = forms.BooleanField(
        label=_(
            "Or drops significantly against the previous period (after false-discovery control)"
        ),
        required=False,
    )

    KIND_FIELDS = {
        TriggerRule.Kind.RESPONSE: ("match",),
        TriggerRule.Kind.OPERATIONAL: ("event", "min_days", "min_count", "within_days"),
        TriggerRule.Kind.AGGREGATE: (
            "metric",
            "segment_kind",
            "below",
            "min_n",
            "significant_drop",
        ),
    }

    def __init__(
        self,
        data: Any = None,
        *,
        kind: str,
        rule: TriggerRule | None = None,
        rows: int | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        """`initial` replaces the rule's values, e.g. to redisplay typed values unvalidated."""
        self.kind = kind
        if initial is None:
            initial = self.initial_for(rule) if rule is not None else {}
        conditions = initial.pop("_conditions", [])
        if rows is None:
            rows = self.rows_in(data) if data is not None else len(conditions) + SPARE_ROWS
        self.rows = max(MIN_ROWS, min(MAX_CONDITIONS, rows))
        for index, condition in enumerate(conditions[: self.rows]):
            initial[f"c{index}_field"] = condition.get("field", "")
            initial[f"c{index}_op"] = condition.get("op", "")
            initial[f"c{index}_value"] = _value_text(
                condition.get("field", ""), condition.get("value")
            )
        super().__init__(data, initial=initial)
        for name in {n for names in self.KIND_FIELDS.values() for n in names}:
            if name not in self.KIND_FIELDS[TriggerRule.Kind(kind)]:
                del self.fields[name]
        self._scope_querysets(rule)
        if kind == TriggerRule.Kind.RESPONSE:
            self._condition_fields()

    def _scope_querysets(self, rule: TriggerRule | None) -> None:
        fields: dict[str, Any] = self.fields
        fields["plan"].queryset = _with_current(
            ActionPlan.objects.filter(is_active=True), rule.plan if rule else None
        ).order_by("title")
        fields["survey"].queryset = _with_current(
            Survey.objects.exclude(status=Survey.Status.ARCHIVED), rule.survey if rule else None
        ).order_by("name")
        fields["touchpoint"].queryset = _with_current(
            Touchpoint.objects.filter(is_active=True), rule.touchpoint if rule else None
        ).order_by("name")
        fields["region"].queryset = Region.objects.order_by("name")
        fields["store"].queryset = _with_current(
            Store.objects.filter(is_active=True), rule.store if rule else None
        ).order_by("name")

    def _condition_fields(self) -> None:
        field_choices = [("", "—"), *((key, spec.label) for key, spec in FIELDS.items())]
        # "is" and "eq" read the same; one entry, mapped per field by `_op_for`.
        op_choices = [("", "—"), *((key, label) for key, label in OPS.items() if key != "is")]
        for index in range(self.rows):
            self.fields[f"c{index}_field"] = forms.ChoiceField(
                label=_("Field"), choices=field_choices, required=False
            )
            self.fields[f"c{index}_op"] = forms.ChoiceField(
                label=_("Comparison"), choices=op_choices, required=False
            )
            self.fields[f"c{index}_value"] = forms.CharField(
                label=_("Value"), max_length=1000, required=False
            )

    @staticmethod
    def rows_in(data: Any) -> int:
        try:
            return int(data.get("rows", MIN_ROWS))
        except (TypeError, ValueError):
            return MIN_ROWS

    @property
    def condition_rows(self) -> list[tuple[int, Any, Any, Any]]:
        """(number, field, comparison, value) bound fields per row, for the template."""
        return [
            (index + 1, self[f"c{index}_field"], self[f"c{index}_op"], self[f"c{index}_value"])
            for index in range(self.rows)
            if f"c{index}_field" in self.fields
        ]

    @property
    def kind_fields(self) -> list[Any]:
        return [self[name] for name in self.KIND_FIELDS[TriggerRule.Kind(self.kind)]]

    @property
    def can_add_row(self) -> bool:
        return self.kind == TriggerRule.Kind.RESPONSE and self.rows < MAX_CONDITIONS

    @staticmethod
    def initial_for(rule: TriggerRule) -> dict[str, Any]:
        definition = rule.definition or {}
        initial: dict[str, Any] = {
            "name": rule.name,
            "plan": rule.plan_id,
            "survey": rule.survey_id,
            "touchpoint": rule.touchpoint_id,
            "region": rule.region_id,
            "store": rule.store_id,
            "holdout_percent": rule.holdout_percent,
        }
        if rule.kind == TriggerRule.Kind.RESPONSE:
            initial["match"] = definition.get("match", "all")
            conditions = definition.get("conditions") or []
            initial["_conditions"] = [c for c in conditions if isinstance(c, dict)]
        else:
            initial.update({k: v for k, v in definition.items() if k != "conditions"})
        return initial

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def _response_definition(self, data: dict[str, Any]) -> dict[str, Any]:
        """The definition from the rows that are filled and valid. Each refused row's problem
        is shown on that row, numbered as the admin sees it (empty rows are skipped, so the
        definition's own numbering could name another row)."""
        conditions = []
        for index in range(self.rows):
            field = data.get(f"c{index}_field") or ""
            op = data.get(f"c{index}_op") or ""
            raw = data.get(f"c{index}_value") or ""
            if not field:
                if raw.strip() or op:
                    # A half-filled row is refused, never dropped: the admin meant something.
                    missing = (
                        _("choose the field this value is for.")
                        if raw.strip()
                        else _("choose the field this comparison is for.")
                    )
                    self.add_error(f"c{index}_field", condition_error(index + 1, str(missing)))
                continue
            condition = {
                "field": field,
                "op": _op_for(field, op),
                "value": _parse_value(field, raw),
            }
            problem = condition_problem(condition)
            if problem is not None:
                part, message = problem
                self.add_error(f"c{index}_{part}", condition_error(index + 1, message))
                continue
            conditions.append(condition)
        return {"match": data.get("match") or "all", "conditions": conditions}

    @property
    def condition_errors(self) -> list[str]:
        """The condition rows' errors in row order (each names its row), for the preview."""
        names = [f"c{i}_{part}" for i in range(self.rows) for part in ("field", "op", "value")]
        return [str(error) for name in names for error in self.errors.get(name, [])]

    def _operational_definition(self, data: dict[str, Any]) -> dict[str, Any]:
        event = data.get("event") or ""
        if event == "delivery_late":
            return {"event": event, "min_days": data.get("min_days")}
        return {
            "event": event,
            "within_days": data.get("within_days"),
            "min_count": data.get("min_count"),
        }

    def _aggregate_definition(self, data: dict[str, Any]) -> dict[str, Any]:
        below = data.get("below")
        if below is not None and float(below).is_integer():
            below = int(below)
        return {
            "metric": data.get("metric") or "",
            "segment_kind": data.get("segment_kind") or "",
            "below": below,
            "min_n": data.get("min_n"),
            "significant_drop": bool(data.get("significant_drop")),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.kind == TriggerRule.Kind.RESPONSE:
            definition = self._response_definition(data)
        elif self.kind == TriggerRule.Kind.OPERATIONAL:
            definition = self._operational_definition(data)
        else:
            definition = self._aggregate_definition(data)
        errors = validate_definition(self.kind, definition)
        if definition.get("conditions") == [] and self.condition_errors:
            errors = []  # the refused rows say what to fix; "add a condition" would contradict
        for error in errors:
            self.add_error(None, error)
        store, region = data.get("store"), data.get("region")
        if store is not None and region is not None and store.region_id != region.pk:
            self.add_error("store", _("This store is not in the chosen region."))
        scope = {name: data.get(name) for name in SCOPE_FIELDS}
        for name, problem in scope_problems(self.kind, definition, scope).items():
            self.add_error(name, problem)
        data["definition"] = definition
        return data

    def rule_fields(self) -> dict[str, Any]:
        """The cleaned values as the rule services take them."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "plan": data["plan"],
            "definition": data["definition"],
            "survey": data.get("survey"),
            "touchpoint": data.get("touchpoint"),
            "store": data.get("store"),
            "region": data.get("region"),
            "holdout_percent": data["holdout_percent"],
        }


# -- action plans ----------------------------------------------------------------------------


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    instructions = forms.CharField(
        label=_("Instructions"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("What the owner should do and say; shown on every task of this plan."),
    )
    checklist = forms.CharField(
        label=_("Checklist"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("One step a line. Each task gets its own copy to tick off."),
    )
    routing = forms.ChoiceField(
        label=_("Owner routing"),
        choices=ActionPlan.Routing.choices,
        widget=forms.RadioSelect,
        initial=ActionPlan.Routing.STORE_MANAGER,
    )
    owner = UserChoiceField(
        label=_("Named owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("No named owner"),
        help_text=_("Required when tasks go to a named user."),
    )
    fallback_owner = UserChoiceField(
        label=_("Fallback owner"),
        queryset=User.objects.none(),
        empty_label=_("Choose a fallback owner"),
        help_text=_(
            "Gets the task when the routing finds nobody (a store without a manager, an "
            "empty team)."
        ),
    )
    sla_hours = forms.IntegerField(
        label=_("SLA (business hours)"),
        min_value=1,
        max_value=2000,
        initial=8,
        help_text=_("Counted Monday to Friday, 09:00 to 18:00, without Korean public holidays."),
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM
    )
    notify_email = forms.BooleanField(label=_("E-mail the owner"), required=False, initial=True)
    webhooks = forms.ModelMultipleChoiceField(
        label=_("Webhooks"),
        queryset=WebhookEndpoint.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    recovery_survey = forms.ModelChoiceField(
        label=_("Recovery survey"),
        queryset=Survey.objects.none(),
        required=False,
        empty_label=_("No recovery survey"),
        help_text=_("Closing a task can send the customer this short survey."),
    )
    reassign_on_breach = forms.BooleanField(
        label=_("Reassign to the owner's manager at breach"), required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, data: Any = None, *, plan: ActionPlan | None = None) -> None:
        super().__init__(data, initial=self.initial_for(plan) if plan is not None else None)
        fields: dict[str, Any] = self.fields
        fields["owner"].queryset = _with_current(_active_users(), plan.owner if plan else None)
        fields["fallback_owner"].queryset = _with_current(
            _active_users(), plan.fallback_owner if plan else None
        )
        webhooks = WebhookEndpoint.objects.filter(is_active=True)
        if plan is not None:
            webhooks = webhooks | WebhookEndpoint.objects.filter(plans=plan)
        fields["webhooks"].queryset = webhooks.distinct().order_by("name")
        fields["recovery_survey"].queryset = _with_current(
            Survey.objects.filter(status=Survey.Status.PUBLISHED),
            plan.recovery_survey if plan else None,
        ).order_by("name")

    @staticmethod
    def initial_for(plan: ActionPlan) -> dict[str, Any]:
        return {
            "title": plan.title,
            "instructions": plan.instructions,
            "checklist": "\n".join(str(step) for step in plan.checklist or []),
            "routing": plan.routing,
            "owner": plan.owner_id,
            "fallback_owner": plan.fallback_owner_id,
            "sla_hours": plan.sla_hours,
            "severity": plan.severity,
            "notify_email": plan.notify_email,
            "webhooks": [endpoint.pk for endpoint in plan.webhooks.all()],
            "recovery_survey": plan.recovery_survey_id,
            "reassign_on_breach": plan.reassign_on_breach,
            "is_active": plan.is_active,
        }

    def clean_title(self) -> str:
        return self.cleaned_data["title"].strip()

    def clean_checklist(self) -> list[str]:
        steps = [line.strip() for line in self.cleaned_data["checklist"].splitlines()]
        steps = [step for step in steps if step]
        if len(steps) > 30:
            raise forms.ValidationError(_("A checklist can have at most 30 steps."))
        if any(len(step) > 300 for step in steps):
            raise forms.ValidationError(_("Keep each step under 300 characters."))
        return steps

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("routing") == ActionPlan.Routing.NAMED_USER and not data.get("owner"):
            self.add_error("owner", _("Choose the user who gets the tasks."))
        return data

    def plan_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["webhooks"] = list(data["webhooks"])
        return data


# -- root causes -----------------------------------------------------------------------------


class RootCauseForm(forms.Form):
    key = forms.SlugField(
        label=_("Key"),
        max_length=50,
        help_text=_("A short code for reports and exports, e.g. “late-delivery”."),
    )
    label_ko = forms.CharField(label=_("Label in Korean"), max_length=100)
    label_en = forms.CharField(label=_("Label in English"), max_length=100)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, data: Any = None, *, cause: RootCause | None = None) -> None:
        initial = None
        if cause is not None:
            initial = {
                "key": cause.key,
                "label_ko": cause.label_ko,
                "label_en": cause.label_en,
                "is_active": cause.is_active,
            }
        super().__init__(data, initial=initial)
        self.cause = cause

    def clean_key(self) -> str:
        key = self.cleaned_data["key"].strip().lower()
        taken = RootCause.objects.filter(key=key)
        if self.cause is not None:
            taken = taken.exclude(pk=self.cause.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another root cause already has this key."))
        return key

    def clean_label_ko(self) -> str:
        return self.cleaned_data["label_ko"].strip()

    def clean_label_en(self) -> str:
        return self.cleaned_data["label_en"].strip()


# -- webhook endpoints -----------------------------------------------------------------------


class WebhookForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Which system receives it, e.g. “CRM”."),
    )
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("cxm posts each task event here as JSON, signed with HMAC-SHA256."),
    )

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        refused = url_refusal(url)
        if refused is not None:
            raise forms.ValidationError(
                _(
                    "cxm does not post to %(address)s: it is not a public address. For a "
                    "receiver on your own network, the server's administrator can allow its "
                    "network with CXM_WEBHOOK_ALLOWED_NETWORKS."
                ),
                params={"address": refused},
            )
        return url


class WebhookEditForm(WebhookForm):
    is_active = forms.BooleanField(label=_("Active"), required=False)
