"""Trigger-rule definitions: their schema, validation, a readable description, and the test of
one response against a per-response rule.

A per-response definition is `{"match": "all"|"any", "conditions": [{"field", "op", "value"}]}`.
Answer fields are read from the response row; operational fields (revenue in the last 12 months,
a late delivery, an open service record) from O-Data, computed once per response and only when a
rule asks for them (`ResponseFacts`).

An operational definition is `{"event": "delivery_late", "min_days": N}` or
`{"event": "repeat_complaint", "within_days": D, "min_count": K}`.

An aggregate definition is `{"metric", "segment_kind", "below", "min_n", "significant_drop"}`,
read against the analysis app's stored segment changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from odata.models import Delivery, ServiceRecord
from odata.selectors import revenue_12m
from xdata.models import Response


@dataclass(frozen=True)
class Field:
    label: str | Promise
    type: str  # "int", "choice", "words", "money", "bool"
    ops: tuple[str, ...]
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[tuple[str, str | Promise], ...] = ()


OPS: dict[str, str | Promise] = {
    "lte": _("at most"),
    "gte": _("at least"),
    "eq": _("is"),
    "contains_any": _("contains any of"),
    "is": _("is"),
}

# A condition as one sentence per comparison, so each language can put the words in its order
# (Korean: "NPS 응답 (0-10) 6 이하").
CONDITION_SENTENCES: dict[str, str | Promise] = {
    "lte": _("%(field)s at most %(value)s"),
    "gte": _("%(field)s at least %(value)s"),
    "eq": _("%(field)s is %(value)s"),
    "contains_any": _("%(field)s contains any of %(value)s"),
    "is": _("%(field)s is %(value)s"),
}

INTENT_CHOICES = (("yes", _("Yes")), ("no", _("No")), ("unsure", _("Unsure")))

FIELDS: dict[str, Field] = {
    "nps": Field(_("NPS answer (0-10)"), "int", ("lte", "gte", "eq"), 0, 10),
    "csat": Field(_("CSAT answer (1-5)"), "int", ("lte", "gte", "eq"), 1, 5),
    "ces": Field(_("CES answer (1-7)"), "int", ("lte", "gte", "eq"), 1, 7),
    "intent": Field(_("Intent to buy again"), "choice", ("eq",), choices=INTENT_CHOICES),
    "comment": Field(_("Comment"), "words", ("contains_any",)),
    "revenue_12m": Field(_("Customer revenue, last 12 months (KRW)"), "money", ("gte", "lte"), 0),
    "delivery_late": Field(_("The order's delivery was late"), "bool", ("is",)),
    "open_service_record": Field(_("The customer has an open service record"), "bool", ("is",)),
}

OPERATIONAL_EVENTS: dict[str, str | Promise] = {
    "delivery_late": _("A delivery arrived late"),
    "repeat_complaint": _("A repeat complaint"),
}

METRICS: dict[str, str | Promise] = {
    "nps": _("NPS"),
    "csat": _("CSAT"),
    "ces": _("CES"),
    "review": _("Review rating"),
}

SEGMENT_KINDS: dict[str, str | Promise] = {
    "store": _("Store"),
    "region": _("Region"),
    "touchpoint": _("Touchpoint"),
    "survey": _("Survey"),
    "channel": _("Channel"),
}

MAX_CONDITIONS = 10
MAX_WORDS = 30


# -- validation ----------------------------------------------------------------------------------


def validate_definition(kind: str, definition: Any) -> list[str]:
    """Translated messages saying what is wrong with `definition` for a rule of `kind`; empty
    when it is valid. Forms show these; services refuse an invalid definition."""
    if not isinstance(definition, dict):
        return [gettext("The conditions are not in the expected format.")]
    if kind == "response":
        return _validate_response(definition)
    if kind == "operational":
        return _validate_operational(definition)
    if kind == "aggregate":
        return _validate_aggregate(definition)
    return [gettext("Unknown rule kind.")]


def _validate_response(definition: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    if definition.get("match", "all") not in ("all", "any"):
        errors.append(gettext("Choose whether all or any of the conditions must hold."))
    conditions = definition.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        return [*errors, gettext("Add at least one condition.")]
    if len(conditions) > MAX_CONDITIONS:
        errors.append(gettext("A rule can have at most %(n)d conditions.") % {"n": MAX_CONDITIONS})
    for number, condition in enumerate(conditions, start=1):
        problem = condition_problem(condition)
        if problem:
            errors.append(condition_error(number, problem[1]))
    return errors


def condition_error(number: int, problem: str) -> str:
    return gettext("Condition %(n)d: %(problem)s") % {"n": number, "problem": problem}


def condition_problem(condition: Any) -> tuple[str, str] | None:
    """What is wrong with one condition: the part at fault ("field", "op" or "value") and the
    message; None when it is valid."""
    if not isinstance(condition, dict):
        return "field", gettext("not in the expected format.")
    spec = FIELDS.get(condition.get("field", ""))
    if spec is None:
        return "field", gettext("choose a field.")
    if condition.get("op") not in spec.ops:
        message = gettext("this comparison does not apply to %(field)s.") % {"field": spec.label}
        return "op", message
    value = condition.get("value")
    if spec.type in ("int", "money"):
        if isinstance(value, bool) or not isinstance(value, int):
            return "value", gettext("enter a whole number.")
        if spec.minimum is not None and value < spec.minimum:
            return "value", gettext("enter a number of at least %(min)d.") % {"min": spec.minimum}
        if spec.maximum is not None and value > spec.maximum:
            return "value", gettext("enter a number of at most %(max)d.") % {"max": spec.maximum}
    elif spec.type == "choice":
        if value not in {key for key, _label in spec.choices}:
            return "value", gettext("choose one of the offered answers.")
    elif spec.type == "words":
        if (
            not isinstance(value, list)
            or not value
            or len(value) > MAX_WORDS
            or not all(isinstance(w, str) and w.strip() and len(w) <= 100 for w in value)
        ):
            return "value", gettext("enter one to %(n)d words or phrases.") % {"n": MAX_WORDS}
    elif spec.type == "bool" and not isinstance(value, bool):
        return "value", gettext("choose yes or no.")
    return None


def _positive_int(value: Any, maximum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= maximum


def _validate_operational(definition: dict[str, Any]) -> list[str]:
    event = definition.get("event")
    if event == "delivery_late":
        if not _positive_int(definition.get("min_days"), 365):
            return [gettext("Enter the minimum days late (1 to 365).")]
        return []
    if event == "repeat_complaint":
        errors = []
        if not _positive_int(definition.get("within_days"), 365):
            errors.append(gettext("Enter the window in days (1 to 365)."))
        count = definition.get("min_count")
        if not _positive_int(count, 100) or definition["min_count"] < 2:
            errors.append(gettext("Enter how many complaints (2 to 100)."))
        return errors
    return [gettext("Choose the operational event.")]


def _validate_aggregate(definition: dict[str, Any]) -> list[str]:
    errors = []
    if definition.get("metric") not in METRICS:
        errors.append(gettext("Choose the metric."))
    if definition.get("segment_kind") not in SEGMENT_KINDS:
        errors.append(gettext("Choose the segment."))
    below = definition.get("below")
    if below is not None and (isinstance(below, bool) or not isinstance(below, int | float)):
        errors.append(gettext("The threshold must be a number."))
    if not _positive_int(definition.get("min_n"), 1_000_000):
        errors.append(gettext("Enter the minimum number of answers (at least 1)."))
    drop = definition.get("significant_drop", False)
    if not isinstance(drop, bool):
        errors.append(gettext("Choose whether a significant drop triggers the rule."))
    if below is None and not drop:
        errors.append(gettext("Set a threshold, a significant drop, or both."))
    return errors


# Which scope fields an aggregate rule per segment kind can honour. The analysis app stores one
# row per segment of one kind, counting every answer of that segment (every survey, touchpoint
# and store together), so a rule per store can be narrowed to a store or a region (its stores)
# but not to one survey; to watch one survey the rule is "per survey".
AGGREGATE_SCOPES: dict[str, frozenset[str]] = {
    "store": frozenset({"store", "region"}),
    "region": frozenset({"region"}),
    "touchpoint": frozenset({"touchpoint"}),
    "survey": frozenset({"survey"}),
    "channel": frozenset(),
}

_AGGREGATE_SCOPE_MESSAGES: dict[str, str | Promise] = {
    "survey": _(
        "A rule “Per: %(segment)s” counts the answers of every survey together, so it cannot be "
        "limited to one survey. To watch one survey, choose “Per: Survey”."
    ),
    "touchpoint": _(
        "A rule “Per: %(segment)s” counts the answers of every touchpoint together, so it cannot "
        "be limited to one touchpoint. To watch one touchpoint, choose “Per: Touchpoint”."
    ),
    "store": _(
        "A rule “Per: %(segment)s” counts the answers of every store together, so it cannot be "
        "limited to one store. To watch one store, choose “Per: Store”."
    ),
    "region": _(
        "A rule “Per: %(segment)s” counts the answers of every region together, so it cannot be "
        "limited to one region. To watch one region, choose “Per: Region” or “Per: Store”."
    ),
}


# A rule's scope fields, as named on `TriggerRule` and in its form.
SCOPE_FIELDS = ("survey", "touchpoint", "store", "region")


def scope_problems(kind: str, definition: Any, scope: dict[str, Any]) -> dict[str, str]:
    """Scope fields (`survey`, `touchpoint`, `store`, `region`: set when not None) that a rule
    of `kind` cannot honour, each with a translated message; empty when the scope works. A
    scope the rule cannot honour would make it never fire, or fire outside the scope."""
    chosen = {name for name, value in scope.items() if value is not None}
    if kind == "operational" and "survey" in chosen:
        return {
            "survey": gettext(
                "An operational rule watches orders, deliveries and service records, which "
                "belong to no survey. Leave the survey empty."
            )
        }
    if kind != "aggregate" or not isinstance(definition, dict):
        return {}
    segment_kind = definition.get("segment_kind")
    if segment_kind not in AGGREGATE_SCOPES:
        return {}  # validate_definition reports the missing segment
    return {
        name: str(_AGGREGATE_SCOPE_MESSAGES[name]) % {"segment": SEGMENT_KINDS[segment_kind]}
        for name in SCOPE_FIELDS
        if name in chosen and name not in AGGREGATE_SCOPES[segment_kind]
    }


# -- description -----------------------------------------------------------------------------


def describe(kind: str, definition: dict[str, Any], language: str | None = None) -> str:
    """One readable sentence for lists and the task page ("NPS answer (0-10) at most 6 and …")."""
    with translation.override(language or translation.get_language()):
        if validate_definition(kind, definition):
            return gettext("(invalid conditions)")
        if kind == "response":
            joiner = (
                gettext(" and ") if definition.get("match", "all") == "all" else gettext(" or ")
            )
            return joiner.join(_describe_condition(c) for c in definition["conditions"])
        if kind == "operational":
            if definition["event"] == "delivery_late":
                return gettext("A delivery arrived %(days)d or more days late") % {
                    "days": definition["min_days"]
                }
            return gettext("%(count)d or more complaints within %(days)d days") % {
                "count": definition["min_count"],
                "days": definition["within_days"],
            }
        parts = []
        metric, segment = METRICS[definition["metric"]], SEGMENT_KINDS[definition["segment_kind"]]
        if definition.get("below") is not None:
            parts.append(
                gettext("%(metric)s per %(segment)s below %(below)s (n ≥ %(n)d)")
                % {
                    "metric": metric,
                    "segment": segment,
                    "below": definition["below"],
                    "n": definition["min_n"],
                }
            )
        if definition.get("significant_drop"):
            parts.append(
                gettext("%(metric)s per %(segment)s dropped significantly")
                % {"metric": metric, "segment": segment}
            )
        return gettext(" or ").join(parts)


def _describe_condition(condition: dict[str, Any]) -> str:
    spec = FIELDS[condition["field"]]
    value = condition["value"]
    if spec.type == "bool":
        return str(spec.label) if value else gettext("not: %(label)s") % {"label": spec.label}
    if spec.type == "choice":
        value = dict(spec.choices)[value]
    elif spec.type == "words":
        value = ", ".join(f"“{w}”" for w in value)
    elif spec.type == "money":
        value = f"{value:,}"
    sentence = CONDITION_SENTENCES[condition["op"]]
    return str(sentence) % {"field": spec.label, "value": value}


# -- per-response evaluation -----------------------------------------------------------------


@dataclass
class ResponseFacts:
    """The values a per-response rule can test, read lazily (each O-Data fact costs a query,
    paid once per response however many rules ask)."""

    response: Response
    _cache: dict[str, Any] = field(default_factory=dict)

    def value(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = getattr(self, f"_{name}")()
        return self._cache[name]

    def _nps(self) -> int | None:
        return self.response.nps

    def _csat(self) -> int | None:
        return self.response.csat

    def _ces(self) -> int | None:
        return self.response.ces

    def _intent(self) -> str:
        return self.response.intent

    def _comment(self) -> str:
        return self.response.comment.casefold()

    def _revenue_12m(self) -> int:
        if self.response.customer_id is None:
            return 0
        return int(revenue_12m(self.response.customer_id, at=self.response.submitted_at))

    def _delivery_late(self) -> bool:
        if self.response.order_id is None:
            return False
        # Late = delivered after the promise, or still not delivered past it.
        return (
            Delivery.objects.filter(order_id=self.response.order_id)
            .filter(
                Q(delivered_at__gt=F("promised_at"))
                | Q(delivered_at__isnull=True, promised_at__lt=self.response.submitted_at)
            )
            .exists()
        )

    def _open_service_record(self) -> bool:
        if self.response.customer_id is None:
            return False
        return ServiceRecord.objects.filter(
            customer_id=self.response.customer_id, closed_at__isnull=True
        ).exists()

    def looked_at(self) -> dict[str, Any]:
        """The facts read so far, for the task's "what fired" panel (JSON-safe)."""
        return dict(self._cache)


def _holds(condition: dict[str, Any], facts: ResponseFacts) -> bool:
    value = facts.value(condition["field"])
    op, wanted = condition["op"], condition["value"]
    if op == "contains_any":
        return any(word.strip().casefold() in value for word in wanted)
    if op == "is":
        return bool(value) is wanted
    if value is None or value == "":
        return False  # the question was not asked or not answered: no opinion, no trigger
    if op == "lte":
        return bool(value <= wanted)
    if op == "gte":
        return bool(value >= wanted)
    return bool(value == wanted)


def response_matches(definition: dict[str, Any], facts: ResponseFacts) -> bool:
    """Whether the response behind `facts` meets a (valid) per-response definition. "all"
    stops at the first failing condition and "any" at the first holding one, so operational
    facts are only queried when the answers alone do not decide."""
    conditions = definition["conditions"]
    # Answer fields first: they are free, O-Data facts cost a query.
    ordered = sorted(conditions, key=lambda c: FIELDS[c["field"]].type in ("money", "bool"))
    if definition.get("match", "all") == "any":
        return any(_holds(c, facts) for c in ordered)
    return all(_holds(c, facts) for c in ordered)
