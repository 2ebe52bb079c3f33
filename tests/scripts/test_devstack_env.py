"""The environment Django processes get: ours by default, the user's values win."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from cxmdev.envs import django_env, export_lines

DATABASE_URL = "postgres://cxm:pw@127.0.0.1:25432/cxm"
REDIS_URL = "redis://127.0.0.1:26379/0"


def _env(base: Mapping[str, str], forced: Iterable[str] = ()) -> dict[str, str]:
    return django_env(
        base,
        database_url=DATABASE_URL,
        redis_url=REDIS_URL,
        secret_key="generated",
        port=8001,
        email_url="store:",
        static_root=Path("/repo/.devdata/static"),
        media_root=Path("/repo/.devdata/media"),
        forced=forced,
    )


def test_defaults_fill_an_empty_environment() -> None:
    env = _env({"PATH": "/usr/bin"})
    assert env["PATH"] == "/usr/bin"
    assert env["DATABASE_URL"] == DATABASE_URL
    assert env["REDIS_URL"] == REDIS_URL
    assert env["DEBUG"] == "0"
    assert env["ALLOWED_HOSTS"] == "localhost,127.0.0.1"
    assert env["CXM_BASE_URL"] == "http://127.0.0.1:8001"
    assert env["EMAIL_URL"] == "store:"
    assert env["STATIC_ROOT"] == "/repo/.devdata/static"
    assert env["MEDIA_ROOT"] == "/repo/.devdata/media"
    assert env["LOG_FORMAT"] == "text"
    assert env["PYTHONUNBUFFERED"] == "1"


def test_values_set_by_the_user_win_and_empty_ones_count_as_unset() -> None:
    user = {"DEBUG": "1", "EMAIL_URL": "console:", "SECRET_KEY": "mine", "LOG_FORMAT": ""}
    env = _env(user)
    assert env["DEBUG"] == "1"
    assert env["EMAIL_URL"] == "console:"
    assert env["SECRET_KEY"] == "mine"
    assert env["LOG_FORMAT"] == "text"


def test_forced_keys_ignore_the_user() -> None:
    user = {"EMAIL_URL": "smtp://real:secret@mail.example:25", "DEBUG": "1"}
    env = _env(user, forced=("EMAIL_URL",))
    assert env["EMAIL_URL"] == "store:"
    assert env["DEBUG"] == "1"


def test_export_lines_round_trip_through_sh() -> None:
    env = {"SECRET_KEY": "a'b $c", "DEBUG": "0", "UNRELATED": "x"}
    text = export_lines(env)
    assert "UNRELATED" not in text
    script = f'set -a\n{text}set +a\nprintf %s "$SECRET_KEY"'
    out = subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout == "a'b $c"
    assert shlex.split(text.splitlines()[0])  # one assignment a line
