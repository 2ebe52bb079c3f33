"""The response explorer's filter form: the query string of the explorer page, its exports
and the export runs that re-read it in a job."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from cxm.forms import validate_filter_date
from odata.models import Store
from surveys.models import Survey, Touchpoint
from xdata.selectors import ExplorerFilters, Source

SOURCE_CHOICES = [
    (Source.ALL, _("Surveys and other channels")),
    (Source.SURVEYS, _("Surveys")),
    (Source.FEEDBACK, _("Other channels")),
]
SCORE_CHOICES = [
    ("", _("Any score")),
    ("nps_promoter", _("NPS promoters (9-10)")),
    ("nps_passive", _("NPS passives (7-8)")),
    ("nps_detractor", _("NPS detractors (0-6)")),
    ("csat_high", _("CSAT 4-5")),
    ("csat_mid", _("CSAT 3")),
    ("csat_low", _("CSAT 1-2")),
    # The stars of feedback from other channels (reviews): survey responses have no such
    # rating, a store-visit survey's rating counts as CSAT.
    ("rating_high", _("Review rating 4-5")),
    ("rating_mid", _("Review rating 3")),
    ("rating_low", _("Review rating 1-2")),
]
COMMENT_CHOICES = [
    ("", _("With or without")),
    ("yes", _("With a comment")),
    ("no", _("No comment")),
]


class ExplorerFilterForm(forms.Form):
    """The explorer's query string; bad values are left out of the filter (and reported by
    `ignored`), so a stale bookmark still opens. The fields' labels are the filter bar's, and
    name the filters that were not applied."""

    ignored: list[str]
    named: dict[str, Any]

    source = forms.ChoiceField(label=_("Source"), choices=SOURCE_CHOICES, required=False)
    survey = forms.UUIDField(label=_("Survey"), required=False)
    touchpoint = forms.UUIDField(label=_("Touchpoint"), required=False)
    store = forms.UUIDField(label=_("Store"), required=False)
    date_from = forms.DateField(
        label=_("Date from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_filter_date],
    )
    date_to = forms.DateField(
        label=_("Date to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_filter_date],
    )
    score = forms.ChoiceField(label=_("Score"), choices=SCORE_CHOICES, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any language")), *settings.LANGUAGES], required=False
    )
    has_comment = forms.ChoiceField(label=_("Comment"), choices=COMMENT_CHOICES, required=False)
    q = forms.CharField(
        label=_("Search comments"),
        required=False,
        max_length=100,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def filters(self) -> ExplorerFilters:
        """The valid fields as filters (one query per survey, touchpoint or store named).
        Fields whose value is not valid, or names nothing, are left out and listed in
        `ignored` (their labels), so the page can say so and an export can refuse."""
        self.is_valid()
        data: dict[str, Any] = {
            name: value for name, value in self.cleaned_data.items() if name not in self.errors
        }
        self.ignored = [name for name in self.fields if name in self.errors]
        named = {}
        for name, model in (("survey", Survey), ("touchpoint", Touchpoint), ("store", Store)):
            named[name] = _by_code(model, data.get(name))
            if data.get(name) is not None and named[name] is None:
                self.ignored.append(name)
        self.ignored.sort(key=list(self.fields).index)
        self.named = named
        comment = data.get("has_comment") or ""
        return ExplorerFilters(
            source=data.get("source") or Source.ALL,
            survey=named["survey"],
            touchpoint=named["touchpoint"],
            store=named["store"],
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            score=data.get("score") or "",
            language=data.get("language") or "",
            has_comment={"yes": True, "no": False}.get(comment),
            q=data.get("q") or "",
        )

    def described(self) -> list[tuple[str, str]]:
        """The applied filter in words, (label, value) per field that narrows it; call after
        `filters`."""
        words = []
        for name, field in self.fields.items():
            if name in self.ignored:
                continue
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if name in self.named:
                shown = str(self.named[name])
            elif isinstance(field, forms.ChoiceField):
                # Flat (value, label) choices here; the stubs allow grouped ones too.
                shown = str(dict(field.choices).get(value, value))  # type: ignore[arg-type]
            else:
                shown = str(formats.localize(value))
            words.append((str(field.label), shown))
        return words


def _by_code(model: Any, code: UUID | None) -> Any:
    return model.objects.filter(code=code).first() if code is not None else None
