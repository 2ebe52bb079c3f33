"""Every time the API writes is ISO 8601 in the site's time zone, whole seconds, with its
offset (`2026-11-23T16:12:33+09:00`), as the OpenAPI document's examples show: the tasks API,
the webhook bodies and the health check alike."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from actions.models import FollowUpTask, Notification
from actions.services.sending import webhook_body
from cxm.api import api_document
from cxm.api_time import api_instant
from odata.services.tokens import create_integration_token
from tests.factories import FollowUpTaskFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 23, 7, 12, 33, 123456, tzinfo=UTC)
WRITTEN = "2026-11-23T16:12:33+09:00"
FORMAT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


def test_the_helper_writes_local_time_in_whole_seconds_with_the_offset() -> None:
    assert api_instant(AT) == WRITTEN
    assert api_instant(None) is None


def test_the_tasks_api_writes_every_time_so() -> None:
    task = FollowUpTaskFactory(due_at=AT)
    FollowUpTask.objects.filter(pk=task.pk).update(
        created_at=AT, updated_at=AT, first_action_at=AT, resolved_at=AT, closed_at=AT
    )
    _token, raw = create_integration_token(name="CRM", created_by=None)
    [row] = Client().get("/api/v1/tasks/", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["tasks"]
    for field in (
        "due_at",
        "created_at",
        "updated_at",
        "first_action_at",
        "resolved_at",
        "closed_at",
    ):
        assert row[field] == WRITTEN, field


def test_the_schema_examples_use_the_same_format() -> None:
    example = api_document()["paths"]["/tasks/"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["example"]["tasks"][0]
    assert FORMAT.fullmatch(example["due_at"])
    assert FORMAT.fullmatch(example["updated_at"])


def test_webhook_bodies_write_times_so() -> None:
    task = FollowUpTaskFactory(due_at=AT)
    FollowUpTask.objects.filter(pk=task.pk).update(created_at=AT)
    task.refresh_from_db()
    notification = Notification(task=task, event="created", created_at=AT, payload={})
    document = json.loads(webhook_body(notification, task))
    assert document["occurred_at"] == WRITTEN
    assert document["task"]["created_at"] == WRITTEN
    assert document["task"]["due_at"] == WRITTEN
