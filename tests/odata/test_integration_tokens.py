"""Admins create integration tokens (shown once, stored hashed) and revoke them."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxm.models import User
from odata.models import IntegrationToken
from odata.services.tokens import (
    authenticate_integration,
    create_integration_token,
    revoke_integration_token,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LIST = "/odata/integrations/"
NEW = "/odata/integrations/new/"


def _raw_token_in(html: str) -> str:
    found = re.findall(r"cxm_[A-Za-z0-9_-]{43}", html)
    assert len(set(found)) == 1, found
    return found[0]


def test_token_pages_refuse_outsider_and_manager(outsider: User, manager: User) -> None:
    token, _ = create_integration_token(name="ERP", created_by=None)
    for user in (outsider, manager):
        client = client_for(user)
        assert client.get(LIST).status_code == 403
        assert client.post(NEW, {"name": "CRM"}).status_code == 403
        assert client.post(f"{LIST}{token.code}/revoke/").status_code == 403
        assert client.get(f"{LIST}{token.code}/").status_code == 403
    assert IntegrationToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_anonymous_visitor_is_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_mutating_token_views_refuse_get(admin: User) -> None:
    token, _ = create_integration_token(name="ERP", created_by=admin)
    client = client_for(admin)
    assert client.get(NEW).status_code == 405
    assert client.get(f"{LIST}{token.code}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None
    assert IntegrationToken.objects.count() == 1


def test_admin_creates_a_token_shown_once_and_stored_only_as_a_hash(admin: User) -> None:
    client = client_for(admin)
    posted = client.post(NEW, {"name": "  ERP orders  "})
    token = IntegrationToken.objects.get()
    # Post/redirect/get: the raw token is on the page the POST redirects to.
    assert posted.status_code == 302
    assert posted["Location"] == f"{LIST}{token.code}/"
    response = client.get(posted["Location"])
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = _raw_token_in(response.content.decode())
    # The POST reserved the token; the page minted its secret (see test_token_pending_until_shown).
    token.refresh_from_db()
    assert token.name == "ERP orders"
    assert token.created_by == admin
    assert token.prefix == raw[:12]
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    # The raw token is in no column, and the list page never shows it again.
    stored = IntegrationToken.objects.values_list("name", "prefix", "token_hash", "code").get()
    assert raw not in [str(value) for value in stored]
    page = client.get(LIST).content.decode()
    assert raw not in page
    assert token.prefix in page
    assert "ERP orders" in page
    # And it works against the API.
    assert authenticate_integration(authorization=f"Bearer {raw}") == token


def test_a_token_needs_a_name(admin: User) -> None:
    response = client_for(admin).post(NEW, {"name": "   "})
    assert response.status_code == 400
    assert not IntegrationToken.objects.exists()


def test_admin_revokes_a_token(admin: User) -> None:
    token, raw = create_integration_token(name="ERP", created_by=admin)
    client = client_for(admin)
    response = client.post(f"{LIST}{token.code}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == LIST
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert authenticate_integration(authorization=f"Bearer {raw}") is None
    # Revoking again is harmless and keeps the first time.
    first = token.revoked_at
    assert client.post(f"{LIST}{token.code}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at == first


def test_revoking_an_unknown_token_is_not_found(admin: User) -> None:
    response = client_for(admin).post(f"{LIST}00000000-0000-0000-0000-000000000000/revoke/")
    assert response.status_code == 404


def test_revoke_service_is_idempotent(admin: User) -> None:
    token, _ = create_integration_token(name="ERP", created_by=admin)
    assert revoke_integration_token(token=token) is True
    assert revoke_integration_token(token=token) is False


def test_list_shows_last_use_and_revocation_in_constant_queries(admin: User) -> None:
    client = client_for(admin)
    for n in range(3):
        create_integration_token(name=f"system {n}", created_by=admin)
    client.get(LIST)  # warm the session and permission caches of this client
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for n in range(3, 10):
        token, _ = create_integration_token(name=f"system {n}", created_by=admin)
    revoke_integration_token(token=token)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(many) == len(few)
    html = response.content.decode()
    assert "system 9" in html and "system 0" in html
