"""The flows behind the make targets: run, test, bench, clean-devdata."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from .devlock import AlreadyRunning, DevLock
from .discover import find_chromium
from .envs import django_env, export_lines
from .files import read_or_create_secret, tail, write_private
from .install import Apt, InstallError, apt_usable
from .ports import port_is_free
from .postgres import EXTERNAL_ROOT
from .procs import Child, OutputPump, run_logged, spawn
from .servers import Servers, StackError, start_servers
from .signals import Interrupted, Signals

DEFAULT_PORT = 8000
HEALTH_TIMEOUT = 120.0
APP_NAMES = ("web", "worker", "bulk", "cron")


@dataclass
class Ctx:
    root: Path
    signals: Signals
    pump: OutputPump
    apt: Apt
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def venv(self) -> Path:
        return self.root / ".venv"

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    @property
    def devdata(self) -> Path:
        return self.root / ".devdata"


def say(message: str) -> None:
    print(f"cxm: {message}", flush=True)


def warn(message: str) -> None:
    print(f"cxm: {message}", file=sys.stderr, flush=True)


def web_port() -> int:
    raw = os.environ.get("PORT") or str(DEFAULT_PORT)
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise StackError(f"PORT={raw!r} is not a TCP port number")
    return int(raw)


def last_json_object(lines: Sequence[str]) -> dict[str, object] | None:
    """The JSON object on the last non-empty line (the management command summary contract)."""
    for line in reversed(lines):
        if line.strip():
            try:
                value = json.loads(line)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def demo_logins(summary: dict[str, object] | None) -> list[dict[str, str]]:
    logins = (summary or {}).get("logins")
    if not isinstance(logins, list):
        return []
    return [
        {k: str(item.get(k, "")) for k in ("role", "username", "password")}
        for item in logins
        if isinstance(item, dict)
    ]


def healthz_ok(url: str) -> bool:
    # No proxies: an http_proxy in the environment must not intercept a loopback probe.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=3) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def manage(ctx: Ctx, args: Sequence[str], env: dict[str, str], log: Path | None) -> list[str]:
    """Run `manage.py ARGS` showing its output as `setup | ...`; StackError when it fails."""
    t0 = time.monotonic()
    rc, out = run_logged(
        "setup",
        [ctx.python, "manage.py", *args],
        env=env,
        cwd=ctx.root,
        pump=ctx.pump,
        log_path=log,
    )
    ctx.timings[args[0]] = time.monotonic() - t0
    if rc != 0:
        where = f"; the output is above and in {log.relative_to(ctx.root)}" if log else ""
        raise StackError(f"`manage.py {' '.join(args)}` failed (exit {rc}){where}")
    return out


def print_tails(paths: Sequence[Path], lines: int = 20) -> None:
    for path in paths:
        print(f"==> {path} <==", file=sys.stderr)
        for line in tail(path, lines):
            print(f"    {line}", file=sys.stderr)
    sys.stderr.flush()


def stop_all(children: Sequence[Child], pump: OutputPump) -> None:
    """Ask every child to stop at once (their shutdowns overlap), keep showing their output
    while they finish, then SIGKILL whatever outlived its stop timeout."""
    for child in children:
        child.request_stop()
    deadline = time.monotonic() + max((c.stop_timeout for c in children), default=0)
    while time.monotonic() < deadline and any(c.poll() is None for c in children):
        pump.poll(0.1)
    for child in children:
        child.stop(timeout=0)
    pump.drain(1.0)
    say("stopped " + ", ".join(f"{c.name} (exit {c.proc.returncode})" for c in children))


# -- make run ------------------------------------------------------------------------------


def run(ctx: Ctx) -> int:
    devdata = ctx.devdata
    devdata.mkdir(exist_ok=True)
    lock = DevLock(devdata / "cxm.lock")
    try:
        lock.acquire()
    except AlreadyRunning as e:
        print(e, file=sys.stderr)
        return 1
    try:
        port = web_port()
        if not port_is_free(port):
            raise StackError(
                f"port {port} on 127.0.0.1 is already in use by another program; "
                f"stop it or choose another port: make run PORT={port + 1}"
            )
        with ExitStack() as stack:
            try:
                return _run(ctx, stack, port)
            except Interrupted:
                say("interrupted; stopping everything")
                return 0
            except (StackError, InstallError) as e:
                warn(f"error: {e}")
                return 1
            finally:
                # Teardown must finish: later signals are only recorded.
                ctx.signals.record_only()
    except StackError as e:
        warn(f"error: {e}")
        return 1
    finally:
        lock.release()


def _run(ctx: Ctx, stack: ExitStack, port: int) -> int:
    t0 = time.monotonic()
    devdata, logs = ctx.devdata, ctx.devdata / "logs"
    servers = start_servers(
        stack,
        root=ctx.root,
        workdir=devdata,
        logdir=logs,
        persistent=True,
        apt=ctx.apt,
        pump=ctx.pump,
        timings=ctx.timings,
    )
    say(f"servers ready in {time.monotonic() - t0:.1f} s")
    env = django_env(
        os.environ,
        database_url=servers.database_url,
        redis_url=servers.redis_url,
        secret_key=read_or_create_secret(devdata / "secret_key"),
        port=port,
        email_url="store:",
        static_root=devdata / "static",
        media_root=devdata / "media",
    )
    env["PORT"] = str(port)
    write_private(devdata / "env", export_lines(env))

    setup_log = logs / "setup.log"
    # collectstatic first: it needs no database, and with a manifest storage any command that
    # runs the URL checks (migrate does) can need the manifest to exist.
    manage(ctx, ["collectstatic", "--noinput", "-v0"], env, setup_log)
    manage(ctx, ["migrate", "--noinput"], env, setup_log)
    seeded = manage(ctx, ["seed_demo", "--if-empty"], env, setup_log)
    logins = _remember_logins(devdata / "logins.json", demo_logins(last_json_object(seeded)))

    children = _start_app(ctx, stack, env, port, logs)
    return _supervise(ctx, [*servers.children, *children], port, logins, t0, servers)


def _remember_logins(path: Path, logins: list[dict[str, str]]) -> list[dict[str, str]]:
    """seed_demo --if-empty may print no logins when the data already exists: keep the last
    ones it printed (mode 600, they are passwords)."""
    if logins:
        write_private(path, json.dumps(logins, indent=2) + "\n")
        return logins
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return demo_logins({"logins": stored})


def _start_app(
    ctx: Ctx, stack: ExitStack, env: dict[str, str], port: int, logs: Path
) -> list[Child]:
    bin_ = ctx.venv / "bin"
    manage_py = [ctx.python, "manage.py"]
    commands = {
        "web": [
            *(str(bin_ / "gunicorn"), "cxm.wsgi", "--bind", f"127.0.0.1:{port}"),
            *("--workers", "2", "--access-logfile", "-"),
            # gunicorn 27 otherwise opens a control socket at ~/.gunicorn/gunicorn.ctl, shared
            # by every gunicorn of this user (another checkout's make run, say).
            "--no-control-socket",
        ],
        # Urgent work has its own worker, so a long import or analysis run on `bulk` never
        # delays a follow-up task or an e-mail.
        "worker": [*manage_py, "rqworker", "--with-scheduler", "realtime", "default"],
        "bulk": [*manage_py, "rqworker", "bulk"],
        "cron": [*manage_py, "rqcron", "cxm.cron"],
    }
    children: list[Child] = []
    for name, cmd in commands.items():
        log = (logs / f"{name}.log").open("ab")
        stack.callback(log.close)
        child = spawn(name, cmd, env=env, cwd=ctx.root)
        children.append(child)
        if child.proc.stdout is not None:
            ctx.pump.add(name, child.proc.stdout, log=log)
    # Registered after the log files: runs before they are closed.
    stack.callback(stop_all, list(reversed(children)), ctx.pump)
    return children


def _supervise(
    ctx: Ctx,
    watched: list[Child],
    port: int,
    logins: list[dict[str, str]],
    t0: float,
    servers: Servers,
) -> int:
    ctx.signals.record_only()
    health = f"http://127.0.0.1:{port}/healthz"
    timeout = float(os.environ.get("CXM_HEALTH_TIMEOUT") or HEALTH_TIMEOUT)
    deadline = time.monotonic() + timeout
    healthy, next_probe = False, 0.0
    while True:
        if ctx.signals.received is not None:
            name = signal.Signals(ctx.signals.received).name
            say(f"{name} received; stopping everything")
            return 0
        for child in watched:
            rc = child.poll()
            if rc is not None:
                ctx.pump.drain(0.5)
                warn(f"{child.name} exited unexpectedly (exit {rc}); stopping everything")
                print_tails([ctx.devdata / "logs" / f"{child.name}.log"])
                return 1
        now = time.monotonic()
        if not healthy and now >= next_probe:
            if healthz_ok(health):
                healthy = True
                _banner(ctx, port, logins, time.monotonic() - t0)
            elif now > deadline:
                warn(f"{health} did not answer 200 within {timeout:.0f} s; stopping everything")
                logs = ctx.devdata / "logs"
                print_tails([logs / f"{name}.log" for name in APP_NAMES] + servers.logs)
                return 1
            else:
                next_probe = now + 0.5
        ctx.pump.poll(0.2)


def _banner(ctx: Ctx, port: int, logins: list[dict[str, str]], elapsed: float) -> None:
    rule = "-" * 72
    lines = [rule, f"  cxm is running at http://127.0.0.1:{port}/   (ready in {elapsed:.1f} s)"]
    if logins:
        lines.append("  Demo logins (role: username / password):")
        width = max(len(login["role"]) for login in logins)
        for login in logins:
            lines.append(f"    {login['role']:<{width}}  {login['username']} / {login['password']}")
    else:
        lines.append("  Demo logins: seed_demo printed none (see the setup output above)")
    lines += [
        "  Logs: .devdata/logs/ (web, worker, cron, setup, postgres, redis)",
        "  manage.py against this stack: set -a; . .devdata/env; set +a; "
        ".venv/bin/python manage.py shell",
        "  Ctrl-C stops everything.",
        rule,
    ]
    print("\n".join(lines), flush=True)


# -- make test / make bench ---------------------------------------------------------------


def _throwaway_env(servers: Servers, tmp: Path) -> dict[str, str]:
    return django_env(
        os.environ,
        database_url=servers.database_url,
        redis_url=servers.redis_url,
        secret_key=secrets.token_urlsafe(48),
        port=int(os.environ.get("PORT") or DEFAULT_PORT),
        email_url="locmem:",
        static_root=tmp / "static",
        media_root=tmp / "media",
        # A test run must not reuse the developer's secret or send real e-mail.
        forced=("SECRET_KEY", "EMAIL_URL", "STATIC_ROOT", "MEDIA_ROOT"),
    )


def _throwaway(ctx: Ctx, stack: ExitStack, tmp: Path) -> dict[str, str]:
    """Servers in `tmp` (removed at teardown) and the environment for processes using them."""
    # The postgres OS user (when we are root) must be able to enter it.
    tmp.chmod(0o755)
    stack.callback(shutil.rmtree, tmp, ignore_errors=True)
    servers = start_servers(
        stack,
        root=ctx.root,
        workdir=tmp,
        logdir=tmp / "logs",
        persistent=False,
        apt=ctx.apt,
        pump=ctx.pump,
        timings=ctx.timings,
    )
    return _throwaway_env(servers, tmp)


def test(ctx: Ctx, pytest_args: Sequence[str]) -> int:
    t0 = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="cxm-test-"))
    with ExitStack() as stack:
        try:
            env = _throwaway(ctx, stack, tmp)
            manage(ctx, ["collectstatic", "--noinput", "-v0"], env, None)
            t_browser = time.monotonic()
            env["CXM_CHROMIUM"] = str(ensure_chromium(ctx))
            ctx.timings["chromium"] = time.monotonic() - t_browser
            shown = ("binaries", "postgres", "redis", "collectstatic", "chromium")
            parts = ", ".join(
                f"{'server install' if k == 'binaries' else k} {v:.1f} s"
                for k, v in ctx.timings.items()
                # Finding installed binaries is instant; only an install is worth a mention.
                if k in shown and (k != "binaries" or v >= 0.5)
            )
            say(f"bootstrap took {time.monotonic() - t0:.1f} s ({parts})")
            return run_foreground(ctx, [str(ctx.venv / "bin" / "pytest"), *pytest_args], env)
        except Interrupted:
            say("interrupted; cleaning up")
            return 130
        except (StackError, InstallError) as e:
            warn(f"error: {e}")
            print_tails(sorted((tmp / "logs").glob("*.log")))
            return 1
        finally:
            ctx.signals.record_only()


def bench(ctx: Ctx) -> int:
    scripts = sorted((ctx.root / "bench").glob("*.py"))
    scripts = [s for s in scripts if not s.name.startswith("_")]
    # `make bench BENCH=survey_submit,time_to_task` runs only those.
    chosen = {name.strip() for name in os.environ.get("BENCH", "").split(",") if name.strip()}
    if chosen:
        scripts = [s for s in scripts if s.stem in chosen]
    if not scripts:
        say("no benchmarks in bench/ yet; nothing to run")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="cxm-bench-"))
    failed: list[str] = []
    with ExitStack() as stack:
        try:
            env = _throwaway(ctx, stack, tmp)
            # Pages rendered with DEBUG off need the static files' manifest.
            manage(ctx, ["collectstatic", "--noinput", "-v0"], env, None)
            for script in scripts:
                say(f"bench {script.relative_to(ctx.root)}")
                rc = run_foreground(ctx, [ctx.python, str(script)], env)
                if ctx.signals.received is not None:
                    return 130
                if rc != 0:
                    failed.append(f"{script.name} (exit {rc})")
        except Interrupted:
            say("interrupted; cleaning up")
            return 130
        except (StackError, InstallError) as e:
            warn(f"error: {e}")
            return 1
        finally:
            ctx.signals.record_only()
    if failed:
        warn(f"benchmarks failed: {', '.join(failed)}")
        return 1
    return 0


def run_foreground(ctx: Ctx, cmd: Sequence[str], env: dict[str, str]) -> int:
    """Run a command attached to the terminal (pytest's --pdb needs it) and return its exit
    code. A terminal Ctrl-C reaches it directly (same process group); other signals, or a
    SIGINT sent to us alone, are forwarded."""
    ctx.signals.record_only()
    seen_at: float | None = None
    forwarded = False
    child = spawn(
        Path(cmd[0]).name, cmd, env=env, cwd=ctx.root, stdout=None, stderr=None, own_group=False
    )
    try:
        while child.poll() is None:
            received = ctx.signals.received
            if received is not None and not forwarded:
                seen_at = seen_at if seen_at is not None else time.monotonic()
                if received != signal.SIGINT or time.monotonic() - seen_at > 2.0:
                    child.send(received)
                    forwarded = True
            time.sleep(0.1)
    finally:
        if child.poll() is None:
            child.stop(timeout=30)
    rc = child.proc.returncode
    # Killed by a signal: report it the way a shell does (128 + signal number).
    return 128 - rc if rc < 0 else rc


def ensure_chromium(ctx: Ctx) -> Path:
    """CXM_CHROMIUM if set; Debian's /usr/bin/chromium (installed with apt when we are root);
    else chromium/chromium-browser/google-chrome on PATH. Never downloads a browser."""
    chosen = os.environ.get("CXM_CHROMIUM")
    if chosen:
        if not os.access(chosen, os.X_OK):
            raise StackError(f"CXM_CHROMIUM={chosen} is not an executable")
        return Path(chosen)
    found = find_chromium(search_path=False)
    packages = []
    if found is None:
        packages.append("chromium")
    if _korean_font_missing():
        # The UI defaults to Korean; without a CJK font browser screenshots show boxes.
        packages.append("fonts-noto-cjk")
    if shutil.which("xgettext") is None:
        # The catalogue test extracts the marked strings (makemessages needs GNU gettext).
        packages.append("gettext")
    if shutil.which("zbarimg") is None:
        # The QR-code tests read the printed open-link codes back with a real decoder.
        packages.append("zbar-tools")
    if packages and apt_usable():
        try:
            ctx.apt.install(packages)
        except InstallError as e:
            warn(str(e))
    found = find_chromium()
    if found is None:
        raise StackError(
            "no Chromium for the browser tests: install Debian's `chromium` package (as root: "
            "apt-get install chromium), put chromium, chromium-browser or google-chrome on "
            "PATH, or set CXM_CHROMIUM=/path/to/chrome"
        )
    return found


def _korean_font_missing() -> bool:
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(["fc-list", ":lang=ko"], capture_output=True, text=True, check=False)
    return not out.stdout.strip()


# -- make clean-devdata --------------------------------------------------------------------


def clean_devdata(ctx: Ctx) -> int:
    devdata = ctx.devdata
    if not devdata.exists():
        say("no .devdata; nothing to remove")
        return 0
    lock = DevLock(devdata / "cxm.lock")
    try:
        # Held while deleting, so a `make run` cannot start halfway through.
        lock.acquire()
    except AlreadyRunning as e:
        print(f"{e}; stop it (Ctrl-C in its terminal) first", file=sys.stderr)
        return 1
    try:
        link = devdata / "postgres"
        if link.is_symlink():
            target = Path(os.readlink(link))
            if EXTERNAL_ROOT in target.parents:
                shutil.rmtree(target.parent, ignore_errors=True)
                say(f"removed {target.parent}")
        shutil.rmtree(devdata)
        say("removed .devdata")
    finally:
        lock.release()
    return 0
