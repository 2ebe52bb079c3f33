from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

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
    channel) may instead take one value for every row."""

    save_as = forms.CharField(
        label=_("Save this matching as"),
        max_length=100,
        required=False,
        help_text=_("Give it a name to reuse it for the next file from the same system."),
    )

    def __init__(self, *args: Any, kind: str, headers: list[str], initial_mapping: dict[str, str],
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.headers = [h for h in headers if h]
        spec = SPECS[kind]
        choices = [(IGNORE, _("— not imported —"))] + [
            (f.name, f"{f.label}{' *' if f.required else ''}") for f in spec.fields
        ]
        for index, header in enumerate(self.headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header,
                choices=choices,
                required=False,
                initial=initial_mapping.get(header, IGNORE),
            )
        matched = set(initial_mapping.values())
        absent = [f for f in spec.required if f.name not in matched]
        # Every column was recognised and a required field is still missing: the file has no
        # column for it, and naming columns again cannot help.
        self.every_column_recognised = all(h in initial_mapping for h in self.headers)
        self.absent_names = ", ".join(str(f.label) for f in absent)
        self.absent_all_take_one_value = all(f.values for f in absent)
        self.one_value_names = [f.name for f in absent if f.values]
        for f in absent:
            if f.values:
                self.fields[f"value_{f.name}"] = forms.ChoiceField(
                    label=str(f.label),
                    choices=[(IGNORE, _("— choose a value —")), *f.values],
                    required=False,
                )

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"col_{i}"] for i in range(len(self.headers))]

    def one_value_fields(self) -> list[forms.BoundField]:
        return [self[f"value_{name}"] for name in self.one_value_names]

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
            value = data.get(f"value_{name}") or IGNORE
            if value == IGNORE:
                continue
            if name in seen:
                self.add_error(
                    f"value_{name}",
                    _("“%(other)s” already holds this field.") % {"other": seen[name]},
                )
            else:
                constants[name] = value
        spec = SPECS[self.kind]
        missing = [f for f in spec.required if f.name not in seen and f.name not in constants]
        if missing:
            names = ", ".join(str(f.label) for f in missing)
            if len(mapping) < len(self.headers):
                message = _("Choose a column for: %(names)s.")
            elif all(f.name in self.one_value_names for f in missing):
                message = _(
                    "The file has no column for: %(names)s. Choose one value for every row, "
                    "or add the column to the file and upload it again."
                )
            else:
                message = _(
                    "The file has no column for: %(names)s. "
                    "Add the column to the file and upload it again."
                )
            raise forms.ValidationError(message % {"names": names})
        data["mapping"] = mapping
        data["constants"] = constants
        return data
