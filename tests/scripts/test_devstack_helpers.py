"""Small decisions of the supervisor: summary parsing, PORT, server command lines, signals."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from cxmdev.postgres import server_command as postgres_command
from cxmdev.redis import server_command as redis_command
from cxmdev.servers import StackError
from cxmdev.signals import Interrupted, Signals
from cxmdev.stack import demo_logins, last_json_object, web_port


def test_summary_is_the_json_object_on_the_last_line() -> None:
    lines = [
        "Created 3 users",
        '{"logins": [{"role": "Admin", "username": "a", "password": "p"}]}',
        "",
    ]
    assert demo_logins(last_json_object(lines)) == [
        {"role": "Admin", "username": "a", "password": "p"}
    ]


def test_no_summary_means_no_logins() -> None:
    assert last_json_object(["done."]) is None
    assert last_json_object(["[1, 2]"]) is None
    assert demo_logins(None) == []
    assert demo_logins({"logins": "nope"}) == []


def test_port_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORT", raising=False)
    assert web_port() == 8000
    monkeypatch.setenv("PORT", "8123")
    assert web_port() == 8123
    monkeypatch.setenv("PORT", "http")
    with pytest.raises(StackError):
        web_port()


def test_postgres_listens_on_loopback_tcp_only() -> None:
    cmd = postgres_command(Path("/pg/bin"), Path("/data"), 25432, {"fsync": "off"})
    assert cmd[:3] == ["/pg/bin/postgres", "-D", "/data"]
    settings = [cmd[i + 1] for i, arg in enumerate(cmd) if arg == "-c"]
    assert settings == [
        "listen_addresses=127.0.0.1",
        "port=25432",
        "unix_socket_directories=",
        "fsync=off",
    ]


def test_redis_persists_for_run_and_not_for_tests() -> None:
    kept = redis_command(Path("/usr/bin/redis-server"), 26379, Path("/d"), persistent=True)
    assert kept[kept.index("--bind") + 1] == "127.0.0.1"
    assert kept[kept.index("--save") + 1 : kept.index("--save") + 3] == ["60", "1"]
    assert kept[kept.index("--appendonly") + 1] == "yes"
    throwaway = redis_command(Path("/usr/bin/redis-server"), 26379, Path("/d"), persistent=False)
    assert throwaway[throwaway.index("--save") + 1] == ""
    assert throwaway[throwaway.index("--appendonly") + 1] == "no"


def test_signal_during_boot_raises_and_a_second_one_does_not() -> None:
    signals = Signals()
    previous = signal.signal(signal.SIGUSR1, signal.SIG_DFL)
    try:
        signal.signal(signal.SIGUSR1, signals._handle)
        with pytest.raises(Interrupted):
            os.kill(os.getpid(), signal.SIGUSR1)
        os.kill(os.getpid(), signal.SIGUSR1)  # recorded already: teardown is not cut short
        assert signals.received == signal.SIGUSR1
    finally:
        signal.signal(signal.SIGUSR1, previous)


def test_deferred_signal_is_acted_on_after_the_block() -> None:
    signals = Signals()
    with pytest.raises(Interrupted), signals.deferred():
        signals._handle(signal.SIGTERM, None)  # e.g. during apt-get install
        finished = True
    assert finished
