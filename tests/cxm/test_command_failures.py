"""cxm's commands end stdout with a JSON line even when they cannot run: bad arguments (exit 2)
and a CommandError (exit 1) print `{"ok": false, "error": ...}` last, with the usual message
on stderr; `call_command` still raises CommandError. `import_odata` names its kinds by value."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from cxm.management.base import JsonCommand

ROOT = Path(__file__).resolve().parents[2]
# Each command with the positional arguments it needs, so that only the option is wrong.
COMMANDS = {
    "import_odata": ["orders", "f.csv"],
    "import_feedback": ["f.csv"],
    "seed_demo": [],
    "sweep_tasks": [],
    "sweep_invitations": [],
    "run_analysis": [],
}
KINDS = "customers, stores, orders, deliveries, service_records"


def _run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """Run a command as `manage.py` does: exit code, stdout, stderr."""
    command = load_command_class(get_commands()[argv[0]], argv[0])
    code = 0
    try:
        command.run_from_argv(["manage.py", *argv])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _last_json(out: str) -> dict[str, Any]:
    last: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return last


@pytest.mark.parametrize("name", list(COMMANDS))
def test_an_unknown_option_ends_with_a_json_error(capsys: Any, name: str) -> None:
    assert isinstance(load_command_class(get_commands()[name], name), JsonCommand)
    code, out, err = _run(capsys, name, *COMMANDS[name], "--no-such-option")
    assert code == 2
    assert _last_json(out) == {"ok": False, "error": "unrecognized arguments: --no-such-option"}
    assert "usage: manage.py" in err


def test_a_bad_kind_names_the_kinds_by_value(capsys: Any) -> None:
    code, out, err = _run(capsys, "import_odata", "ORDERS", "f.csv")
    assert code == 2
    error = _last_json(out)["error"]
    assert error == f"argument kind: invalid choice: 'ORDERS' (choose from {_quoted(KINDS)})"
    assert error in err
    assert "Kind." not in out + err


def _quoted(names: str) -> str:
    return ", ".join(f"'{name}'" for name in names.split(", "))


def test_help_lists_the_kinds_by_value(capsys: Any) -> None:
    code, out, _err = _run(capsys, "import_odata", "--help")
    assert code == 0
    assert "{" + KINDS.replace(", ", ",") + "}" in out
    assert "Kind." not in out
    assert '"ok"' not in out  # help is no failure


def test_missing_arguments_end_with_a_json_error(capsys: Any) -> None:
    code, out, _err = _run(capsys, "import_feedback")
    assert code == 2
    assert _last_json(out) == {
        "ok": False,
        "error": "the following arguments are required: file",
    }


def test_a_command_error_ends_with_a_json_error(capsys: Any, tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    code, out, err = _run(capsys, "import_odata", "customers", str(missing))
    assert code == 1
    assert _last_json(out) == {"ok": False, "error": f"No such file: {missing}"}
    assert f"CommandError: No such file: {missing}" in err


def test_a_bad_map_ends_with_a_json_error(capsys: Any, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("리뷰번호,별점\nR-1,5\n", encoding="utf-8")
    code, out, _err = _run(capsys, "import_feedback", str(path), "--map", "손님=nickname")
    assert code == 1
    assert _last_json(out)["ok"] is False
    assert _last_json(out)["error"].startswith("--map '손님=nickname': use COLUMN=FIELD")


def test_call_command_still_raises_and_prints_nothing(capsys: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="invalid choice: 'ORDERS'"):
        call_command("import_odata", "ORDERS", str(tmp_path / "f.csv"))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_odata", "orders", str(tmp_path / "f.csv"))
    assert capsys.readouterr().out == ""


def test_manage_py_prints_the_json_line_last() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "import_odata", "orders", "/no/such/file.csv"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert _last_json(result.stdout) == {"ok": False, "error": "No such file: /no/such/file.csv"}
    assert "CommandError: No such file" in result.stderr
