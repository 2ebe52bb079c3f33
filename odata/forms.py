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
    """One select per column of the file: which field it holds, or none."""

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

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"col_{i}"] for i in range(len(self.headers))]

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
        spec = SPECS[self.kind]
        missing = [str(f.label) for f in spec.required if f.name not in seen]
        if missing:
            raise forms.ValidationError(
                _("Choose a column for: %(names)s.") % {"names": ", ".join(missing)}
            )
        data["mapping"] = mapping
        return data
