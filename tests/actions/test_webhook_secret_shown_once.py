"""Adding a webhook endpoint redirects to a page that shows its signing secret exactly once, so
a reload neither adds a second endpoint nor shows the secret again."""

from __future__ import annotations

import pytest

from actions.models import WebhookEndpoint
from cxm.models import User
from tests.conftest import client_for
from tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db

LIST = "/actions/manage/webhooks/"


def test_reloading_the_added_page_adds_no_second_endpoint(admin: User) -> None:
    client = client_for(admin)
    posted = client.post(f"{LIST}new/", {"name": "CRM", "url": "https://crm.example.com/hook"})
    assert posted.status_code == 302
    for _ in range(2):
        assert client.get(posted["Location"]).status_code == 200
    assert WebhookEndpoint.objects.count() == 1


def test_the_secret_is_shown_once(admin: User) -> None:
    admin.language = "en"
    admin.save(update_fields=["language"])
    client = client_for(admin)
    posted = client.post(f"{LIST}new/", {"name": "CRM", "url": "https://crm.example.com/hook"})
    secret = WebhookEndpoint.objects.get().secret
    assert secret in client.get(posted["Location"]).content.decode()
    again = client.get(posted["Location"]).content.decode()
    assert secret not in again
    assert "The signing secret was shown once" in again


def test_an_older_endpoints_page_never_shows_its_secret(admin: User) -> None:
    older = WebhookEndpointFactory(name="Chat")
    client = client_for(admin)
    client.post(f"{LIST}new/", {"name": "CRM", "url": "https://crm.example.com/hook"})
    assert older.secret not in client.get(f"{LIST}{older.code}/created/").content.decode()
