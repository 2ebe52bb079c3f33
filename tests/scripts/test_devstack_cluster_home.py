"""Where the private PostgreSQL cluster lives when the server runs as another OS user."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cxmdev.postgres import choose_cluster_home, initdb_locale_args, repo_key, traversable_by
from cxmdev.procs import RunAs

STRANGER = RunAs("postgres", uid=54321, gid=54321, groups=(54321,))


@pytest.fixture
def tmp_path() -> Iterator[Path]:
    """Like pytest's tmp_path, but every user may enter it and its parents (pytest's own base
    directory is private to its user, which would decide every case here)."""
    path = Path(tempfile.mkdtemp(prefix="cxmdev-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def _tree(tmp_path: Path, parent_mode: int) -> Path:
    repo = tmp_path / "home" / "dev" / "cxm"
    devdata = repo / ".devdata"
    devdata.mkdir(parents=True)
    (tmp_path / "home" / "dev").chmod(parent_mode)
    return devdata


def test_a_directory_every_user_may_enter_is_traversable(tmp_path: Path) -> None:
    devdata = _tree(tmp_path, 0o755)
    assert traversable_by(devdata, STRANGER.uid, STRANGER.groups)


def test_one_closed_parent_makes_it_unreachable(tmp_path: Path) -> None:
    devdata = _tree(tmp_path, 0o700)  # like a checkout under /root
    assert not traversable_by(devdata, STRANGER.uid, STRANGER.groups)


def test_group_execute_bit_counts_for_group_members(tmp_path: Path) -> None:
    devdata = _tree(tmp_path, 0o710)
    owner_gid = (tmp_path / "home" / "dev").stat().st_gid
    assert traversable_by(devdata, STRANGER.uid, (owner_gid,))
    assert not traversable_by(devdata, STRANGER.uid, STRANGER.groups)


def test_owner_bits_apply_to_the_owner_even_when_others_may_enter(tmp_path: Path) -> None:
    devdata = _tree(tmp_path, 0o755)
    # On the last directory, so that a non-root test run can still stat() it.
    devdata.chmod(0o055)  # others may enter, the owner may not
    owner = devdata.stat().st_uid
    try:
        assert traversable_by(devdata, STRANGER.uid, STRANGER.groups)
        if owner != 0:  # root bypasses permission bits
            assert not traversable_by(devdata, owner, ())
    finally:
        devdata.chmod(0o755)


def test_cluster_stays_in_devdata_when_reachable(tmp_path: Path) -> None:
    devdata = _tree(tmp_path, 0o755)
    home = choose_cluster_home(devdata, devdata.parent, STRANGER, tmp_path / "var")
    assert home == devdata / "postgres"


def test_cluster_moves_out_of_an_unreachable_checkout(tmp_path: Path) -> None:
    devdata = _tree(tmp_path, 0o700)
    home = choose_cluster_home(devdata, devdata.parent, STRANGER, tmp_path / "var")
    assert home == tmp_path / "var" / repo_key(devdata.parent) / "postgres"


def test_without_a_separate_os_user_the_cluster_stays_in_devdata(tmp_path: Path) -> None:
    devdata = _tree(tmp_path, 0o700)
    assert choose_cluster_home(devdata, devdata.parent, None) == devdata / "postgres"


def test_repo_key_is_short_and_stable(tmp_path: Path) -> None:
    assert repo_key(tmp_path) == repo_key(tmp_path)
    assert len(repo_key(tmp_path)) == 12
    assert repo_key(tmp_path / "a") != repo_key(tmp_path / "b")


def test_initdb_uses_c_utf8_when_the_c_library_has_it() -> None:
    assert "--locale=C.UTF-8" in initdb_locale_args(["C", "C.utf8", "POSIX"])
    assert "--no-locale" in initdb_locale_args(["C", "POSIX"])
    assert "--encoding=UTF8" in initdb_locale_args([])
