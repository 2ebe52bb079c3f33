"""Command line: `python scripts/devstack.py run|test|bench|clean-devdata`."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from .console import SafeConsole
from .install import Apt
from .procs import OutputPump
from .servers import StackError
from .signals import Interrupted, Signals
from .stack import Ctx, bench, clean_devdata, run, test, warn

ROOT = Path(__file__).resolve().parents[2]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="private servers + migrate + seed + web/worker/cron (make run)")
    test_parser = sub.add_parser("test", help="throwaway servers, then pytest (make test)")
    test_parser.add_argument(
        "pytest_args", nargs=argparse.REMAINDER, help="passed to pytest (default: $PYTEST_ARGS)"
    )
    sub.add_parser("bench", help="throwaway servers, then every bench/*.py (make bench)")
    sub.add_parser("clean-devdata", help="remove .devdata unless cxm is running")
    args = parser.parse_args(argv)
    sys.stdout = SafeConsole(sys.stdout)
    sys.stderr = SafeConsole(sys.stderr)

    signals = Signals()
    signals.install()
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    pump = OutputPump(out=sys.stdout, colour=colour)
    ctx = Ctx(root=ROOT, signals=signals, pump=pump, apt=Apt(pump, signals, ROOT))
    try:
        if args.command == "run":
            return run(ctx)
        if args.command == "test":
            extra = [a for a in args.pytest_args if a != "--"]
            return test(ctx, extra or shlex.split(os.environ.get("PYTEST_ARGS", "")))
        if args.command == "bench":
            return bench(ctx)
        return clean_devdata(ctx)
    except Interrupted:
        return 130
    except StackError as e:
        warn(f"error: {e}")
        return 1
