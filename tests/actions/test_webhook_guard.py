"""Webhooks reach public addresses only, unless the deployment allows a network: a webhook URL
cannot make the server post to its own loopback, cloud metadata or internal services, whether
the URL names the address or a host name resolves to it when the event is posted."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

import pytest
import time_machine

from actions.models import WebhookDelivery, WebhookEndpoint
from actions.services.notifications import notify
from actions.services.sending import send_notification
from actions.webhook_guard import address_allowed, url_refusal
from cxm.models import User
from tests.actions.test_sending_helpers import (
    T0,
    endpoint_for,
    make_open_task,
    make_plan,
    webhook_receiver,
)
from tests.odata.test_customer_360 import english

pytestmark = pytest.mark.django_db

SECRET = "guard-secret"


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://127.0.0.1:6379/", "127.0.0.1"),
        ("http://localhost:8000/hook", "127.0.0.1"),
        ("http://api.localhost/hook", "127.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),  # cloud metadata
        ("http://10.0.0.1/hook", "10.0.0.1"),
        ("http://192.168.1.20/hook", "192.168.1.20"),
        ("http://100.64.0.1/hook", "100.64.0.1"),  # carrier-grade NAT
        ("http://0.0.0.0/hook", "0.0.0.0"),  # noqa: S104 -- the address refused, not bound
        ("http://[::1]/hook", "::1"),
        ("http://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1"),
        ("http://[fd00::1]/hook", "fd00::1"),
        ("https://8.8.8.8/hook", None),
        ("https://crm.example.com/hook", None),  # a name: checked when posting
    ],
)
def test_urls_naming_an_address_that_is_not_public_are_refused(
    url: str, refused: str | None
) -> None:
    assert url_refusal(url) == refused


def test_a_network_the_deployment_allows_may_be_reached(settings: Any) -> None:
    settings.CXM_WEBHOOK_ALLOWED_NETWORKS = [ip_network("10.20.0.0/16")]
    assert url_refusal("http://10.20.3.4/hook") is None
    assert url_refusal("http://10.21.3.4/hook") == "10.21.3.4"
    assert address_allowed("10.20.0.9") and not address_allowed("127.0.0.1")


def test_the_form_refuses_a_private_address_in_the_users_language(admin: User) -> None:
    response = english(admin).post(
        "/actions/manage/webhooks/new/",
        {"name": "CRM", "url": "http://169.254.169.254/latest/meta-data/"},
    )
    assert response.status_code == 400
    assert "cxm does not post to 169.254.169.254" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@time_machine.travel(T0, tick=False)
def test_a_host_name_that_resolves_to_loopback_is_refused_when_posting() -> None:
    with webhook_receiver(SECRET) as receiver:
        # Saved as a name (as a changed DNS record would be): only posting can tell.
        plan = make_plan(notify_email=False)
        endpoint_for(plan, f"http://localhost:{receiver.port}/hooks", secret=SECRET)
        (notification,) = notify(task=make_open_task(plan=plan), event="created")

        assert send_notification(notification_id=notification.pk) == "retry"

    assert receiver.received == []
    (delivery,) = WebhookDelivery.objects.filter(notification=notification)
    assert delivery.status_code is None
    assert "which webhooks may not reach" in delivery.error


@time_machine.travel(T0, tick=False)
def test_the_same_receiver_is_reached_once_its_network_is_allowed(settings: Any) -> None:
    settings.CXM_WEBHOOK_ALLOWED_NETWORKS = [ip_network("127.0.0.0/8"), ip_network("::1/128")]
    with webhook_receiver(SECRET) as receiver:
        plan = make_plan(notify_email=False)
        endpoint_for(plan, f"http://localhost:{receiver.port}/hooks", secret=SECRET)
        (notification,) = notify(task=make_open_task(plan=plan), event="created")

        assert send_notification(notification_id=notification.pk) == "sent"

    assert len(receiver.received) == 1
