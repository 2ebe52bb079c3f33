"""Generated secrets are kept private and stable; log tails are short."""

from __future__ import annotations

import stat
from pathlib import Path

from cxmdev.files import read_or_create_secret, tail, write_private


def test_secret_is_generated_once_with_mode_600(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    first = read_or_create_secret(path)
    assert len(first) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_or_create_secret(path) == first


def test_write_private_tightens_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "env"
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, "new\n")
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_tail_returns_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "web.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert tail(log, 3) == ["line 97", "line 98", "line 99"]
    assert tail(tmp_path / "missing.log") == []
