"""`manage.py sweep_invitations`: one invitation sweep now (it also runs every minute)."""

from __future__ import annotations

import json
from typing import Any

from cxm.management.base import JsonCommand
from surveys.services.invitations import sweep_invitations


class Command(JsonCommand):
    help = (
        "Expire old survey links, create invitations from journey milestones and queue due "
        "invitation and reminder e-mails. Prints a JSON summary on the last line."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = sweep_invitations()
        self.stdout.write(json.dumps(summary))
