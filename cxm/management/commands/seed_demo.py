from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from cxm.demo import SCALES, database_is_empty, demo_logins, seed_demo
from cxm.management.base import JsonCommand


class Command(JsonCommand):
    help = "Load the demo company (idempotent). Last line: JSON summary with the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=SCALES, default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has users (used by `make run`).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and not database_is_empty():
            summary: dict[str, Any] = {"skipped": True, "logins": demo_logins()}
        else:
            summary = seed_demo(scale=options["scale"], seed=options["seed"])
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
