from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from odata.models import ImportMode
from xdata.services.feedback import FIELD_NAMES, import_feedback_file

ENCODINGS = {"auto": "auto", "utf-8": "utf-8", "utf8": "utf-8", "cp949": "cp949",
             "euc-kr": "cp949", "euckr": "cp949"}  # fmt: skip


class Command(BaseCommand):
    help = (
        "Import feedback from another channel (reviews, social posts, call notes) from a CSV "
        "or XLSX file. Last line: JSON summary. Exits non-zero when nothing could be imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--channel", default="", help="Channel of rows without a channel column or value."
        )
        parser.add_argument("--encoding", default="auto", choices=sorted(ENCODINGS))
        parser.add_argument("--mode", default=ImportMode.STRICT, choices=ImportMode.values)
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="SOURCE=FIELD",
            help="Name the field of a column the automatic matching does not recognise.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"No such file: {source}")
        mapping: dict[str, str] = {}
        for item in options["map"]:
            column, sep, field_name = item.partition("=")
            if not sep or not column.strip() or field_name.strip() not in FIELD_NAMES:
                names = ", ".join(FIELD_NAMES)
                raise CommandError(f"--map {item!r}: use COLUMN=FIELD with FIELD one of {names}")
            mapping[column.strip()] = field_name.strip()
        report = import_feedback_file(
            path=source,
            channel=options["channel"].strip(),
            mapping=mapping,
            encoding=ENCODINGS[options["encoding"]],
            mode=options["mode"],
        )
        if report.message:
            self.stderr.write(report.message)
        self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        if not report.imported:
            sys.exit(1)
