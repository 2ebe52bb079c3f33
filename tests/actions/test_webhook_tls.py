"""Webhooks to https addresses go through the same address guard as http ones (the guarded
HTTPS handler makes its socket with the checked connection), and the receiver's certificate is
still verified against the CA store and the URL's host name.

The receiver is a real TLS server on the loopback interface with certificates made here by the
`openssl` command. cxm trusts the platform's CA store, which OpenSSL reads from `SSL_CERT_FILE`
when a connection is made; the tests point it at their own authority."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from dataclasses import dataclass
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest
import time_machine

from actions.models import WebhookDelivery
from actions.services.notifications import notify
from actions.services.sending import send_notification
from tests.actions.test_sending_helpers import (
    T0,
    endpoint_for,
    make_open_task,
    make_plan,
    webhook_receiver,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command"),
]

SECRET = "tls-secret"
LOOPBACK = [ip_network("127.0.0.0/8"), ip_network("::1/128")]


@dataclass(frozen=True)
class Certificates:
    authority: Path  # the CA that signed the receiver's certificate
    stranger: Path  # another CA, which signed nothing here
    certificate: Path  # the receiver's, for the name "localhost" only
    key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)  # noqa: S607 -- openssl from PATH, in a test


def _authority(name: str, cwd: Path) -> None:
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=cwd,
    )  # fmt: skip


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    where = tmp_path_factory.mktemp("webhook-tls")
    _authority("cxm-test-ca", where)
    _authority("stranger-ca", where)
    (where / "receiver.ext").write_text(
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
    )
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "receiver.key", "-out", "receiver.csr", "-subj", "/CN=localhost",
        cwd=where,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", "receiver.csr", "-CA", "cxm-test-ca.pem",
        "-CAkey", "cxm-test-ca.key", "-CAcreateserial", "-days", "2",
        "-extfile", "receiver.ext", "-out", "receiver.pem",
        cwd=where,
    )  # fmt: skip
    return Certificates(
        authority=where / "cxm-test-ca.pem",
        stranger=where / "stranger-ca.pem",
        certificate=where / "receiver.pem",
        key=where / "receiver.key",
    )


def _server_context(certificates: Certificates) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates.certificate, certificates.key)
    return context


def _deliver(url: str) -> tuple[str, WebhookDelivery]:
    plan = make_plan(notify_email=False)
    endpoint_for(plan, url, secret=SECRET)
    (notification,) = notify(task=make_open_task(plan=plan), event="created")
    outcome = send_notification(notification_id=notification.pk)
    return outcome, WebhookDelivery.objects.get(notification=notification)


@time_machine.travel(T0, tick=False)
def test_an_https_address_the_guard_refuses_is_never_connected_to(
    certificates: Certificates, monkeypatch: Any
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.authority))
    with webhook_receiver(SECRET, tls=_server_context(certificates)) as receiver:
        outcome, delivery = _deliver(f"https://localhost:{receiver.port}/hooks")

    assert outcome == "retry"
    assert receiver.connections == 0  # refused before the socket, so before TLS
    assert receiver.received == []
    assert delivery.status_code is None
    assert "which webhooks may not reach" in delivery.error


@time_machine.travel(T0, tick=False)
def test_an_allowed_https_receiver_gets_the_delivery_over_verified_tls(
    certificates: Certificates, monkeypatch: Any, settings: Any
) -> None:
    settings.CXM_WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.authority))
    with webhook_receiver(SECRET, tls=_server_context(certificates)) as receiver:
        outcome, delivery = _deliver(f"https://localhost:{receiver.port}/hooks")

    assert outcome == "sent", delivery.error
    assert (delivery.status_code, delivery.error) == (200, "")
    (received,) = receiver.received
    assert received.signature_ok
    assert received.json["event"] == "created"


@time_machine.travel(T0, tick=False)
def test_a_certificate_from_an_authority_cxm_does_not_trust_is_refused(
    certificates: Certificates, monkeypatch: Any, settings: Any
) -> None:
    settings.CXM_WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.stranger))
    with webhook_receiver(SECRET, tls=_server_context(certificates)) as receiver:
        outcome, delivery = _deliver(f"https://localhost:{receiver.port}/hooks")

    assert outcome == "retry"
    assert receiver.connections == 1 and receiver.received == []
    assert delivery.status_code is None
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.error


@time_machine.travel(T0, tick=False)
def test_a_certificate_for_another_name_is_refused(
    certificates: Certificates, monkeypatch: Any, settings: Any
) -> None:
    """The guard connects to the address it checked; TLS still checks the URL's host name."""
    settings.CXM_WEBHOOK_ALLOWED_NETWORKS = LOOPBACK
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.authority))
    with webhook_receiver(SECRET, tls=_server_context(certificates)) as receiver:
        outcome, delivery = _deliver(f"https://127.0.0.1:{receiver.port}/hooks")

    assert outcome == "retry"
    assert receiver.received == []
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.error
    assert "127.0.0.1" in delivery.error  # "IP address mismatch, certificate is not valid for"
