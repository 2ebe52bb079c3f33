"""Workers load jobs modules, the URLconf and the catalogues before forking a horse per job."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import django_rq

from cxm.worker import Worker

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys, django
django.setup()
before = {"actions.jobs", "actions.views.tasks"} & set(sys.modules)
from cxm.worker import warm_up
warm_up()
print(sorted(before), "actions.jobs" in sys.modules, "actions.views.tasks" in sys.modules)
"""


def test_rqworker_uses_the_warming_worker_class() -> None:
    assert isinstance(django_rq.get_worker("realtime"), Worker)


def test_warm_up_imports_what_jobs_would_import_in_each_horse() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "cxm.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert probe.stdout.strip().splitlines()[-1] == "[] True True"
