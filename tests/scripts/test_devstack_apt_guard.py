"""While apt installs dev servers, invoke-rc.d must start no system service."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cxmdev.install import services_not_started


def test_guard_denies_starts_and_leaves_nothing_behind(tmp_path: Path) -> None:
    policy = tmp_path / "policy-rc.d"
    with services_not_started(policy):
        assert subprocess.run([str(policy)], check=False).returncode == 101
    assert not policy.exists()


def test_existing_policy_is_put_back_unchanged(tmp_path: Path) -> None:
    policy = tmp_path / "policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 0\n")
    with pytest.raises(RuntimeError), services_not_started(policy):
        raise RuntimeError("apt failed")
    assert policy.read_text() == "#!/bin/sh\nexit 0\n"
    assert not (tmp_path / "policy-rc.d.cxm-saved").exists()


def test_backup_left_by_a_killed_run_is_restored(tmp_path: Path) -> None:
    policy = tmp_path / "policy-rc.d"
    policy.write_text("ours, left behind")
    (tmp_path / "policy-rc.d.cxm-saved").write_text("the original")
    with services_not_started(policy):
        pass
    assert policy.read_text() == "the original"
