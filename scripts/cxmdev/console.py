"""stdout/stderr that survive a vanished reader (`make run | tee` after Ctrl-C, a closed
terminal): the supervisor must finish its teardown even when nobody can read what it says."""

from __future__ import annotations

import io
from typing import TextIO


class SafeConsole(io.TextIOBase):
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._broken = False

    def write(self, text: str) -> int:
        if not self._broken:
            try:
                self._stream.write(text)
            except OSError:  # EPIPE, or EIO from a hung-up terminal
                self._broken = True
        return len(text)

    def flush(self) -> None:
        if not self._broken:
            try:
                self._stream.flush()
            except OSError:
                self._broken = True

    def isatty(self) -> bool:
        return not self._broken and self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()
