"""`manage.py sweep_tasks`: one reminder/escalation sweep now (it also runs every minute)."""

from __future__ import annotations

import json
from typing import Any

from actions.services.sweep import sweep_tasks
from cxm.management.base import JsonCommand


class Command(JsonCommand):
    help = (
        "Remind owners at 80% of the SLA, escalate overdue tasks to the owner's manager and, at "
        "twice the SLA, to the admins; each level once per task. Prints a JSON summary last."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = sweep_tasks()
        self.stdout.write(json.dumps(summary))
