"""A request no form of ours sends (an unknown language, a checklist step neither done nor
undone) is refused with the 400 page in the reader's language, saying what was wrong; it used
to be a bare plain-text line."""

from __future__ import annotations

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
