"""What an import run says about itself (a whole-file problem or its outcome), kept as a code
and parameters and put into words only when shown.

A run is written by whichever process ran it (the upload page, a `bulk` worker, the command),
each in its own language; the reader may use another. So the run stores `message_code` and
`message_params`, and pages, reports and the command render them in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cxm.sizes import file_size

# PostgreSQL allows 1,600 columns in a table; the staging table adds the row number.
MAX_COLUMNS = 1599
# The header (first record) is read whole up to this many bytes.
MAX_HEADER_BYTES = 1024 * 1024

MESSAGES: dict[str, Promise] = {
    "empty_file": _("The file is empty."),
    "not_tabular": _(
        "This is not a CSV or Excel (.xlsx) file. Save it as CSV or .xlsx and try again."
    ),
    "unknown_encoding": _("Unknown encoding: choose automatic, UTF-8 or CP949 (EUC-KR)."),
    "unrecognised_encoding": _(
        "The file's text encoding could not be recognised. Save it as UTF-8 or CP949 CSV."
    ),
    "invalid_text": _(
        "The file is not valid %(encoding)s text. Choose the other encoding and try again."
    ),
    "empty_header": _("The first row is empty: it must name the columns."),
    "duplicate_headers": _(
        "These column names appear more than once: %(names)s. Rename them and try again."
    ),
    "too_many_columns": _(
        "The file has %(count)s columns; at most %(limit)s can be imported. "
        "Remove the columns you do not need and try again."
    ),
    "header_too_long": _(
        "The first row (the column names) is longer than %(limit)s, or it is not closed "
        "(a quote without its closing quote). Check the first row and try again."
    ),
    "unreadable_xlsx": _(
        "The Excel file could not be read. Open it in Excel and save it again as .xlsx."
    ),
    "uncached_formula": _(
        "Cell %(cell)s (column %(column)s) holds a formula whose value was never calculated, "
        "so it would import as empty. Open the file in Excel, save it (Excel then stores the "
        "values) and import it again."
    ),
    "ragged_row": _(
        "Row %(row)s does not have the same number of columns as the header. "
        "Check for extra separators or line breaks in that row."
    ),
    "invalid_text_row": _(
        "Row %(row)s is not valid %(encoding)s text. Choose the other encoding and try again."
    ),
    "row_too_wide": _(
        "A row of the file holds more data than one row can store (about 8 KB without the "
        "longest values). Remove the columns you do not need and try again."
    ),
    "already_imported": _("This file was already imported on %(when)s; nothing changed."),
    # Followed by what to do for each group of the missing fields (MISSING_COLUMNS_HINTS).
    "missing_columns": _("Required columns are missing: %(names)s."),
    "value_for_a_column": _(
        "The column “%(column)s” already holds %(field)s, so it cannot also take one value "
        "for every row."
    ),
    # A value for every row that a run stored but the import refuses (`ValueRefused`).
    "no_value_for_every_row": _("“%(field)s” cannot take one value for every row."),
    "not_a_value_of_the_field": _("“%(value)s” is not a %(field)s. Choose one of: %(values)s."),
    "strict_rejected": _("%(count)s rows have errors, so nothing was written (strict mode)."),
    "no_data_rows": _("The file has no data rows."),
    "no_row_imported": _("No row could be imported."),
    "internal_error": _("The import stopped because of an internal error; nothing was written."),
    "file_not_stored": _(
        "The file could not be stored on the server, so nothing was imported. "
        "Try again later; if it happens again, tell your administrator."
    ),
}


# What the command can do about required fields a file lacks, by the group of
# odata.importing.required.Missing they are in.
MISSING_COLUMNS_HINTS: dict[str, Promise] = {
    "to_choose": _("Name the column that holds %(names)s with --map COLUMN=FIELD."),
    "to_choose_or_one_value": _(
        "Name the column that holds %(names)s with --map COLUMN=FIELD, or give one value for "
        "every row with %(example)s (%(choices)s)."
    ),
    "one_value_or_new_column": _(
        "The file has no column for %(names)s: give one value for every row with %(example)s "
        "(%(choices)s), or add the column to the file."
    ),
    "new_column": _("The file has no column for %(names)s: add the column to the file."),
}


def _number(value: object) -> str:
    return formats.number_format(value, force_grouping=True) if isinstance(value, int) else "?"


def render_message(code: str, params: Mapping[str, Any], *, kind: str = "") -> str:
    """The message `code` with `params`, in the active language. `kind` names the import
    kind, for messages that name its fields. An unknown code is shown as it is."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    values: dict[str, Any] = dict(params)
    if "count" in values:
        values["count"] = _number(values["count"])
    if "limit" in values:
        limit = values["limit"]
        values["limit"] = file_size(limit) if code == "header_too_long" else _number(limit)
    if code == "already_imported":
        values["when"] = local_time(str(params.get("when")))
    if code == "missing_columns":
        values["names"] = ", ".join(field_labels(kind, params.get("fields", [])))
    if code == "value_for_a_column":
        values["field"] = ", ".join(field_labels(kind, [str(params.get("field"))]))
    if code == "not_a_value_of_the_field":
        values["values"] = field_values(kind, str(params.get("field")))
        values["field"] = ", ".join(field_labels(kind, [str(params.get("field"))]))
    if code == "duplicate_headers":
        values["names"] = ", ".join(str(n) for n in params.get("names", []))
    try:
        text = str(template) % values
    except (KeyError, TypeError, ValueError):  # parameters of an older version of the code
        text = str(template)
    if code == "missing_columns":
        text = " ".join([text, *missing_columns_hints(kind, params)])
    return text


def missing_columns_hints(kind: str, params: Mapping[str, Any]) -> list[str]:
    """What to do about the fields of a `missing_columns` message, in the active language:
    `--map` for a field a column the file has could hold, `--value` for a field that takes one
    value for every row, a new column otherwise. A run recorded before `without_column` was
    stored reads as if every field could be in a column."""
    # Imported here: the specs import the models, which import this module.
    from odata.importing.required import missing_from_names, value_choices
    from odata.importing.spec import SPECS

    spec = SPECS.get(kind)
    if spec is None:
        return []
    missing = missing_from_names(spec, params.get("fields", []), params.get("without_column", []))
    hints = []
    for group, template in MISSING_COLUMNS_HINTS.items():
        fields = getattr(missing, group)
        if fields:
            hints.append(
                str(template)
                % {
                    "names": ", ".join(str(f.label) for f in fields),
                    "example": " ".join(
                        f"--value {f.name}={f.values[0][0]}" for f in fields if f.values
                    ),
                    "choices": "; ".join(
                        f"{f.name}: {value_choices(f)}" for f in fields if f.values
                    ),
                }
            )
    return hints


def local_time(iso: str) -> str:
    """A stored ISO time as the reader's short local date and time."""
    moment = timezone.localtime(datetime.fromisoformat(iso))
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def field_labels(kind: str, names: list[str]) -> list[str]:
    """The labels of `kind`'s fields `names`, in the active language."""
    # Imported here: the specs import the models, which import this module.
    from odata.importing.spec import SPECS

    spec = SPECS.get(kind)
    labels = {f.name: str(f.label) for f in spec.fields} if spec else {}
    return [labels.get(name, name) for name in names]


def field_values(kind: str, name: str) -> str:
    """The values field `name` of `kind` takes for every row, as `label (value)`, in the active
    language."""
    from odata.importing.spec import SPECS

    spec = SPECS.get(kind)
    field = next((f for f in spec.fields if f.name == name), None) if spec else None
    if field is None:
        return ""
    return ", ".join(
        v if str(label).lower() == v else f"{label} ({v})" for v, label in field.values
    )
