"""The RQ worker class (`RQ["WORKER_CLASS"]`): loads in the worker process, once, what every
job would otherwise load for itself.

RQ runs each job in a work horse forked from the worker. Whatever a job imports or fills lazily
(its `jobs` module, the URLconf behind the first `reverse()`, a holiday calendar, translation
catalogues) dies with the horse, so without this every job pays for it again: measured on the
closed loop, about a second for a rule evaluation (the Korean holiday tables) and several for
a task e-mail (the URLconf imports every view, and with them scipy). Loaded before the fork,
the horses share it copy-on-write.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from django.apps import apps
from django.conf import settings
from django.urls import get_resolver
from django.utils.translation import trans_real
from rq import Worker as RQWorker

log = logging.getLogger(__name__)


def warm_up() -> None:
    """Import every app's `jobs` module (and run its `warm_up()`, if any) and the URLconf;
    load the translation catalogues."""
    for app in apps.get_app_configs():
        name = f"{app.name}.jobs"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name != name:  # a jobs module whose own import fails is a real error
                raise
            continue
        # An app may load more of what its jobs fill lazily (a calendar's holiday tables).
        hook = getattr(module, "warm_up", None)
        if callable(hook):
            hook()
    get_resolver().url_patterns  # noqa: B018 -- the attribute access imports every URLconf
    for code, _name in settings.LANGUAGES:
        trans_real.translation(code)


class Worker(RQWorker):
    def work(self, *args: Any, **kwargs: Any) -> bool:
        warm_up()
        log.info("worker warmed up: jobs modules, URLconf and catalogues loaded")
        return super().work(*args, **kwargs)
