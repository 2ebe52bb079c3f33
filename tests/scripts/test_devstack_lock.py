"""The .devdata lock: a second `make run` is refused with the first one's pid."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cxmdev.devlock import AlreadyRunning, DevLock, ensure_not_held


def test_second_holder_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    first = DevLock(tmp_path / "cxm.lock")
    first.acquire()
    with pytest.raises(AlreadyRunning) as refused:
        DevLock(tmp_path / "cxm.lock").acquire()
    assert refused.value.pid == os.getpid()
    assert str(refused.value) == f"cxm is already running (pid {os.getpid()})"
    first.release()


def test_released_lock_can_be_taken_again(tmp_path: Path) -> None:
    lock = DevLock(tmp_path / "cxm.lock")
    lock.acquire()
    lock.release()
    ensure_not_held(tmp_path / "cxm.lock")
    again = DevLock(tmp_path / "cxm.lock")
    again.acquire()
    again.release()


def test_lock_of_a_dead_process_is_free(tmp_path: Path) -> None:
    # The kernel drops flock() locks with their holder: a crashed run leaves nothing stale.
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from pathlib import Path; from cxmdev.devlock import DevLock;"
        "DevLock(Path(sys.argv[2])).acquire(); import os; os._exit(0)"
    )
    scripts = str(Path(__file__).resolve().parents[2] / "scripts")
    subprocess.run([sys.executable, "-c", code, scripts, str(tmp_path / "cxm.lock")], check=True)
    assert (tmp_path / "cxm.lock").read_text().strip().isdigit()  # its pid is still written
    ensure_not_held(tmp_path / "cxm.lock")


def test_checking_a_missing_lock_file_creates_nothing(tmp_path: Path) -> None:
    ensure_not_held(tmp_path / "cxm.lock")
    assert not (tmp_path / "cxm.lock").exists()
