from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from odata.importing import required
from odata.importing.required import Missing, ValueRefused, check_constants, missing_fields
from odata.importing.spec import SPECS
from odata.models import ImportKind, ImportMode, MappingPreset

ENCODING_CHOICES = [
    ("auto", _("Detect automatically")),
    ("utf-8", "UTF-8"),
    ("cp949", _("CP949 / EUC-KR (Korean Excel)")),
]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("File (CSV or Excel .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )
    mode = forms.ChoiceField(
        label=_("When some rows are wrong"),
        choices=ImportMode.choices,
        initial=ImportMode.STRICT,
        widget=forms.RadioSelect,
    )
    encoding = forms.ChoiceField(label=_("Text encoding"), choices=ENCODING_CHOICES)
    preset = forms.ModelChoiceField(
        label=_("Saved column matching"),
        queryset=MappingPreset.objects.all(),
        required=False,
        empty_label=_("Match columns automatically"),
        help_text=_("Header names in English or Korean are matched automatically."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        preset = data.get("preset")
        if preset is not None and preset.kind != data.get("kind"):
            self.add_error("preset", _("This saved matching is for another kind of file."))
        return data


IGNORE = ""


class MappingForm(forms.Form):
    """One select per column of the file: which field it holds, or none. A required field
    that no column was recognised for and that takes one of a few fixed values (an order's
    channel) may instead take one value for every row. What is missing is decided by
    `missing_fields`, for the page's introduction (on the proposed matching) and for `clean`
    (on the submitted one) alike."""

    save_as = forms.CharField(
        label=_("Save this matching as"),
        max_length=100,
        required=False,
        help_text=_("Give it a name to reuse it for the next file from the same system."),
    )

    def __init__(self, *args: Any, kind: str, headers: list[str], initial_mapping: dict[str, str],
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.spec = SPECS[kind]
        self.headers = [h for h in headers if h]
        self.recognised = initial_mapping
        choices = [(IGNORE, _("— not imported —"))] + [
            (f.name, f"{f.label}{' *' if f.required else ''}") for f in self.spec.fields
        ]
        for index, header in enumerate(self.headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header,
                choices=choices,
                required=False,
                initial=initial_mapping.get(header, IGNORE),
            )
        # What the proposed matching leaves missing, as the page first shows it.
        self.missing = missing_fields(
            self.spec, headers=self.headers, mapping=initial_mapping, recognised=initial_mapping
        )
        # Every field that may take one value has its select; the page shows those the matching
        # leaves missing (the proposed one, then the submitted one) and those given a value.
        one_value = required.one_value_fields(self.spec)
        self.one_value_names = [f.name for f in one_value]
        self.shown_values = {f.name for f in self.missing.takes_one_value}
        for f in one_value:
            # Checked in clean by check_constants, as the command and the service check it.
            self.fields[f"value_{f.name}"] = forms.CharField(
                label=str(f.label),
                required=False,
                widget=forms.Select(choices=[(IGNORE, _("— choose a value —")), *f.values]),
            )
            if self.data.get(f"value_{f.name}", IGNORE) != IGNORE:
                self.shown_values.add(f.name)

    @property
    def absent_names(self) -> str:
        """The required fields the file has no column for (every column was recognised)."""
        return ", ".join(
            str(f.label) for f in self.missing.fields if f.name in self.missing.without_column
        )

    @property
    def absent_all_take_one_value(self) -> bool:
        return not self.missing.new_column

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"col_{i}"] for i in range(len(self.headers))]

    def one_value_fields(self) -> list[forms.BoundField]:
        return [self[f"value_{name}"] for name in self.one_value_names if name in self.shown_values]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mapping: dict[str, str] = {}
        seen: dict[str, str] = {}
        for index, header in enumerate(self.headers):
            name = data.get(f"col_{index}") or IGNORE
            if name == IGNORE:
                continue
            if name in seen:
                self.add_error(
                    f"col_{index}",
                    _("“%(other)s” already holds this field.") % {"other": seen[name]},
                )
            seen[name] = header
            mapping[header] = name
        constants: dict[str, str] = {}
        for name in self.one_value_names:
            value = (data.get(f"value_{name}") or IGNORE).strip()
            if value == IGNORE:
                continue
            if name in seen:
                self.add_error(
                    f"value_{name}",
                    _("“%(other)s” already holds this field.") % {"other": seen[name]},
                )
                continue
            try:
                constants.update(check_constants(self.spec, {name: value}))
            except ValueRefused as refused:
                self.add_error(f"value_{name}", refused.message)
        missing = missing_fields(
            self.spec,
            headers=self.headers,
            mapping=mapping,
            recognised=self.recognised,
            # A refused value is reported on its own field, not again as missing.
            constants=[
                *constants,
                *(n for n in self.one_value_names if self.has_error(f"value_{n}")),
            ],
        )
        if missing:
            self.shown_values.update(f.name for f in missing.takes_one_value)
            raise forms.ValidationError(missing_messages(missing))
        data["mapping"] = mapping
        data["constants"] = constants
        return data


def missing_messages(missing: Missing) -> list[str]:
    """What the column matching page asks for, one sentence per group of missing fields."""
    messages = []
    for fields, template in (
        (missing.to_choose, _("Choose a column for: %(names)s.")),
        (
            missing.to_choose_or_one_value,
            _("Choose a column or one value for every row for: %(names)s."),
        ),
        (
            missing.one_value_or_new_column,
            _(
                "The file has no column for: %(names)s. Choose one value for every row, "
                "or add the column to the file and upload it again."
            ),
        ),
        (
            missing.new_column,
            _(
                "The file has no column for: %(names)s. "
                "Add the column to the file and upload it again."
            ),
        ),
    ):
        if fields:
            messages.append(str(template) % {"names": ", ".join(str(f.label) for f in fields)})
    return messages
