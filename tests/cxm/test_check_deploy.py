"""A production-like environment passes Django's deployment checklist without warnings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "p7#k2!x9@vQm4$Lr8^wZs1&Nd6*Yf3(Hb0)Jc5_Tg-Ue+Ia=Oo~Pe;Rk:Bn<Ml>",
    "ALLOWED_HOSTS": "cx.example.com",
    "CXM_BASE_URL": "https://cx.example.com",
    "CXM_BEHIND_PROXY": "1",
    "EMAIL_URL": "smtp://mailer:secret@smtp.example.com:587?tls=1",
    "DEFAULT_FROM_EMAIL": "Customer Experience <cx@hanbit-mart.co.kr>",
    "LOG_FORMAT": "json",
}


def _check_deploy(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_environment_passes_check_deploy() -> None:
    result = _check_deploy(**PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_debug_in_production_is_flagged() -> None:
    result = _check_deploy(**{**PRODUCTION, "DEBUG": "1"})
    assert result.returncode != 0
    assert "security.W018" in result.stderr + result.stdout


def test_plain_http_base_url_is_flagged() -> None:
    result = _check_deploy(**{**PRODUCTION, "CXM_BASE_URL": "http://cx.example.com"})
    assert result.returncode != 0
    assert "security.W012" in result.stderr + result.stdout  # session cookie not secure


def test_keeping_emails_for_the_sent_email_page_is_flagged() -> None:
    result = _check_deploy(**{**PRODUCTION, "EMAIL_URL": "store:"})
    assert result.returncode != 0
    assert "cxm.W001" in result.stderr + result.stdout


def test_the_default_or_a_localhost_sender_is_flagged() -> None:
    for sender in ("", "cxm <noreply@localhost>", "cx@shop.example"):
        result = _check_deploy(**{**PRODUCTION, "DEFAULT_FROM_EMAIL": sender})
        assert result.returncode != 0, sender
        assert "cxm.W002" in result.stderr + result.stdout
