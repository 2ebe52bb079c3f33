"""Forms of the survey builder. They validate and convert; the services act."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from cxm.forms import UserChoiceField
from cxm.models import User
from cxm.roles import Role
from odata.models import Milestone, Store
from surveys.models import Touchpoint
from surveys.questions import (
    CHOICE_TYPES,
    CONDITION_OPS,
    OP_LABELS,
    QUESTION_TYPES,
    SCALES,
    TYPE_LABELS,
    condition_values,
    intent_value,
    text_language,
)
from surveys.services.answering import CHANNEL_PATTERN
from surveys.survey_templates import TEMPLATES

Question = dict[str, Any]


class TouchpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    owner_team = forms.ModelChoiceField(
        label=_("Owner team"),
        # Role groups (Admin, Manager, Staff) are permissions, not teams that own work.
        queryset=Group.objects.exclude(name__in=Role.values).order_by("name"),
        required=False,
        empty_label=_("No owner team"),
    )
    owner_user = UserChoiceField(
        label=_("Owner (a person)"),
        queryset=User.objects.filter(is_active=True).order_by("name", "username"),
        required=False,
        empty_label=_("No owner"),
        help_text=_("Choose a team or a person; follow-up work of this stage goes to them."),
    )
    milestone = forms.ChoiceField(
        label=_("Opened by"),
        choices=[("", _("No milestone (sent by hand or by open link)")), *Milestone.choices],
        required=False,
    )
    contact_interval_days = forms.IntegerField(
        label=_("Minimum days between invitations"),
        min_value=1,
        max_value=365,
        required=False,
        help_text=_("Leave empty to use the company-wide interval."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("owner_team") and data.get("owner_user"):
            self.add_error("owner_user", _("Choose a team or a person, not both."))
        return data

    @staticmethod
    def initial_for(touchpoint: Touchpoint) -> dict[str, Any]:
        return {
            "name": touchpoint.name,
            "description": touchpoint.description,
            "owner_team": touchpoint.owner_team_id,
            "owner_user": touchpoint.owner_user_id,
            "milestone": touchpoint.milestone,
            "contact_interval_days": touchpoint.contact_interval_days,
            "is_active": touchpoint.is_active,
        }


def _touchpoint_field(current: Touchpoint | None = None) -> forms.ModelChoiceField:
    """A survey always has a touchpoint: a new one starts on a prompt to choose (so it is not
    filed under the first touchpoint by accident), an existing one offers no empty choice."""
    queryset = Touchpoint.objects.filter(is_active=True)
    if current is not None:  # an inactive touchpoint stays selectable for its own surveys
        queryset = Touchpoint.objects.filter(is_active=True) | Touchpoint.objects.filter(
            pk=current.pk
        )
    return forms.ModelChoiceField(
        label=_("Touchpoint"),
        queryset=queryset.order_by("name"),
        empty_label=None if current is not None else _("Choose a touchpoint"),
        error_messages={"required": _("Choose a touchpoint.")},
    )


class NewSurveyForm(forms.Form):
    template = forms.ChoiceField(
        label=_("Start from"),
        choices=[("", _("An empty survey")), *((k, t.label) for k, t in TEMPLATES.items())],
        required=False,
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the template's name."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["touchpoint"] = _touchpoint_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = (data.get("name") or "").strip()
        template = data.get("template") or ""
        if not name and template:
            name = str(TEMPLATES[template].label)
        if not name:
            self.add_error("name", _("Give the survey a name, or start from a template."))
        data["name"] = name
        return data


class SurveySettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    send_on_milestone = forms.BooleanField(
        label=_("Send when the touchpoint opens"), required=False
    )
    send_delay_hours = forms.IntegerField(
        label=_("Send after (hours)"), min_value=0, max_value=24 * 30
    )
    reminder_after_days = forms.IntegerField(
        label=_("Reminder after (days)"), min_value=1, max_value=30
    )
    expires_after_days = forms.IntegerField(
        label=_("Link valid for (days)"), min_value=1, max_value=90
    )
    open_link = forms.BooleanField(
        label=_("Open link (for QR codes on receipts and tables)"),
        required=False,
        help_text=_("Anyone with the link can answer. Switching it off stops old QR codes."),
    )

    def __init__(self, *args: Any, touchpoint: Touchpoint | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The touchpoint goes second on the page, after the name.
        fields = list(self.fields.items())
        fields.insert(1, ("touchpoint", _touchpoint_field(touchpoint)))
        self.fields = dict(fields)

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        touchpoint = data.get("touchpoint")
        if data.get("send_on_milestone") and touchpoint is not None and not touchpoint.milestone:
            self.add_error(
                "send_on_milestone",
                _(
                    "“%(touchpoint)s” is not opened by an operational milestone: choose a "
                    "touchpoint that is, or switch this off."
                )
                % {"touchpoint": touchpoint.name},
            )
        reminder, expires = data.get("reminder_after_days"), data.get("expires_after_days")
        if reminder is not None and expires is not None and reminder >= expires:
            self.add_error(
                "reminder_after_days", _("The reminder must go out before the link expires.")
            )
        return data


_OPTION_SPLIT = re.compile(r"\s*\|\s*")
_NOT_KEY = re.compile(r"[^a-z0-9]+")


def options_to_text(options: list[dict[str, Any]]) -> str:
    return "\n".join(f"{o['value']} | {o['text']['ko']} | {o['text']['en']}" for o in options)


def _value_from(english: str, used: set[str], number: int) -> str:
    value = _NOT_KEY.sub("_", english.lower()).strip("_")[:32].strip("_") or f"option_{number}"
    base, n = value, 2
    while value in used:
        suffix = f"_{n}"
        value, n = base[: 32 - len(suffix)] + suffix, n + 1
    return value


def _condition_choices(earlier: list[Question]) -> list[tuple[str, str]]:
    language = text_language()
    choices = [("", str(_("Always show this question")))]
    for number, question in enumerate(earlier, start=1):
        if condition_values(question) is None:
            continue  # text answers cannot decide what comes next
        text = question.get("text", {}).get(language, "")
        short = text if len(text) <= 50 else text[:49] + "…"
        choices.append((question["key"], f"{number}. {short}"))
    return choices


class QuestionForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=list(TYPE_LABELS.items()))
    text_ko = forms.CharField(
        label=_("Question in Korean"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    text_en = forms.CharField(
        label=_("Question in English"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    options = forms.CharField(
        label=_("Options (single and multiple choice)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One option a line: Korean | English, or value | Korean | English to set the value "
            "stored for analysis (lowercase letters, digits, _)."
        ),
    )
    show_if_question = forms.ChoiceField(label=_("Show only when"), required=False)
    show_if_op = forms.ChoiceField(
        label=_("Condition"), choices=list(OP_LABELS.items()), required=False
    )
    show_if_value = forms.CharField(
        label=_("Value"),
        max_length=200,
        required=False,
        help_text=_(
            "A score (e.g. 6), an option value, or yes, no or not sure for an intent question; "
            "for “is one of”, several separated by commas."
        ),
    )

    def __init__(self, *args: Any, earlier: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.earlier = {q["key"]: q for q in earlier if isinstance(q, dict) and "key" in q}
        field = self.fields["show_if_question"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101  # narrows the type for mypy
        field.choices = _condition_choices(earlier)

    @staticmethod
    def initial_for(question: Question) -> dict[str, Any]:
        condition = question.get("show_if") or {}
        value = condition.get("value", "")
        return {
            "type": question.get("type"),
            "text_ko": question.get("text", {}).get("ko", ""),
            "text_en": question.get("text", {}).get("en", ""),
            "required": question.get("required", False),
            "options": options_to_text(question.get("options") or []),
            "show_if_question": condition.get("question", ""),
            "show_if_op": condition.get("op", "lte"),
            "show_if_value": ", ".join(str(v) for v in value) if isinstance(value, list) else value,
        }

    def _options(self, raw: str) -> list[dict[str, Any]]:
        options: list[dict[str, Any]] = []
        used: set[str] = set()
        for number, line in enumerate((ln for ln in raw.splitlines() if ln.strip()), start=1):
            parts = _OPTION_SPLIT.split(line.strip())
            if len(parts) == 3:
                value, ko, en = parts
            elif len(parts) == 2:
                ko, en = parts
                value = _value_from(en, used, number)
            else:
                self.add_error(
                    "options",
                    _("Line %(number)d: write “Korean | English” (or “value | Korean | English”).")
                    % {"number": number},
                )
                continue
            used.add(value)
            options.append({"value": value, "text": {"ko": ko, "en": en}})
        return options

    def _condition(self, data: dict[str, Any]) -> dict[str, Any] | None:
        key = data.get("show_if_question") or ""
        if not key:
            return None
        op = data.get("show_if_op") or ""
        raw = (data.get("show_if_value") or "").strip()
        if op not in CONDITION_OPS:
            self.add_error("show_if_op", _("Choose how to compare."))
            return None
        if not raw:
            self.add_error("show_if_value", _("Give the value the condition compares with."))
            return None
        is_scale = self.earlier[key].get("type") in SCALES
        is_intent = self.earlier[key].get("type") == "intent"
        items = [item.strip() for item in raw.split(",") if item.strip()] if op == "in" else [raw]
        values: list[Any] = []
        for item in items:
            if is_scale:
                try:
                    values.append(int(item))
                except ValueError:
                    self.add_error(
                        "show_if_value", _("“%(value)s” is not a whole number.") % {"value": item}
                    )
                    return None
            elif is_intent:
                value = intent_value(item)
                if value is None:
                    self.add_error(
                        "show_if_value",
                        _("“%(value)s” is not one of yes, no or not sure.") % {"value": item},
                    )
                    return None
                values.append(value)
            else:
                values.append(item)
        return {"question": key, "op": op, "value": values if op == "in" else values[0]}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("type")
        options = self._options(data.get("options") or "") if kind in CHOICE_TYPES else []
        data["question"] = {
            "type": kind if kind in QUESTION_TYPES else "",
            "required": bool(data.get("required")),
            "text": {
                "ko": (data.get("text_ko") or "").strip(),
                "en": (data.get("text_en") or "").strip(),
            },
            "options": options,
            "show_if": self._condition(data),
        }
        return data


class OpenLinkPlaceForm(forms.Form):
    """Where a printed open-link code hangs: its store and channel, both optional."""

    store = forms.ModelChoiceField(
        label=_("Store"),
        queryset=Store.objects.filter(is_active=True).order_by("name", "external_id"),
        to_field_name="external_id",
        required=False,
        empty_label=_("Any store"),
    )
    channel = forms.CharField(
        label=_("Channel"),
        required=False,
        max_length=16,
        help_text=_("A short word, such as qr_table or receipt: letters, digits, _ and -."),
    )

    def clean_channel(self) -> str:
        channel: str = self.cleaned_data["channel"]
        if channel and not CHANNEL_PATTERN.fullmatch(channel):
            raise forms.ValidationError(
                _("Use at most 16 letters, digits, _ or -, such as qr_table.")
            )
        return channel
