from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from odata.importing.spec import SPECS
from odata.models import ImportMode, ImportRun
from odata.services.imports import import_summary, run_import, start_import

ENCODINGS = {"auto": "auto", "utf-8": "utf-8", "utf8": "utf-8", "cp949": "cp949",
             "euc-kr": "cp949", "euckr": "cp949"}  # fmt: skip


class Command(BaseCommand):
    help = (
        "Import customers, stores, orders, deliveries or service records from a CSV or XLSX "
        "file. Last line: JSON summary. Exits non-zero when nothing could be imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=list(SPECS))
        parser.add_argument("file")
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
        spec = SPECS[options["kind"]]
        fields = {f.name for f in spec.fields}
        mapping: dict[str, str] = {}
        for item in options["map"]:
            column, sep, field_name = item.partition("=")
            if not sep or not column.strip() or field_name.strip() not in fields:
                names = ", ".join(sorted(fields))
                raise CommandError(f"--map {item!r}: use COLUMN=FIELD with FIELD one of {names}")
            mapping[column.strip()] = field_name.strip()
        # The service keeps its own copy of the file next to the run's reports.
        with tempfile.NamedTemporaryFile(delete=False, suffix=source.suffix) as handle:
            copy = Path(handle.name)
        shutil.copyfile(source, copy)
        run = start_import(
            kind=options["kind"],
            source=copy,
            file_name=source.name,
            mode=options["mode"],
            encoding=ENCODINGS[options["encoding"]],
            mapping=mapping,
            enqueue=False,
        )
        failed = False
        if run.status == ImportRun.Status.QUEUED:
            try:
                run_import(run_id=run.pk)
            except Exception:  # already recorded on the run as failed and logged
                failed = True
            run.refresh_from_db()
        summary = import_summary(run)
        if run.message:
            self.stderr.write(run.message)
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
        if failed or run.status in (ImportRun.Status.REJECTED, ImportRun.Status.FAILED):
            sys.exit(1)
