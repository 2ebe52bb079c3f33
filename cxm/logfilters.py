"""Logging filters wired in `settings.LOGGING`."""

from __future__ import annotations

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """Django logs a refused request (403 from `PermissionDenied`, 404 from `Http404`, 400)
    with the exception's traceback. For a 4xx the traceback says nothing an operator needs and
    buries real errors, so it is dropped; the one-line warning stays. 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
