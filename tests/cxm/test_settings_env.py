"""Settings come from the environment and bad values stop the start-up with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cxm.env import (
    Env,
    is_placeholder_sender,
    parse_base_url,
    parse_database_url,
    parse_email_url,
    parse_from_email,
    parse_redis_url,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("raw", ["maybe", "2", "tru"])
def test_bool_refuses_words_it_does_not_know(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        Env({"DEBUG": raw}).boolean("DEBUG", default=False)


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("no", False), ("ON", True), ("", False)]
)
def test_bool_reads_common_spellings(raw: str, expected: bool) -> None:
    assert Env({"DEBUG": raw}).boolean("DEBUG", default=not expected) is expected


def test_int_refuses_non_numbers_and_values_below_minimum() -> None:
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        Env({"N": "ten"}).integer("N", default=1)
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        Env({"N": "-1"}).integer("N", default=1, minimum=0)
    assert Env({}).integer("N", default=7) == 7


def test_missing_required_value_names_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is not set"):
        Env({}).string("SECRET_KEY")


def test_choice_lists_the_allowed_values() -> None:
    with pytest.raises(ImproperlyConfigured, match="ko, en"):
        Env({"LANGUAGE_CODE": "fr"}).choice("LANGUAGE_CODE", "ko", ("ko", "en"))


def test_list_splits_on_commas() -> None:
    assert Env({"ALLOWED_HOSTS": " a.example , b.example,"}).strings("ALLOWED_HOSTS") == [
        "a.example",
        "b.example",
    ]


def test_database_url_must_be_postgresql() -> None:
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL only"):
        parse_database_url("sqlite:///db.sqlite3")
    with pytest.raises(ImproperlyConfigured, match="names no database"):
        parse_database_url("postgres://u:p@localhost:5432/")
    config = parse_database_url("postgres://u:p%40ss@db.internal:6543/cxm")
    assert config["ENGINE"] == "cxm.db"  # Django's PostgreSQL backend, cheaper health check
    assert (config["HOST"], config["PORT"], config["NAME"], config["PASSWORD"]) == (
        "db.internal",
        6543,
        "cxm",
        "p@ss",
    )


def test_redis_url_scheme_is_checked() -> None:
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        parse_redis_url("http://localhost:6379")
    assert parse_redis_url("redis://localhost:6379/1") == "redis://localhost:6379/1"


def test_email_url_variants() -> None:
    smtp = parse_email_url("smtp://mailer:s%2Fecret@smtp.example.com:587?tls=1")
    assert smtp["EMAIL_HOST"] == "smtp.example.com"
    assert smtp["EMAIL_PORT"] == 587
    assert smtp["EMAIL_HOST_PASSWORD"] == "s/ecret"
    assert smtp["EMAIL_USE_TLS"] is True
    assert parse_email_url("smtps://smtp.example.com")["EMAIL_PORT"] == 465
    assert parse_email_url("file:///var/mail/cxm")["EMAIL_FILE_PATH"] == "/var/mail/cxm"
    assert parse_email_url("store:")["EMAIL_BACKEND"] == "cxm.mail.StoredEmailBackend"
    assert parse_email_url("console:")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(ImproperlyConfigured, match="not supported"):
        parse_email_url("pigeon://coop")
    with pytest.raises(ImproperlyConfigured, match="needs a host"):
        parse_email_url("smtp://")
    with pytest.raises(ImproperlyConfigured, match="port"):
        parse_email_url("smtp://host:notaport")


def test_base_url_must_be_absolute() -> None:
    with pytest.raises(ImproperlyConfigured, match="CXM_BASE_URL"):
        parse_base_url("cx.example.com")
    assert parse_base_url("https://cx.example.com/") == "https://cx.example.com"


def _start_django(**overrides: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **overrides}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_start_up_fails_loudly_on_a_bad_value() -> None:
    result = _start_django(DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG='perhaps' is not a boolean" in result.stderr


def test_start_up_fails_loudly_without_a_database_url() -> None:
    result = _start_django(DATABASE_URL="")
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr


def test_start_up_succeeds_with_the_test_environment() -> None:
    assert _start_django().returncode == 0


@pytest.mark.parametrize("raw", ["cxm", "cxm <noreply>", "noreply@nodot", "<@example.co.kr>"])
def test_a_sender_without_an_address_stops_the_start_up(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DEFAULT_FROM_EMAIL"):
        parse_from_email(raw)


@pytest.mark.parametrize(
    ("sender", "placeholder"),
    [
        ("cxm <noreply@demo.cxm.example>", True),
        ("cxm <noreply@localhost>", True),
        ("noreply@mail.example.com", True),
        ("cx@shop.test", True),
        ("Customer Experience <cx@hanbit-mart.co.kr>", False),
        ("cx@example-mart.com", False),
    ],
)
def test_senders_on_domains_that_receive_no_mail_are_placeholders(
    sender: str, placeholder: bool
) -> None:
    assert parse_from_email(sender) == sender
    assert is_placeholder_sender(sender) is placeholder
