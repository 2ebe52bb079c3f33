"""A private redis-server child: persistent for `make run`, memory-only for tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from .ports import HOST
from .procs import Child, spawn


class RedisError(Exception):
    pass


def server_command(binary: Path, port: int, workdir: Path, *, persistent: bool) -> list[str]:
    cmd = [str(binary), "--bind", HOST, "--port", str(port), "--dir", str(workdir)]
    cmd += ["--daemonize", "no", "--pidfile", str(workdir / "redis.pid")]
    if persistent:
        # Separate arguments: Redis 6 reads "--save '60 1'" as one malformed value.
        cmd += ["--save", "60", "1", "--appendonly", "yes"]
    else:
        cmd += ["--save", "", "--appendonly", "no"]
    return cmd


def ping(port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    def __init__(
        self, *, binary: Path, port: int, workdir: Path, log_path: Path, persistent: bool
    ) -> None:
        self.binary = binary
        self.port = port
        self.workdir = workdir
        self.log_path = log_path
        self.persistent = persistent
        self.child: Child | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def stop_orphan(self) -> None:
        """A redis-server left running on our directory by a run that died: it would write the
        same append-only file as the new one, so stop it first (SIGTERM saves and exits)."""
        pidfile = self.workdir / "redis.pid"
        try:
            pid = int(pidfile.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return
        if b"redis-server" not in cmdline:
            return
        print(
            f"cxm: stopping a redis-server left running by an earlier run (pid {pid})", flush=True
        )
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not Path(f"/proc/{pid}").exists():
                return
            time.sleep(0.1)

    def start(self) -> Child:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        try:
            self.child = spawn(
                "redis",
                server_command(self.binary, self.port, self.workdir, persistent=self.persistent),
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                stop_timeout=30,  # SIGTERM = SHUTDOWN: it saves the data set first
            )
        finally:
            log.close()
        return self.child

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.child is not None and self.child.poll() is not None:
                raise RedisError(
                    f"redis-server exited during start (code {self.child.poll()}); "
                    f"see {self.log_path}"
                )
            if ping(self.port):
                return
            time.sleep(0.05)
        raise RedisError(f"redis-server did not answer PING in {timeout:.0f} s")

    def stop(self) -> None:
        if self.child is not None and self.child.poll() is None:
            rc = self.child.stop()
            print(f"cxm: stopped Redis (exit {rc})", flush=True)
