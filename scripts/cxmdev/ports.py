"""Loopback port choice: reuse the remembered port when it is free, else pick another."""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

HOST = "127.0.0.1"

# Below Linux's ephemeral range (32768-60999), so an outgoing connection never squats a
# remembered port between two runs; postgres and redis get disjoint blocks.
POSTGRES_BASE = 25432
REDIS_BASE = 26379
BLOCK = 500


class NoFreePort(Exception):
    pass


def port_is_free(port: int, host: str = HOST) -> bool:
    """True when nothing listens on host:port (a bind succeeds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # Servers set SO_REUSEADDR, so a port that only has TIME_WAIT leftovers of our own last
        # run is free for them; bind the same way to get the same answer.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def any_free_port(host: str = HOST) -> int:
    """A port the kernel says is free now (for throwaway servers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def candidate_ports(base: int, seed: str, count: int = BLOCK) -> Iterator[int]:
    """Ports base..base+count-1, starting at an offset derived from `seed` (the repo path), so
    two checkouts on one machine start from different ports."""
    offset = int(hashlib.sha256(seed.encode()).hexdigest(), 16) % count
    for i in range(count):
        yield base + (offset + i) % count


def choose_port(
    remembered: int | None,
    candidates: Iterable[int],
    is_free: Callable[[int], bool] = port_is_free,
) -> int:
    """The remembered port if it is still free, else the first free candidate."""
    if remembered is not None and is_free(remembered):
        return remembered
    for port in candidates:
        if port != remembered and is_free(port):
            return port
    raise NoFreePort("no free loopback port found")


class PortBook:
    """Ports remembered across runs in a small JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, int]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(v, int)}

    def get(self, name: str) -> int | None:
        return self.load().get(name)

    def remember(self, name: str, port: int) -> None:
        data = self.load()
        data[name] = port
        self.path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
