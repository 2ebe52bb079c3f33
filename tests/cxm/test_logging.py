"""Logs go to stdout as one JSON object per line (LOG_FORMAT=json, the default)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _log_in_subprocess(log_format: str) -> str:
    code = (
        "import django, logging; django.setup();"
        "logging.getLogger('cxm.test').warning('import finished', extra={'rows': 12})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "LOG_FORMAT": log_format},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_json_lines_carry_level_logger_message_and_extra_fields() -> None:
    record = json.loads(_log_in_subprocess("json"))
    assert record["level"] == "WARNING"
    assert record["logger"] == "cxm.test"
    assert record["message"] == "import finished"
    assert record["rows"] == 12
    assert "time" in record


def test_text_format_is_readable() -> None:
    line = _log_in_subprocess("text")
    assert "WARNING" in line and "cxm.test: import finished" in line


def _request_log(status: int) -> dict[str, object]:
    code = (
        "import django, logging; django.setup();\n"
        "try:\n"
        "    raise PermissionError('no')\n"
        "except PermissionError:\n"
        "    logging.getLogger('django.request').warning(\n"
        f"        'refused', exc_info=True, extra={{'status_code': {status}}})\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "LOG_FORMAT": "json"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    record: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return record


def test_a_refused_request_logs_one_line_without_a_traceback() -> None:
    refused = _request_log(403)
    assert refused["message"] == "refused" and "exc_info" not in refused
    # A server error keeps its traceback.
    assert "PermissionError" in str(_request_log(500).get("exc_info", ""))
