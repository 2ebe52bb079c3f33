from __future__ import annotations

import socket
from pathlib import Path

import pytest
from cxmdev.ports import (
    NoFreePort,
    PortBook,
    candidate_ports,
    choose_port,
    port_is_free,
)


def test_remembered_port_is_reused_when_free() -> None:
    assert choose_port(25500, [25432, 25433], is_free=lambda p: True) == 25500


def test_taken_remembered_port_is_replaced_by_first_free_candidate() -> None:
    taken = {25500, 25432}
    port = choose_port(25500, [25432, 25433, 25434], is_free=lambda p: p not in taken)
    assert port == 25433


def test_without_a_remembered_port_the_first_free_candidate_wins() -> None:
    assert choose_port(None, [26379, 26380], is_free=lambda p: p != 26379) == 26380


def test_no_free_candidate_is_an_error() -> None:
    with pytest.raises(NoFreePort):
        choose_port(1, [2, 3], is_free=lambda p: False)


def test_candidates_stay_in_their_block_and_depend_on_the_seed() -> None:
    a = list(candidate_ports(25432, "/work/a", count=50))
    b = list(candidate_ports(25432, "/work/b", count=50))
    assert sorted(a) == list(range(25432, 25482))
    assert a == list(candidate_ports(25432, "/work/a", count=50))  # stable across runs
    assert a[0] != b[0]


def test_port_with_a_listener_is_not_free() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert not port_is_free(port)
    assert port_is_free(port)


def test_port_book_remembers_and_survives_a_corrupt_file(tmp_path: Path) -> None:
    book = PortBook(tmp_path / "ports.json")
    assert book.get("postgres") is None
    book.remember("postgres", 25440)
    book.remember("redis", 26390)
    assert PortBook(tmp_path / "ports.json").load() == {"postgres": 25440, "redis": 26390}
    (tmp_path / "ports.json").write_text("{not json")
    assert book.get("postgres") is None
