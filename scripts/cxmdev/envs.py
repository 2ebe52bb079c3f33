"""The environment handed to Django processes (settings come from the environment only)."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path

# What the Django side reads; also what .devdata/env exports for a hand-run manage.py.
DJANGO_KEYS = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CXM_BASE_URL",
    "EMAIL_URL",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "LOG_FORMAT",
)


def django_env(
    base: Mapping[str, str],
    *,
    database_url: str,
    redis_url: str,
    secret_key: str,
    port: int,
    email_url: str,
    static_root: Path,
    media_root: Path,
    forced: Iterable[str] = (),
) -> dict[str, str]:
    """`base` (the user's environment) plus our values for every key the user left unset or
    empty. Keys in `forced` take our value regardless (tests must not send real e-mail)."""
    ours = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secret_key,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "CXM_BASE_URL": f"http://127.0.0.1:{port}",
        "EMAIL_URL": email_url,
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(media_root),
        "LOG_FORMAT": "text",
    }
    forced = set(forced)
    env = dict(base)
    for key, value in ours.items():
        if key in forced or not env.get(key):
            env[key] = value
    # Children's output goes through pipes; without this Python buffers it for minutes.
    env["PYTHONUNBUFFERED"] = "1"
    return env


def export_lines(env: Mapping[str, str], keys: Iterable[str] = DJANGO_KEYS) -> str:
    """Shell lines for `set -a; . .devdata/env; set +a` (values quoted for sh)."""
    return "".join(f"{key}={shlex.quote(env[key])}\n" for key in keys if key in env)
