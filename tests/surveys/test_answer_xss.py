"""Markup typed into free-text answers is stored verbatim and shown escaped."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cxm.models import User
from tests.conftest import client_for
from tests.surveys.test_answer_pages import TOKEN, make_invitation, make_survey, page_keys
from xdata.models import Response

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
TEXT = [
    {"key": "say", "type": "long_text", "required": True, "text": {"ko": "의견?", "en": "Say?"}},
    {"key": "name", "type": "short_text", "required": False, "text": {"ko": "이름", "en": "Name"}},
]


def _assert_escaped(html: str) -> None:
    assert PAYLOAD not in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_thank_you_page_escapes_and_the_response_keeps_the_text_verbatim() -> None:
    make_invitation(make_survey(TEXT))
    client = Client()
    keys = page_keys(client.get(f"/s/{TOKEN}/").content.decode())
    response = client.post(f"/s/{TOKEN}/", {"page": keys, "say": PAYLOAD, "name": PAYLOAD})
    _assert_escaped(response.content.decode())
    assert Response.objects.get().comment == f"{PAYLOAD}\n\n{PAYLOAD}"


def test_form_shown_again_after_an_error_escapes_the_text() -> None:
    make_invitation(make_survey(TEXT))
    client = Client()
    keys = page_keys(client.get(f"/s/{TOKEN}/").content.decode())
    response = client.post(f"/s/{TOKEN}/", {"page": keys, "say": PAYLOAD, "name": "x" * 201})
    assert response.status_code == 400
    _assert_escaped(response.content.decode())


def test_preview_escapes_the_text(admin: User) -> None:
    survey = make_survey(TEXT)
    client, url = client_for(admin), f"/surveys/{survey.code}/preview/"
    html = client.get(url).content.decode()
    form = dict(re.findall(r'<input type="hidden" name="(page|state)" value="([^"]*)"', html))
    done = client.post(url, {**form, "say": PAYLOAD})
    _assert_escaped(done.content.decode())
