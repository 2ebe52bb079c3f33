"""Creating an integration token redirects to a page that shows the raw token exactly once, so
a reload neither creates a second token nor shows the secret again; two active tokens never
share a name."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cxm.models import User
from odata.models import IntegrationToken
from odata.services.tokens import TokenNameTaken, create_integration_token, revoke_integration_token
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LIST = "/odata/integrations/"
NEW = "/odata/integrations/new/"
RAW = re.compile(r"cxm_[A-Za-z0-9_-]{43}")


def _speaking(user: User, language: str) -> Client:
    user.language = language
    user.save(update_fields=["language"])
    return client_for(user)


def test_reloading_the_created_page_creates_no_second_token(admin: User) -> None:
    client = client_for(admin)
    posted = client.post(NEW, {"name": "ERP"})
    assert posted.status_code == 302
    # A reload of the page a browser lands on is a GET of the redirect target.
    for _ in range(2):
        assert client.get(posted["Location"]).status_code == 200
    assert IntegrationToken.objects.count() == 1


def test_the_raw_token_is_shown_once_then_only_its_details(admin: User) -> None:
    client = _speaking(admin, "en")
    page = client.get(client.post(NEW, {"name": "ERP"})["Location"])
    first = page.content.decode()
    assert len(RAW.findall(first)) == 1
    again = client.get(page.request["PATH_INFO"]).content.decode()
    assert not RAW.findall(again)
    assert "The token was shown once" in again
    assert IntegrationToken.objects.get().prefix in again


def test_a_second_active_token_with_the_same_name_is_refused(admin: User) -> None:
    create_integration_token(name="ERP", created_by=admin)
    english = _speaking(admin, "en").post(NEW, {"name": " ERP "})
    assert english.status_code == 400
    assert "An active token is already called “ERP”" in english.content.decode()
    korean = _speaking(admin, "ko").post(NEW, {"name": "ERP"})
    assert korean.status_code == 400
    assert "이미 “ERP”라는 이름의 사용 중인 토큰이 있습니다" in korean.content.decode()
    assert IntegrationToken.objects.count() == 1
    with pytest.raises(TokenNameTaken):
        create_integration_token(name="ERP", created_by=admin)


def test_a_revoked_tokens_name_can_be_used_again(admin: User) -> None:
    token, _raw = create_integration_token(name="ERP", created_by=admin)
    revoke_integration_token(token=token)
    assert client_for(admin).post(NEW, {"name": "ERP"}).status_code == 302
    assert IntegrationToken.objects.filter(name="ERP", revoked_at=None).count() == 1
