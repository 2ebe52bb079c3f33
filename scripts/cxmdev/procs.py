"""Child processes: start them in their own session, show their output, stop them for good."""

from __future__ import annotations

import contextlib
import ctypes
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

PR_SET_PDEATHSIG = 1

# ANSI colours for the terminal prefixes, by child name.
COLOURS = {
    "web": "32",
    "worker": "36",
    "bulk": "36",
    "cron": "35",
    "setup": "33",
    "apt": "34",
    "pip": "34",
}


class Writer(Protocol):
    def write(self, text: str, /) -> int: ...
    def flush(self) -> None: ...


@dataclass(frozen=True)
class RunAs:
    """An OS user to run a child as (PostgreSQL refuses to run as root)."""

    name: str
    uid: int
    gid: int
    groups: tuple[int, ...]


def _die_with_parent(sig: int) -> Callable[[], None] | None:
    """A preexec_fn asking Linux to send `sig` to the child when this process dies, so even a
    SIGKILLed supervisor leaves nothing running (children live in their own sessions, so the
    terminal does not reach them)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, sig)
        if os.getppid() != parent:  # the parent died before prctl() took effect
            os._exit(1)

    return preexec


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    own_group: bool
    stop_signal: int = signal.SIGTERM
    stop_timeout: float = 15.0
    stop_requested: bool = False

    @property
    def pid(self) -> int:
        return self.proc.pid

    def poll(self) -> int | None:
        return self.proc.poll()

    def send(self, sig: int) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, sig)

    def request_stop(self) -> None:
        """Send the stop signal once: a second SIGTERM would turn rq's warm shutdown (finish the
        current job) into a cold one."""
        if not self.stop_requested:
            self.stop_requested = True
            self.send(self.stop_signal)

    def stop(self, timeout: float | None = None) -> int:
        """Ask the child to stop, wait, then SIGKILL it and anything left in its process group.

        The polite signal goes to the leader only: rq's worker and gunicorn's master stop their
        own children in order (a signal to the whole group would kill a running job outright).
        """
        self.request_stop()
        try:
            self.proc.wait(self.stop_timeout if timeout is None else timeout)
        except subprocess.TimeoutExpired:
            print(f"cxm: {self.name} did not stop in time; killing it", file=sys.stderr)
            self._kill_group(signal.SIGKILL)
            self.proc.wait()
        if self.own_group:
            self._reap_group()
        return self.proc.returncode

    def _kill_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            if self.own_group:
                os.killpg(self.proc.pid, sig)
            else:
                os.kill(self.proc.pid, sig)

    def _reap_group(self) -> None:
        # The leader is gone; stragglers in its group (an orphaned gunicorn worker, a work horse)
        # get a short grace period, then SIGKILL. The kernel does not reuse a pid as a process
        # group id while that group has members, so this cannot hit a stranger.
        for sig, grace in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 1.0)):
            deadline = time.monotonic() + grace
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            while time.monotonic() < deadline:
                try:
                    os.killpg(self.proc.pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.05)


def spawn(
    name: str,
    cmd: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    stdout: int | IO[bytes] | None = subprocess.PIPE,
    stderr: int | IO[bytes] | None = subprocess.STDOUT,
    run_as: RunAs | None = None,
    own_group: bool = True,
    death_signal: int = signal.SIGTERM,
    stop_signal: int = signal.SIGTERM,
    stop_timeout: float = 15.0,
) -> Child:
    """Start `cmd`. With own_group (the default) it gets its own session, so a Ctrl-C in the
    terminal reaches only the supervisor, which then stops it exactly once."""
    proc = subprocess.Popen(
        list(cmd),
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL if own_group else None,
        stdout=stdout,
        stderr=stderr,
        start_new_session=own_group,
        # preexec_fn is unsafe only with threads; this supervisor has none.
        preexec_fn=_die_with_parent(death_signal),
        user=run_as.uid if run_as else None,
        group=run_as.gid if run_as else None,
        extra_groups=list(run_as.groups) if run_as else None,
    )
    return Child(name, proc, own_group, stop_signal=stop_signal, stop_timeout=stop_timeout)


@dataclass
class _Source:
    stream: IO[bytes]
    name: str
    prefix: str
    log: IO[bytes] | None
    show: bool
    collect: list[str] | None
    buf: bytes = b""


@dataclass
class OutputPump:
    """Copies children's output line by line to the terminal (prefixed) and to log files."""

    out: Writer = field(default_factory=lambda: sys.stdout)
    colour: bool = False
    width: int = 6
    _sel: selectors.BaseSelector = field(default_factory=selectors.DefaultSelector)

    def fresh(self) -> OutputPump:
        """A new pump with the same look, for one command whose leftovers are then dropped."""
        return OutputPump(out=self.out, colour=self.colour, width=self.width)

    def close(self) -> None:
        for key in list(self._sel.get_map().values()):
            self._sel.unregister(key.fileobj)
            key.data.stream.close()
        self._sel.close()

    def prefix(self, name: str) -> str:
        text = f"{name:<{self.width}} | "
        code = COLOURS.get(name)
        return f"\033[{code}m{text}\033[0m" if self.colour and code else text

    def add(
        self,
        name: str,
        stream: IO[bytes],
        *,
        log: IO[bytes] | None = None,
        show: bool = True,
        collect: list[str] | None = None,
    ) -> None:
        os.set_blocking(stream.fileno(), False)
        self._sel.register(
            stream,
            selectors.EVENT_READ,
            _Source(stream, name, self.prefix(name), log, show, collect),
        )

    @property
    def open_streams(self) -> int:
        return len(self._sel.get_map())

    def poll(self, timeout: float) -> None:
        if not self._sel.get_map():
            time.sleep(timeout)
            return
        for key, _ in self._sel.select(timeout):
            src: _Source = key.data
            try:
                data = os.read(key.fd, 65536)
            except BlockingIOError:
                continue
            if not data:
                if src.buf:
                    self._emit(src, src.buf)
                    src.buf = b""
                self._sel.unregister(src.stream)
                src.stream.close()
                continue
            *lines, src.buf = (src.buf + data).split(b"\n")
            for line in lines:
                self._emit(src, line)

    def drain(self, timeout: float = 2.0) -> None:
        """Read what is left after the writers exited."""
        deadline = time.monotonic() + timeout
        while self._sel.get_map() and time.monotonic() < deadline:
            self.poll(0.05)

    def _emit(self, src: _Source, raw: bytes) -> None:
        if src.log is not None:
            src.log.write(raw + b"\n")
            src.log.flush()
        text = raw.decode("utf-8", errors="replace").rstrip("\r")
        if src.collect is not None:
            src.collect.append(text)
        if src.show:
            self.out.write(src.prefix + text + "\n")
            self.out.flush()


def run_logged(
    name: str,
    cmd: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    pump: OutputPump,
    log_path: Path | None = None,
    show: bool = True,
    run_as: RunAs | None = None,
) -> tuple[int, list[str]]:
    """Run `cmd` to completion, showing its output as `name | ...`. Returns the exit code and its
    standard output lines (kept apart from stderr: commands print their JSON summary last)."""
    stdout_lines: list[str] = []
    log = log_path.open("ab") if log_path is not None else None
    # A pump of its own: if a grandchild keeps the pipes open, its output is dropped at the end
    # instead of leaking into the caller's pump.
    pump = pump.fresh()
    try:
        child = spawn(name, cmd, env=env, cwd=cwd, stderr=subprocess.PIPE, run_as=run_as)
        try:
            if child.proc.stdout is None or child.proc.stderr is None:
                raise RuntimeError("spawn() was asked for pipes")
            pump.add(name, child.proc.stdout, log=log, show=show, collect=stdout_lines)
            pump.add(name, child.proc.stderr, log=log, show=show)
            while child.poll() is None:
                pump.poll(0.2)
            pump.drain()
        except BaseException:
            # Interrupted (or anything else): the command must not outlive us.
            child.stop(timeout=10)
            pump.drain(0.5)
            raise
        return child.proc.returncode, stdout_lines
    finally:
        pump.close()
        if log is not None:
            log.close()
