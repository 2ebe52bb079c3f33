"""Small file helpers: private files, generated secrets, log tails."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only (mode 600), replacing it atomically."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    # O_CREAT's mode is ignored when a stale tmp file already existed.
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def read_or_create_secret(path: Path, nbytes: int = 48) -> str:
    """Return the secret kept in `path`, generating it (URL-safe, mode 600) on first use."""
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    value = secrets.token_urlsafe(nbytes)
    write_private(path, value + "\n")
    return value


def tail(path: Path, lines: int = 20) -> list[str]:
    """The last `lines` lines of a text file, or [] when it does not exist."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            # 200 bytes a line is plenty for server logs; read no more than needed.
            f.seek(max(0, size - lines * 200))
            data = f.read()
    except OSError:
        return []
    return data.decode("utf-8", errors="replace").splitlines()[-lines:]
