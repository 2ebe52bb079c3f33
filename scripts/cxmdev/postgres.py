"""A private PostgreSQL cluster: where it lives, initdb, start, readiness, stop."""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from .files import write_private
from .ports import HOST
from .procs import Child, RunAs, spawn

EXTERNAL_ROOT = Path("/var/lib/cxm-dev")
SUPERUSER = "cxm"
# A throwaway cluster's durability is worth nothing; these make `make test` much faster.
TEST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class PostgresError(Exception):
    pass


def postgres_os_user() -> RunAs | None:
    """The `postgres` OS user to run the server as when we are root (creating it if missing);
    None when we are not root and simply run it as ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        cmd = ["useradd", "--system", "--user-group", "--no-create-home"]
        cmd += ["--home-dir", "/var/lib/postgresql", "--shell", "/usr/sbin/nologin", "postgres"]
        subprocess.run(cmd, check=True)
        pw = pwd.getpwnam("postgres")
    groups = tuple(os.getgrouplist(pw.pw_name, pw.pw_gid))
    return RunAs(pw.pw_name, pw.pw_uid, pw.pw_gid, groups)


def traversable_by(path: Path, uid: int, gids: tuple[int, ...]) -> bool:
    """True when `uid` may enter every directory from / down to `path` (the x bit that applies
    to it: owner's, else group's, else others'; ACLs are not considered)."""
    if uid == 0:
        return True
    path = path.resolve()
    for d in [*reversed(path.parents), path]:
        try:
            st = d.stat()
        except OSError:
            return False
        if st.st_uid == uid:
            bit = stat.S_IXUSR
        elif st.st_gid in gids:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def repo_key(repo_root: Path) -> str:
    return hashlib.sha256(str(repo_root.resolve()).encode()).hexdigest()[:12]


def choose_cluster_home(
    devdata: Path, repo_root: Path, run_as: RunAs | None, external_root: Path = EXTERNAL_ROOT
) -> Path:
    """Where the cluster directory goes: `.devdata/postgres` when the server's OS user can reach
    it, else `<external_root>/<hash of the repo path>/postgres` (e.g. a checkout under /root,
    which the postgres user cannot enter)."""
    if run_as is None or traversable_by(devdata, run_as.uid, run_as.groups):
        return devdata / "postgres"
    return external_root / repo_key(repo_root) / "postgres"


def initdb_locale_args(available: list[str]) -> list[str]:
    """C.UTF-8 when the C library has it (Unicode-aware case mapping, byte-order collation);
    else the plain C locale. Either way the encoding is UTF-8."""
    normalized = {name.lower().replace("-", "") for name in available}
    if "c.utf8" in normalized:
        return ["--encoding=UTF8", "--locale=C.UTF-8"]
    return ["--encoding=UTF8", "--no-locale"]


def available_locales() -> list[str]:
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False)
    except OSError:
        return []
    return out.stdout.split()


def server_command(
    bindir: Path, data: Path, port: int, settings: Mapping[str, str] | None = None
) -> list[str]:
    """postgres on 127.0.0.1 only, with no Unix socket (TCP is all we use, and a socket path in
    a deep checkout would exceed the 107-byte limit)."""
    cmd = [str(bindir / "postgres"), "-D", str(data)]
    all_settings = {"listen_addresses": HOST, "port": str(port), "unix_socket_directories": ""}
    all_settings.update(settings or {})
    for name, value in all_settings.items():
        cmd += ["-c", f"{name}={value}"]
    return cmd


class Cluster:
    def __init__(
        self,
        *,
        bindir: Path,
        home: Path,
        port: int,
        password: str,
        run_as: RunAs | None,
        log_path: Path,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.bindir = bindir
        self.home = home
        self.data = home / "data"
        self.port = port
        self.password = password
        self.run_as = run_as
        self.log_path = log_path
        self.settings = dict(settings or {})
        self.child: Child | None = None

    def url(self, dbname: str) -> str:
        return f"postgres://{SUPERUSER}:{self.password}@{HOST}:{self.port}/{dbname}"

    def _server_env(self) -> dict[str, str]:
        # A clean environment: the server must not pick up the caller's PG* or locale variables.
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}

    def _as_owner(self, cmd: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            cmd,
            env=self._server_env(),
            cwd=self.home,
            capture_output=True,
            text=True,
            check=False,
            user=self.run_as.uid if self.run_as else None,
            group=self.run_as.gid if self.run_as else None,
            extra_groups=list(self.run_as.groups) if self.run_as else None,
        )

    def _chown(self, path: Path) -> None:
        if self.run_as is not None:
            os.chown(path, self.run_as.uid, self.run_as.gid)

    def ensure_initialized(self) -> bool:
        """initdb once (superuser `cxm`, scram password auth, UTF-8). True if it ran now.

        initdb writes to data.new, renamed when complete, so an interrupted initdb is redone.
        """
        if (self.data / "PG_VERSION").exists():
            return False
        self.home.mkdir(parents=True, exist_ok=True)
        self.home.chmod(0o700)
        self._chown(self.home)
        staging = self.home / "data.new"
        shutil.rmtree(staging, ignore_errors=True)
        pwfile = self.home / "initdb-password"
        write_private(pwfile, self.password + "\n")
        self._chown(pwfile)
        try:
            cmd = [str(self.bindir / "initdb"), "-D", str(staging), f"--username={SUPERUSER}"]
            cmd += [f"--pwfile={pwfile}", "--auth=scram-sha-256"]
            cmd += initdb_locale_args(available_locales())
            result = self._as_owner(cmd)
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise PostgresError(f"initdb failed:\n{result.stdout}{result.stderr}")
        os.replace(staging, self.data)
        return True

    def stop_orphan(self) -> None:
        """A postmaster still running on our data directory belongs to an earlier run that died
        without stopping it (we hold the .devdata lock): stop it before starting ours."""
        pidfile = self.data / "postmaster.pid"
        try:
            pid = int(pidfile.read_text().split("\n", 1)[0])
            os.kill(pid, 0)
        except (OSError, ValueError):
            return
        print(f"cxm: stopping a PostgreSQL left running by an earlier run (pid {pid})", flush=True)
        self._as_owner([str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data), "-m", "fast"])

    def start(self) -> Child:
        log = self.log_path.open("ab")
        try:
            self.child = spawn(
                "postgres",
                server_command(self.bindir, self.data, self.port, self.settings),
                env=self._server_env(),
                cwd=self.home,
                stdout=log,
                stderr=subprocess.STDOUT,
                run_as=self.run_as,
                # Should we die, SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for
                # clients to disconnect).
                death_signal=signal.SIGINT,
                stop_signal=signal.SIGINT,
                stop_timeout=30,
            )
        finally:
            log.close()
        return self.child

    def psql(self, sql: str, dbname: str = "postgres") -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / "psql"), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1"]
        cmd += ["-h", HOST, "-p", str(self.port), "-U", SUPERUSER, "-d", dbname, "-c", sql]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PGPASSWORD": self.password,
            "PGCONNECT_TIMEOUT": "3",
        }
        return subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.child is not None and self.child.poll() is not None:
                raise PostgresError(
                    f"PostgreSQL exited during start (code {self.child.poll()}); "
                    f"see {self.log_path}"
                )
            result = self.psql("SELECT 1")
            if result.returncode == 0:
                return
            last = result.stderr.strip()
            time.sleep(0.1)
        raise PostgresError(f"PostgreSQL did not accept connections in {timeout:.0f} s: {last}")

    def ensure_database(self, name: str) -> None:
        # `name` is a constant of ours, never user input, so formatting it into SQL is safe.
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")  # noqa: S608
        if exists.returncode != 0:
            raise PostgresError(f"could not query PostgreSQL: {exists.stderr.strip()}")
        if exists.stdout.strip() != "1":
            created = self.psql(f'CREATE DATABASE "{name}"')
            if created.returncode != 0:
                raise PostgresError(f"CREATE DATABASE {name} failed: {created.stderr.strip()}")

    def stop(self) -> None:
        """`pg_ctl stop -m fast`, then make sure the child is gone."""
        if self.child is None or self.child.poll() is not None:
            return
        self._as_owner([str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data), "-m", "fast"])
        rc = self.child.stop(timeout=30)
        print(f"cxm: stopped PostgreSQL (exit {rc})", flush=True)
