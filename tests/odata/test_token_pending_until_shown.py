"""Creating an integration token from the admin page keeps no secret between the POST and the
page that shows it: the POST reserves a pending token (no hash, cannot authenticate) and puts
only its code in the session; the page it redirects to mints the secret and shows it at most
once, even to concurrent requests."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone

from cxm.models import User
from cxm.roles import Role
from odata.models import IntegrationToken
from odata.services.tokens import (
    TokenNameTaken,
    authenticate_integration,
    issue_integration_token,
    reserve_integration_token,
)
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/odata/integrations/"
NEW = "/odata/integrations/new/"
EVENTS = "/api/v1/events/"
RAW = re.compile(r"cxm_[A-Za-z0-9_-]{43}")


def _english(user: User) -> Client:
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user)


def _stored_session(client: Client) -> str:
    """Everything the database holds for the client's session, decoded."""
    key = client.cookies["sessionid"].value
    row = Session.objects.get(session_key=key)
    return row.session_data + json.dumps(row.get_decoded())


def test_the_session_never_holds_the_raw_token(admin: User) -> None:
    client = client_for(admin)
    posted = client.post(NEW, {"name": "ERP"})
    assert posted.status_code == 302
    token = IntegrationToken.objects.get()
    # Between the POST and the page, nothing anywhere holds a secret: the row is pending.
    assert token.token_hash is None
    assert token.prefix == ""
    stored = _stored_session(client)
    assert not RAW.search(stored)
    assert "cxm_" not in stored
    assert str(token.code) in stored
    page = client.get(posted["Location"]).content.decode()
    raw = RAW.findall(page)[0]
    # Nor after it: the session no longer names the token, and never held the secret.
    stored = _stored_session(client)
    assert raw not in stored
    assert str(token.code) not in stored


def test_a_pending_token_does_not_authenticate_the_events_api(admin: User) -> None:
    client_for(admin).post(NEW, {"name": "ERP"})
    token = IntegrationToken.objects.get()
    assert not token.issued
    for header in ("Bearer cxm_", f"Bearer cxm_{'A' * 43}", "Bearer "):
        assert authenticate_integration(authorization=header) is None
        response = Client(HTTP_AUTHORIZATION=header).post(
            EVENTS, "{}", content_type="application/json"
        )
        assert response.status_code == 401
    token.refresh_from_db()
    assert token.last_used_at is None


def test_the_page_shows_the_token_once_and_it_then_works(admin: User) -> None:
    client = _english(admin)
    posted = client.post(NEW, {"name": "ERP"})
    first = client.get(posted["Location"]).content.decode()
    raws = RAW.findall(first)
    assert len(raws) == 1
    token = IntegrationToken.objects.get()
    assert token.issued
    assert authenticate_integration(authorization=f"Bearer {raws[0]}") == token
    again = client.get(posted["Location"]).content.decode()
    assert not RAW.search(again)
    assert "The token was shown once" in again
    assert token.prefix in again


def test_a_request_that_loaded_the_session_before_the_page_was_shown_gets_no_secret(
    admin: User,
) -> None:
    client = client_for(admin)
    posted = client.post(NEW, {"name": "ERP"})
    pending_session = dict(client.session.items())
    assert RAW.search(client.get(posted["Location"]).content.decode())
    token = IntegrationToken.objects.get()
    issued_hash = token.token_hash
    # A second request racing the first read the session before the first removed the code.
    session = client.session
    session.update(pending_session)
    session.save()
    late = client.get(posted["Location"]).content.decode()
    assert not RAW.search(late)
    token.refresh_from_db()
    assert token.token_hash == issued_hash


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_page_loads_show_the_secret_at_most_once(admin: User) -> None:
    client = client_for(admin)
    location = client.post(NEW, {"name": "ERP"})["Location"]
    cookie = client.cookies["sessionid"].value
    start = threading.Barrier(2)
    pages: list[str] = []

    def load() -> None:
        try:
            browser = Client()
            browser.cookies["sessionid"] = cookie
            start.wait()
            pages.append(browser.get(location).content.decode())
        finally:
            connection.close()

    threads = [threading.Thread(target=load) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(pages) == 2
    shown = [raw for page in pages for raw in RAW.findall(page)]
    assert len(shown) <= 1
    token = IntegrationToken.objects.get()
    if shown:
        assert authenticate_integration(authorization=f"Bearer {shown[0]}") == token


def test_the_issue_service_mints_a_token_once() -> None:
    token = reserve_integration_token(name="ERP", created_by=None)
    stale = IntegrationToken.objects.get(pk=token.pk)
    assert issue_integration_token(token=token) is not None
    assert issue_integration_token(token=stale) is None
    assert issue_integration_token(token=token) is None


def test_another_admin_opening_a_pending_token_gets_no_secret(admin: User) -> None:
    creator = client_for(admin)
    location = creator.post(NEW, {"name": "ERP"})["Location"]
    colleague = UserFactory(username="admin2", role=Role.ADMIN)
    page = _english(colleague).get(location).content.decode()
    assert not RAW.search(page)
    assert "This token was not issued" in page
    assert not IntegrationToken.objects.get().issued
    # The creator's page still shows it.
    assert RAW.search(creator.get(location).content.decode())


def test_a_pending_token_holds_its_name_for_an_hour_then_is_listed_as_not_issued(
    admin: User,
) -> None:
    client = _english(admin)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        abandoned = client.post(NEW, {"name": "ERP"})["Location"]  # the redirect is never followed
        with pytest.raises(TokenNameTaken):
            reserve_integration_token(name="ERP", created_by=admin)
        assert client.post(NEW, {"name": "ERP"}).status_code == 400
        traveller.shift(timedelta(hours=1, seconds=1))
        # Too late to be issued, so it no longer holds the name.
        assert not RAW.search(client.get(abandoned).content.decode())
        renewed = client.post(NEW, {"name": "ERP"})
        assert renewed.status_code == 302
        assert RAW.search(client.get(renewed["Location"]).content.decode())
    pending, issued = IntegrationToken.objects.order_by("created_at")
    assert not pending.issued
    assert pending.revoked_at is None
    assert issued.issued
    listed = client.get(LIST).content.decode()
    assert listed.count("not issued") == 1
