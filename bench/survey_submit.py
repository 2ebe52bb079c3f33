"""Benchmark: customers submitting an open-link survey, against a trivial view, in one run.

gunicorn (2 sync workers, as `make run` starts it) serves the app on a loopback port; a
load generator in this process (threads, one connection per request, prepared request bytes
and no response parsing beyond the status, so it takes little of the cores it shares with the
server) measures:

1. the maximum throughput (closed loop, CONCURRENCY clients for DURATION seconds) of
   - the trivial view: GET /favicon.ico (a redirect through the whole middleware stack, no
     database), the baseline;
   - a survey submit: POST /o/<code>/ answering a one-page survey (NPS + comment), which
     validates the answers and writes a Response with its Answer rows;
2. the submit latency (p50, p99) at 70% of the submit maximum, open loop: requests are sent
   on a fixed schedule and latency counts from the scheduled time, so a slow server cannot
   hide its queue (no coordinated omission).

Each phase reports `cpu_steal`, the share of the machine's CPU time the host of a virtual
machine took away during it; figures from a run with much steal say little.

Targets (Surveys issue): submit throughput >= 0.3 x the trivial view's; p99 <= 250 ms at 70%
of the maximum. Last line: one JSON object as ARCHITECTURE.md describes.

Run by `make bench` (throwaway servers) or by hand with DATABASE_URL naming a PostgreSQL
server where databases can be created (the bench migrates a throwaway database of its own
there and drops it at the end) and REDIS_URL a Redis it may write to.
BENCH_DURATION (seconds per phase, default 8) shortens a run; the figures of a short run say
little.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from _throwaway import migrated_django  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CONCURRENCY = 8
DURATION = float(os.environ.get("BENCH_DURATION", "8"))
LOAD_SHARE = 0.7
TARGET_RATIO = 0.3
TARGET_P99_MS = 250.0


def bench_environment() -> None:
    """Settings for this bench, before Django is set up (they reach gunicorn too)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxm.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)
    os.environ.setdefault("EMAIL_URL", "locmem:")
    os.environ.setdefault("LOG_FORMAT", "text")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The open link's per-address limits would stop a load test from one address.
    os.environ["CXM_OPEN_LINK_SUBMITS_PER_HOUR"] = "100000000"
    os.environ["CXM_OPEN_LINK_VIEWS_PER_MINUTE"] = "100000000"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost"


def make_survey() -> str:
    """A published one-page survey with an open link; returns its open code."""
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)
    from surveys.models import Survey, SurveyVersion, Touchpoint

    touchpoint, _ = Touchpoint.objects.get_or_create(name="bench")
    questions = [
        {"key": "nps", "type": "nps", "required": True, "show_if": None,
         "text": {"ko": "추천하시겠습니까?", "en": "Would you recommend us?"}},
        {"key": "why", "type": "long_text", "required": False, "show_if": None,
         "text": {"ko": "이유는 무엇인가요?", "en": "Why?"}},
    ]  # fmt: skip
    survey = Survey.objects.create(
        touchpoint=touchpoint, name="bench", draft=questions, open_code=uuid.uuid4().hex[:12]
    )
    version = SurveyVersion.objects.create(survey=survey, number=1, questions=questions)
    survey.current_version = version
    survey.status = Survey.Status.PUBLISHED
    survey.save(update_fields=["current_version", "status"])
    return str(survey.open_code)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def gunicorn(port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "cxm.wsgi", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--no-control-socket"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                if request(port, "GET", "/favicon.ico")[0] == 302:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def request(
    port: int, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
) -> tuple[int, str, dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, text, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def send(port: int, raw: bytes) -> int:
    """Send one prepared HTTP request on a new connection, read the whole answer; its status.

    A lean client (no header parsing, no decoding) so the load generator, which shares the
    machine's cores with the server, takes as little of them as it can.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(raw)
        first = sock.recv(65536)
        while sock.recv(65536):
            pass
    return int(first[9:12])


def raw_request(
    port: int, method: str, path: str, headers: dict[str, str], body: str = ""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def trivial_call(port: int) -> Callable[[], int]:
    raw = raw_request(port, "GET", "/favicon.ico", {})
    return lambda: send(port, raw)


def submit_template(port: int, code: str) -> Callable[[], int]:
    """GET the form once; each call POSTs it with a fresh one-time submission key."""
    status, html, headers = request(port, "GET", f"/o/{code}/")
    if status != 200:
        raise RuntimeError(f"open link answered {status}")
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    cookie = headers.get("set-cookie", "").split(";", 1)[0]
    base = {name: value for name, value in hidden.items() if name != "submission_key"}
    sent_headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": cookie,
        "Referer": f"http://127.0.0.1:{port}/o/{code}/",
    }
    # Every submission key has the same length, so one prepared request serves them all.
    marker = str(uuid.UUID(int=0))
    form = {**base, "submission_key": marker, "nps": "9", "why": "빠른 배송"}
    before, after = raw_request(port, "POST", f"/o/{code}/", sent_headers, urlencode(form)).split(
        marker.encode()
    )

    def submit() -> int:
        return send(port, before + str(uuid.uuid4()).encode() + after)

    return submit


def cpu_times() -> tuple[int, int]:
    """(stolen, total) CPU ticks of the machine so far; (0, 0) where /proc/stat is missing.

    On a virtual machine the host can take CPU time away ("steal"); a run with much of it
    measures the neighbours, not cxm, so the result says how much there was.
    """
    try:
        with open("/proc/stat") as stat:
            ticks = [int(value) for value in stat.readline().split()[1:]]
    except OSError:
        return 0, 0
    return ticks[7], sum(ticks)


def steal_share(before: tuple[int, int]) -> float:
    stolen, total = cpu_times()
    return round((stolen - before[0]) / max(1, total - before[1]), 3)


def closed_loop(call: Callable[[], int], expect: int) -> dict[str, float]:
    ticks = cpu_times()
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + DURATION

    def client() -> None:
        nonlocal errors
        while time.monotonic() < stop:
            started = time.perf_counter()
            status = call()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors += status != expect

    threads = [threading.Thread(target=client) for _ in range(CONCURRENCY)]
    begun = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - begun
    return {
        "rps": round(len(latencies) / seconds, 1),
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "cpu_steal": steal_share(ticks),
    }


def open_loop(call: Callable[[], int], expect: int, rate: float) -> dict[str, float]:
    """Send at `rate` per second on a schedule; latency from the scheduled time."""
    ticks = cpu_times()
    interval = 1.0 / rate
    total = int(rate * DURATION)
    start = time.perf_counter() + 0.2
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    index = iter(range(total))

    def client() -> None:
        nonlocal errors
        while True:
            with lock:
                n = next(index, None)
            if n is None:
                return
            due = start + n * interval
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            status = call()
            with lock:
                latencies.append(time.perf_counter() - due)
                errors += status != expect

    threads = [threading.Thread(target=client) for _ in range(CONCURRENCY * 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies)
    return {
        "rate": round(rate, 1),
        "requests": len(ordered),
        "errors": errors,
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "cpu_steal": steal_share(ticks),
    }


def forget_evaluations(code: str) -> None:
    """Leave no rule evaluation behind. No worker runs during the benchmark, so its drain job
    would wait on the `realtime` queue for the next worker (in `make bench`, the time-to-task
    benchmark's), which would first evaluate thousands of these responses; they answer a
    survey no rule looks at, so they are marked evaluated and the job is taken off."""
    from django.utils import timezone

    from actions.services.evaluation import DRAIN_FLAG, DRAIN_JOB
    from cxm.queues import get_queue
    from xdata.models import Response

    Response.objects.filter(survey__open_code=code, evaluated_at=None).update(
        evaluated_at=timezone.now()
    )
    queue = get_queue("realtime")
    for job in queue.jobs:
        if job.func_name == DRAIN_JOB:
            job.delete()
    queue.connection.delete(DRAIN_FLAG)


def main() -> int:
    bench_environment()
    with migrated_django("survey_submit"):
        code = make_survey()
        from xdata.models import Response

        port = free_port()
        with gunicorn(port):
            trivial = closed_loop(trivial_call(port), 302)
            submit = submit_template(port, code)
            before = Response.objects.count()
            maximum = closed_loop(submit, 200)
            loaded = open_loop(submit, 200, LOAD_SHARE * maximum["rps"])
            recorded = Response.objects.count() - before
        forget_evaluations(code)
    ratio = maximum["rps"] / trivial["rps"] if trivial["rps"] else 0.0
    ok_ratio = ratio >= TARGET_RATIO
    ok_p99 = loaded["p99_ms"] <= TARGET_P99_MS
    submitted_ok = maximum["requests"] - maximum["errors"] + loaded["requests"] - loaded["errors"]
    summary: dict[str, Any] = {
        "bench": "survey_submit",
        "value": maximum["rps"],
        "unit": "submits/s",
        "baseline": trivial["rps"],
        "ratio": round(ratio, 3),
        "target": TARGET_RATIO,
        "ok": ok_ratio and ok_p99 and recorded == submitted_ok,
        "trivial_view": trivial,
        "submit_max": maximum,
        "submit_at_70pct": loaded,
        "p99_target_ms": TARGET_P99_MS,
        "ok_ratio": ok_ratio,
        "ok_p99": ok_p99,
        "responses_recorded": recorded,
        "responses_expected": submitted_ok,
        "setup": f"gunicorn 2 sync workers; {CONCURRENCY} closed-loop clients for {DURATION}s; "
        "load generator threads in the same machine",
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
