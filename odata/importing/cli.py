"""Arguments shared by the file-import commands (`import_odata`, `import_feedback`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from odata.importing.required import ValueRefused, one_value, one_value_fields, value_choices
from odata.importing.spec import KindSpec
from odata.models import ImportMode

# Spellings people use on the command line -> the reader's encoding names.
ENCODINGS = {"auto": "auto", "utf-8": "utf-8", "utf8": "utf-8", "cp949": "cp949",
             "euc-kr": "cp949", "euckr": "cp949"}  # fmt: skip


def add_import_arguments(parser: CommandParser) -> None:
    """--encoding, --mode and --map, with the same meaning in every import command."""
    parser.add_argument("--encoding", default="auto", choices=sorted(ENCODINGS))
    parser.add_argument("--mode", default=ImportMode.STRICT, choices=ImportMode.values)
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="SOURCE=FIELD",
        help="Name the field of a column the automatic matching does not recognise.",
    )


def parse_values(items: Iterable[str], spec: KindSpec) -> dict[str, str]:
    """`--value FIELD=VALUE` options as {field: stored value}, for a required choice field the
    file has no column for (as "one value for every row" on the upload page), checked by
    `one_value` as the page and the import service check them; a CommandError says why and
    names the fields and values allowed."""
    fields = one_value_fields(spec)
    if fields:
        choices = "; ".join(f"{f.name}: {value_choices(f)}" for f in fields)
        usage = _("Use --value FIELD=VALUE with %(choices)s.") % {"choices": choices}
    else:
        usage = _("No field of this kind of file takes one value for every row.")
    values: dict[str, str] = {}
    for item in items:
        name, sep, value = (part.strip() for part in item.partition("="))
        if not sep:
            raise CommandError(f"--value {item!r}: {usage}")
        try:
            values[name] = one_value(spec, name, value)
        except ValueRefused as refused:
            raise CommandError(f"--value {item!r}: {refused.message} {usage}") from refused
    return values


def existing_file(value: str) -> Path:
    """The file named on the command line; a CommandError says why it cannot be imported: it
    does not exist, it is a directory or a device, or it cannot be read."""
    path = Path(value)
    if path.is_dir():
        raise CommandError(f"Is a directory, not a file: {path}")
    if not path.exists():
        raise CommandError(f"No such file: {path}")
    if not path.is_file():
        raise CommandError(f"Not a regular file: {path}")
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
    return path


def parse_map(items: Iterable[str], fields: Iterable[str]) -> dict[str, str]:
    """`--map COLUMN=FIELD` options as {column: field}; a CommandError names the choices."""
    allowed = sorted(fields)
    mapping: dict[str, str] = {}
    for item in items:
        column, sep, field_name = item.partition("=")
        if not sep or not column.strip() or field_name.strip() not in allowed:
            names = ", ".join(allowed)
            raise CommandError(f"--map {item!r}: use COLUMN=FIELD with FIELD one of {names}")
        mapping[column.strip()] = field_name.strip()
    return mapping
