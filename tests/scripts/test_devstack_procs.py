"""Children: prefixed output and logs, stdout kept apart, nothing left behind on stop."""

from __future__ import annotations

import io
import os
import signal
import sys
import time
from pathlib import Path

from cxmdev.procs import OutputPump, run_logged, spawn


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its new parent) counts as gone.
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"


def test_output_is_prefixed_logged_and_stdout_collected(tmp_path: Path) -> None:
    out = io.StringIO()
    code = "import sys; print('one'); print('oops', file=sys.stderr); print('{\"n\": 1}')"
    rc, stdout_lines = run_logged(
        "setup",
        [sys.executable, "-c", code],
        env=dict(os.environ),
        cwd=tmp_path,
        pump=OutputPump(out=out),
        log_path=tmp_path / "setup.log",
    )
    assert rc == 0
    assert stdout_lines == ["one", '{"n": 1}']
    shown = out.getvalue().splitlines()
    assert sorted(shown) == sorted(["setup  | one", "setup  | oops", 'setup  | {"n": 1}'])
    assert sorted((tmp_path / "setup.log").read_text().splitlines()) == sorted(
        ["one", "oops", '{"n": 1}']
    )


def test_partial_last_line_is_not_lost(tmp_path: Path) -> None:
    out = io.StringIO()
    code = "import sys; sys.stdout.write('no newline')"
    rc, lines = run_logged(
        "web", [sys.executable, "-c", code], env={}, cwd=tmp_path, pump=OutputPump(out=out)
    )
    assert (rc, lines) == (0, ["no newline"])
    assert out.getvalue() == "web    | no newline\n"


def test_colour_only_wraps_the_prefix() -> None:
    assert OutputPump(colour=True).prefix("web") == "\033[32mweb    | \033[0m"
    assert OutputPump(colour=False).prefix("cron") == "cron   | "


def test_stop_reaps_the_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    # The leader exits on SIGTERM; its background grandchild ignores SIGTERM and would linger.
    script = (
        f"sh -c 'trap \"\" TERM; echo $$ > {pidfile}; exec sleep 60' &"
        " trap 'exit 0' TERM; while :; do sleep 0.1; done"
    )
    child = spawn("worker", ["sh", "-c", script], env=dict(os.environ), cwd=tmp_path, stdout=None)
    deadline = time.monotonic() + 5
    while not pidfile.exists() or not pidfile.read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    grandchild = int(pidfile.read_text())
    assert os.getpgid(grandchild) == child.pid  # its own group, led by the child
    assert child.stop(timeout=5) == 0
    deadline = time.monotonic() + 5
    while _alive(grandchild):
        assert time.monotonic() < deadline, "grandchild survived"
        time.sleep(0.05)


def test_child_that_ignores_sigterm_is_killed_after_the_timeout(tmp_path: Path) -> None:
    child = spawn(
        "cron",
        ["sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"],
        env=dict(os.environ),
        cwd=tmp_path,
        stdout=None,
    )
    time.sleep(0.2)  # let the trap be installed
    started = time.monotonic()
    assert child.stop(timeout=0.5) == -signal.SIGKILL
    assert time.monotonic() - started < 5


def test_children_get_their_own_session(tmp_path: Path) -> None:
    child = spawn("web", ["sleep", "5"], env=dict(os.environ), cwd=tmp_path, stdout=None)
    try:
        assert os.getsid(child.pid) == child.pid != os.getsid(0)
    finally:
        child.stop(timeout=2)
