"""What a column matching has to cover, decided once for the column matching page, the
`import_odata` command and the import service.

`missing_fields` says which required fields a matching leaves without a column or a value,
and for each whether the file could still hold it in a column it does not use. `one_value` and
`check_constants` decide whether a field may take one value for every row (a choice field with
fixed values, such as an order's channel) and which stored value a spelling means: the same
spellings the import accepts in that field's column (e.g. `매장` for `store`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from odata.importing.messages import MESSAGES, field_values
from odata.importing.spec import Field, KindSpec


class ValueRefused(ValueError):
    """A value for every row that cannot be used. `message` is in the active language at the
    time of the refusal; `field` is the name as given. `code` and `params` say the same as a
    message of odata.importing.messages, for a run to store and show in its reader's language."""

    def __init__(
        self, field: str, message: str, *, code: str, params: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code
        self.params = params or {}


def one_value_fields(spec: KindSpec) -> list[Field]:
    """The fields of `spec` that may take one value for every row."""
    return [f for f in spec.fields if f.values]


def value_choices(field: Field) -> str:
    """The stored values `field` takes, as `online, store, app, phone`."""
    return ", ".join(value for value, _label in field.values)


def one_value(spec: KindSpec, name: str, value: str) -> str:
    """The stored value that `value` means for field `name` of `spec` as one value for every
    row; ValueRefused when the field takes no such value or `value` is not one of its."""
    field = next((f for f in one_value_fields(spec) if f.name == name), None)
    if field is None:
        raise ValueRefused(
            name,
            _("“%(field)s” cannot take one value for every row.") % {"field": name},
            code="no_value_for_every_row",
            params={"field": name},
        )
    spelling = value.strip()
    stored = {v for v, _label in field.values}
    if spelling in stored:
        return spelling
    # The column's own spellings, compared as the pipeline compares a cell: trimmed, lower case.
    meant = field.choices.get(spelling.lower())
    if meant in stored:
        return meant
    labels = field_values(spec.kind, name)
    raise ValueRefused(
        name,
        _("“%(value)s” is not a %(field)s. Choose one of: %(values)s.")
        % {"value": spelling, "field": field.label, "values": labels},
        code="not_a_value_of_the_field",
        params={"value": spelling, "field": name},
    )


def check_constants(
    spec: KindSpec, constants: Mapping[str, str], *, mapping: Mapping[str, str] | None = None
) -> dict[str, str]:
    """`constants` (field -> value) with each value as stored, refused (ValueRefused) when a
    field cannot take one value for every row, a value is not one of the field's, or a column
    of `mapping` (header -> field) already holds the field."""
    held_by = {name: header for header, name in (mapping or {}).items()}
    checked: dict[str, str] = {}
    for name, value in constants.items():
        checked[name] = one_value(spec, name, value)
        if name in held_by:
            raise ValueRefused(
                name,
                str(MESSAGES["value_for_a_column"])
                % {"column": held_by[name], "field": spec.field(name).label},
                code="value_for_a_column",
                params={"column": held_by[name], "field": name},
            )
    return checked


@dataclass(frozen=True)
class Missing:
    """Required fields left without a column or a value, in the spec's order.
    `without_column` names those no column of the file could hold: every column the matching
    leaves unused was recognised as another field."""

    fields: tuple[Field, ...] = ()
    without_column: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.fields)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def _group(self, *, column: bool, values: bool) -> list[Field]:
        return [
            f
            for f in self.fields
            if (f.name not in self.without_column) == column and bool(f.values) == values
        ]

    @property
    def to_choose(self) -> list[Field]:
        """A column the matching leaves unused may hold them; no single value will do."""
        return self._group(column=True, values=False)

    @property
    def to_choose_or_one_value(self) -> list[Field]:
        """A column the matching leaves unused may hold them, or one value for every row."""
        return self._group(column=True, values=True)

    @property
    def one_value_or_new_column(self) -> list[Field]:
        """The file has no column for them; one value for every row will do."""
        return self._group(column=False, values=True)

    @property
    def new_column(self) -> list[Field]:
        """The file has no column for them: it needs one."""
        return self._group(column=False, values=False)

    @property
    def takes_one_value(self) -> list[Field]:
        return [f for f in self.fields if f.values]


def missing_fields(
    spec: KindSpec,
    *,
    headers: Iterable[str],
    mapping: Mapping[str, str],
    recognised: Mapping[str, str] | None = None,
    constants: Iterable[str] = (),
) -> Missing:
    """The required fields of `spec` that `mapping` (header -> field) gives no column and
    `constants` (field names) no value.

    `recognised` is the matching cxm proposed for the file (header -> field; `mapping` when
    omitted). A missing field could be in the file when a column the matching leaves unused
    was not recognised, or was recognised as that very field; a column recognised as another
    field and then left unused does not count.
    """
    recognised = mapping if recognised is None else recognised
    chosen = set(mapping.values()) | set(constants)
    fields = tuple(f for f in spec.required if f.name not in chosen)
    unused = [h for h in headers if h and h not in mapping]
    without_column = frozenset(
        f.name for f in fields if all(recognised.get(h, f.name) != f.name for h in unused)
    )
    return Missing(fields, without_column)


def missing_from_names(
    spec: KindSpec, names: Iterable[str], without_column: Iterable[str]
) -> Missing:
    """A Missing stored as field names (an import run's message parameters); unknown names
    are left out."""
    known = {f.name: f for f in spec.fields}
    return Missing(tuple(known[n] for n in names if n in known), frozenset(without_column))
