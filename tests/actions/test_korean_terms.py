"""Words that mean two things in English get the right Korean one: a staff comment on a task
is 댓글 (a customer's comment stays 의견), and a webhook's deliveries are sends (전송), not
parcels (배송)."""

from __future__ import annotations

import pytest

from cxm.models import User
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db


def test_the_task_comment_box_is_labelled_as_a_staff_comment(manager: User) -> None:
    task = FollowUpTaskFactory()
    html = client_for(manager).get(f"/actions/tasks/{task.code}/").content.decode()
    assert '<label for="id_text">댓글</label>' in html


def test_the_webhook_list_counts_sends_not_parcels(admin: User) -> None:
    WebhookEndpointFactory()
    html = client_for(admin).get("/actions/manage/webhooks/").content.decode()
    assert '<th scope="col">전송</th>' in html
    assert "배송" not in html
