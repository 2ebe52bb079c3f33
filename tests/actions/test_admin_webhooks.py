"""Admins add webhook endpoints (the signing secret shown once), edit and deactivate them, and
read each endpoint's delivery log."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from actions.models import FollowUpTask, Notification, WebhookDelivery, WebhookEndpoint
from cxm.models import User
from tests.conftest import client_for
from tests.factories import TriggerRuleFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db

LIST = "/actions/manage/webhooks/"


def english(user: User) -> Client:
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user)


def delivered(
    endpoint: WebhookEndpoint, *, attempts: int, title: str = "Call Kim back"
) -> Notification:
    """A task notification posted to `endpoint` `attempts` times, a minute apart."""
    rule = TriggerRuleFactory()
    now = timezone.now()
    task = FollowUpTask.objects.create(
        rule=rule,
        rule_version=1,
        plan=rule.plan,
        subject_key=f"customer:{rule.pk}",
        title=title,
        owner=rule.plan.fallback_owner,
        sla_hours=8,
        due_at=now + timedelta(hours=8),
        created_at=now,
    )
    notification = Notification.objects.create(
        task=task,
        event="created",
        channel="webhook",
        endpoint=endpoint,
        recipient_key=f"webhook:{endpoint.pk}",
        next_attempt_at=now,
    )
    for attempt in range(1, attempts + 1):
        ok = attempt == attempts
        WebhookDelivery.objects.create(
            notification=notification,
            attempt=attempt,
            at=now - timedelta(minutes=attempts - attempt),
            status_code=200 if ok else 503,
            error="" if ok else "Service Unavailable",
            duration_ms=40 + attempt,
        )
    return notification


def test_webhook_pages_refuse_everyone_but_admins(
    manager: User, agent: User, outsider: User
) -> None:
    endpoint = WebhookEndpointFactory(name="CRM")
    for user in (manager, agent, outsider):
        client = client_for(user)
        assert client.get(LIST).status_code == 403
        assert (
            client.post(f"{LIST}new/", {"name": "X", "url": "https://x.example"}).status_code == 403
        )
        assert (
            client.post(
                f"{LIST}{endpoint.code}/", {"name": "X", "url": "https://x.example"}
            ).status_code
            == 403
        )
        assert client.post(f"{LIST}{endpoint.code}/deactivate/").status_code == 403
        assert client.get(f"{LIST}{endpoint.code}/deliveries/").status_code == 403
        assert client.get(f"{LIST}{endpoint.code}/created/").status_code == 403
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.is_active) == ("CRM", True)
    assert WebhookEndpoint.objects.count() == 1


def test_a_new_endpoint_gets_a_secret_shown_once(admin: User) -> None:
    client = client_for(admin)
    posted = client.post(f"{LIST}new/", {"name": "  CRM  ", "url": "https://crm.example.com/hook"})
    endpoint = WebhookEndpoint.objects.get()
    # Post/redirect/get: the secret is on the page the POST redirects to.
    assert posted.status_code == 302
    assert posted["Location"] == f"{LIST}{endpoint.code}/created/"
    response = client.get(posted["Location"])
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert (endpoint.name, endpoint.url, endpoint.is_active) == (
        "CRM",
        "https://crm.example.com/hook",
        True,
    )
    # token_urlsafe(32): 43 URL-safe characters, and that is what the page shows.
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", endpoint.secret)
    assert endpoint.secret in response.content.decode()
    for page in (LIST, f"{LIST}{endpoint.code}/", f"{LIST}{endpoint.code}/deliveries/"):
        assert endpoint.secret not in client.get(page).content.decode()
    other = client.post(f"{LIST}new/", {"name": "Chat", "url": "https://chat.example.com/hook"})
    assert other.status_code == 302
    assert len(set(WebhookEndpoint.objects.values_list("secret", flat=True))) == 2


def test_a_bad_url_is_refused_in_the_users_language(admin: User) -> None:
    response = english(admin).post(f"{LIST}new/", {"name": "CRM", "url": "not a url"})
    assert response.status_code == 400
    assert "Enter a valid URL." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_admin_edits_and_deactivates_an_endpoint(admin: User) -> None:
    endpoint = WebhookEndpointFactory(name="CRM")
    secret = endpoint.secret
    client = client_for(admin)
    data = {"name": "CRM (new)", "url": "https://crm2.example.com/hook", "is_active": "on"}
    assert client.post(f"{LIST}{endpoint.code}/", data).status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.name, endpoint.url, endpoint.is_active) == (
        "CRM (new)",
        "https://crm2.example.com/hook",
        True,
    )
    assert endpoint.secret == secret  # editing never changes the secret
    assert client.get(f"{LIST}{endpoint.code}/deactivate/").status_code == 405
    assert client.post(f"{LIST}{endpoint.code}/deactivate/").status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    assert client.post(f"{LIST}{endpoint.code}/deactivate/").status_code == 302
    assert client.post(f"{LIST}00000000-0000-0000-0000-000000000000/deactivate/").status_code == 404


def test_delivery_log_lists_attempts_newest_first_for_this_endpoint_only(admin: User) -> None:
    endpoint, other = WebhookEndpointFactory(), WebhookEndpointFactory()
    task = delivered(endpoint, attempts=3, title="Call Kim back").task
    delivered(other, attempts=1, title="Someone else's task")
    response = english(admin).get(f"{LIST}{endpoint.code}/deliveries/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else" not in html
    assert html.count(f'<a href="/actions/tasks/{task.code}/">Call Kim back</a>') == 3
    attempts = re.findall(r'data-label="Attempt" class="num">(\d+)<', html)
    assert attempts == ["3", "2", "1"]
    assert html.count("Service Unavailable") == 2
    assert ">200<" in html and ">503<" in html
    assert ">43<" in html  # the duration of the third attempt, in ms


def test_delivery_log_is_paginated_in_a_fixed_number_of_queries(
    admin: User, django_assert_num_queries: Any
) -> None:
    endpoint = WebhookEndpointFactory()
    client = english(admin)
    delivered(endpoint, attempts=2)
    url = f"{LIST}{endpoint.code}/deliveries/"
    client.get(url)
    # Session, user, two permission reads, the role badge, the endpoint, the count, the page.
    with django_assert_num_queries(8):
        client.get(url)
    for _ in range(26):
        delivered(endpoint, attempts=2)
    with django_assert_num_queries(8):
        first = client.get(url)
    assert "Page 1 of 2" in first.content.decode()
    last = client.get(url, {"page": 2}).content.decode()
    assert len(re.findall(r'data-label="Attempt"', last)) == 54 - 50


def test_list_shows_endpoints_in_a_fixed_number_of_queries(
    admin: User, django_assert_num_queries: Any
) -> None:
    client = english(admin)
    WebhookEndpointFactory(name="CRM")
    client.get(LIST)
    with django_assert_num_queries(6):
        client.get(LIST)
    for n in range(5):
        WebhookEndpointFactory(name=f"Chat {n}", is_active=n % 2 == 0)
    with django_assert_num_queries(6):
        response = client.get(LIST)
    html = response.content.decode()
    assert "CRM" in html and "Chat 4" in html
    assert html.count("Deactivate</button>") == 4


def test_a_bad_url_is_refused_in_korean_by_default(admin: User) -> None:
    # Django's own message and catalogue (a variable, so cxm's catalogue does not copy it).
    django_message = "Enter a valid URL."
    with translation.override("ko"):
        expected = translation.gettext(django_message)
    assert expected != django_message
    response = client_for(admin).post(f"{LIST}new/", {"name": "CRM", "url": "not a url"})
    assert response.status_code == 400
    assert response["Content-Language"] == "ko"
    assert expected in response.content.decode()
