"""A request no form of ours sends (an unknown language, a checklist step neither done nor
undone) is refused with the 400 page in the reader's language, saying what was wrong; it used
to be a bare plain-text line. Its language switch returns to the page the request came from
(or home), never to the POST-only address that was refused."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from actions.models import FollowUpTask
from cxm.models import User
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory

pytestmark = pytest.mark.django_db


def test_an_unknown_language_is_the_400_page_in_the_readers_language() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/language/", {"language": "fr"})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Something in the request was not right" in html
    assert "Unknown language." in html
    assert "django_language" not in response.cookies


def test_a_signed_in_users_language_wins_on_the_400_page(agent: User) -> None:
    agent.language = "en"
    agent.save(update_fields=["language"])
    client = client_for(agent)
    response = client.post("/language/", {"language": "x" * 1000}, HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 400
    assert '<html lang="en">' in response.content.decode()


@pytest.mark.parametrize("done", ["", "yes", "2", "x" * 1000])
def test_a_checklist_step_neither_done_nor_undone_is_the_400_page(agent: User, done: str) -> None:
    task = FollowUpTaskFactory(owner=agent)
    client = client_for(agent)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ko"
    response = client.post(f"/actions/tasks/{task.code}/checklist/0/", {"done": done})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="ko">' in html
    assert "요청에 올바르지 않은 부분이 있습니다" in html
    assert "done=1 또는 done=0을 보내 주세요." in html
    assert FollowUpTask.objects.get(pk=task.pk).checklist == task.checklist


def _switch_next(html: str) -> str:
    [value] = re.findall(r'name="next" value="([^"]*)"', html)
    return value


def test_the_400_pages_language_switch_returns_home_not_to_the_post_only_address() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/language/", {"language": "fr"})
    assert response.status_code == 400
    next_url = _switch_next(response.content.decode())
    assert next_url == "/"
    switched = client.post("/language/", {"language": "ko", "next": next_url})
    assert switched.status_code == 302 and switched["Location"] == "/"


def test_the_400_pages_language_switch_returns_to_the_referring_page_on_this_site(
    agent: User,
) -> None:
    task = FollowUpTaskFactory(owner=agent)
    client = client_for(agent)
    page = f"/actions/tasks/{task.code}/"
    response = client.post(
        f"{page}checklist/0/", {"done": "yes"}, HTTP_REFERER=f"http://testserver{page}"
    )
    assert response.status_code == 400
    next_url = _switch_next(response.content.decode())
    assert next_url == page
    switched = client.post("/language/", {"language": "en", "next": next_url})
    assert switched["Location"] == page
    assert client.get(switched["Location"]).status_code == 200


def test_a_referer_on_another_site_is_not_where_the_400_pages_switch_returns() -> None:
    response = Client().post(
        "/language/", {"language": "fr"}, HTTP_REFERER="https://evil.example/page/"
    )
    assert _switch_next(response.content.decode()) == "/"
