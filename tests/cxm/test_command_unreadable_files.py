"""The import commands refuse a file they cannot read with `{"ok": false, "error": …}` on the
last line and exit 1, never a traceback: a directory, a device, a file that fails on reading.
An OSError anywhere in a command ends the same way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import get_commands, load_command_class

from cxm.management.base import JsonCommand

ROOT = Path(__file__).resolve().parents[2]
# Reading it fails with EIO whoever runs the tests (root reads any file whatever its mode).
UNREADABLE = "/proc/self/mem"


def _run(capsys: Any, command: JsonCommand, *argv: str) -> tuple[int, dict[str, Any], str]:
    code = 0
    try:
        command.run_from_argv(["manage.py", *argv])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, json.loads(out.strip().splitlines()[-1]), err


def _command(name: str) -> JsonCommand:
    command = load_command_class(get_commands()[name], name)
    assert isinstance(command, JsonCommand)
    return command


@pytest.mark.parametrize(
    "argv", [["import_odata", "customers"], ["import_feedback"]], ids=["odata", "feedback"]
)
def test_a_directory_a_device_and_an_unreadable_file_are_named_as_such(
    capsys: Any, tmp_path: Path, argv: list[str]
) -> None:
    cases = {
        str(tmp_path): f"Is a directory, not a file: {tmp_path}",
        os.devnull: f"Not a regular file: {os.devnull}",
        UNREADABLE: f"Cannot read {UNREADABLE}: Input/output error",
        str(tmp_path / "nope.csv"): f"No such file: {tmp_path / 'nope.csv'}",
    }
    for path, message in cases.items():
        code, last, err = _run(capsys, _command(argv[0]), *argv, path)
        assert (code, last) == (1, {"ok": False, "error": message})
        assert "Traceback" not in err
        assert f"CommandError: {message}" in err


class _FailingCommand(JsonCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        raise PermissionError(13, "Permission denied", "/srv/cxm/media/imports")


def test_an_os_error_while_working_ends_with_a_json_error(capsys: Any) -> None:
    code, last, err = _run(capsys, _FailingCommand(), "failing")
    assert code == 1
    assert last == {"ok": False, "error": "/srv/cxm/media/imports: Permission denied"}
    assert "Traceback" not in err


def test_manage_py_refuses_an_unreadable_file_without_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "import_feedback", UNREADABLE],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last == {"ok": False, "error": f"Cannot read {UNREADABLE}: Input/output error"}
    assert "Traceback" not in result.stderr
