from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import CommandParser

from analysis.models import AnalysisRun
from analysis.services.runs import request_run
from cxm.management.base import JsonCommand
from odata.importing.cli import ENCODINGS, add_import_arguments, existing_file, parse_map
from xdata.services.feedback import FIELD_NAMES, import_feedback_file


class Command(JsonCommand):
    help = (
        "Import feedback from another channel (reviews, social posts, call notes) from a CSV "
        "or XLSX file. Last line: JSON summary. Exits non-zero when nothing could be imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--channel", default="", help="Channel of rows without a channel column or value."
        )
        add_import_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        source = existing_file(options["file"])
        mapping = parse_map(options["map"], FIELD_NAMES)
        report = import_feedback_file(
            path=source,
            channel=options["channel"].strip(),
            mapping=mapping,
            encoding=ENCODINGS[options["encoding"]],
            mode=options["mode"],
        )
        if report.created or report.updated:
            # New feedback changes the statistics (debounced: one waiting run).
            request_run(reason=AnalysisRun.Reason.IMPORT)
        if report.message:
            self.stderr.write(report.message)
        self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        if not report.imported:
            sys.exit(1)
