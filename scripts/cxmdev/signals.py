"""Turning SIGINT/SIGTERM/SIGHUP into an orderly stop.

While the stack boots, a signal raises `Interrupted` at once so the boot unwinds through its
teardown callbacks. While it supervises (or tears down), the signal is only recorded and the
loop that is running looks at it: a second Ctrl-C must not cut a teardown short.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(Exception):
    """Raised by the signal handler while the stack boots (stands in for KeyboardInterrupt)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Signals:
    def __init__(self) -> None:
        self.received: int | None = None
        self._raise = True

    def install(self) -> None:
        for signum in HANDLED:
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        first = self.received is None
        if first or signum != signal.SIGINT:
            # A SIGTERM after a SIGINT still counts (it is the more definite request).
            self.received = signum
        if first and self._raise:
            raise Interrupted(signum)

    def record_only(self) -> None:
        """From now on signals are only recorded; the caller polls `received`."""
        self._raise = False

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Record signals during the block (apt/dpkg must not be killed halfway); act after it."""
        previous, self._raise = self._raise, False
        try:
            yield
        finally:
            self._raise = previous
        if previous and self.received is not None:
            raise Interrupted(self.received)
