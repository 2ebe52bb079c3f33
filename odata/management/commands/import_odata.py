from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from cxm.management.base import JsonCommand
from odata import jobs
from odata.importing.cli import (
    ENCODINGS,
    add_import_arguments,
    existing_file,
    parse_map,
    parse_values,
)
from odata.importing.spec import SPECS
from odata.models import ImportRun
from odata.services.imports import import_summary, start_import


class Command(JsonCommand):
    help = (
        "Import customers, stores, orders, deliveries or service records from a CSV or XLSX "
        "file. Last line: JSON summary. Exits non-zero when nothing could be imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # The kinds' values, not the enum members: argparse shows choices by repr().
        parser.add_argument("kind", choices=[str(kind) for kind in SPECS])
        parser.add_argument("file")
        add_import_arguments(parser)
        parser.add_argument(
            "--value",
            action="append",
            default=[],
            metavar="FIELD=VALUE",
            help="One value for every row of a required field the file has no column for "
            "(e.g. channel=store, or channel=매장 as in the column).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = existing_file(options["file"])
        mapping = parse_map(options["map"], (f.name for f in SPECS[options["kind"]].fields))
        constants = parse_values(options["value"], SPECS[options["kind"]])
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
            constants=constants,
        )
        failed = False
        if run.status == ImportRun.Status.QUEUED:
            try:
                # The upload's job: the import, then an analysis run when it succeeded.
                jobs.run_import(run.pk)
            except Exception:  # already recorded on the run as failed and logged
                failed = True
            run.refresh_from_db()
        summary = import_summary(run)
        if run.message:
            self.stderr.write(run.message)
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
        if failed or run.status in (ImportRun.Status.REJECTED, ImportRun.Status.FAILED):
            sys.exit(1)
