"""GET /api/v1/tasks/: bearer token, filters, strict parameters, keyset pagination."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from actions.models import FollowUpTask, TaskStatus
from cxm.api import api_document
from odata.services.tokens import create_integration_token, revoke_integration_token
from tests.factories import FollowUpTaskFactory, RootCauseFactory, UserFactory
from tests.odata.test_customer_360 import CustomerFactory, StoreFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/tasks/"
SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture
def bearer() -> str:
    _token, raw = create_integration_token(name="CRM", created_by=None)
    return f"Bearer {raw}"


def _get(bearer: str, **params: Any) -> Any:
    return Client().get(URL, params, HTTP_AUTHORIZATION=bearer)


def _stamp(task: FollowUpTask, at: datetime) -> None:
    # updated_at is auto_now: set it with an UPDATE to place tasks in time.
    FollowUpTask.objects.filter(pk=task.pk).update(updated_at=at)


def test_needs_a_valid_token(bearer: str) -> None:
    assert Client().get(URL).status_code == 401
    response = Client().get(URL, HTTP_AUTHORIZATION="Bearer cxm_wrong")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="cxm"'
    assert response.json()["errors"][0]["message"] == "missing, unknown or revoked bearer token"
    token, raw = create_integration_token(name="Old", created_by=None)
    revoke_integration_token(token=token)
    assert Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert Client().post(URL, HTTP_AUTHORIZATION=bearer).status_code == 405


def test_task_fields(bearer: str) -> None:
    owner = UserFactory(username="store-gangnam", name="박지훈")
    task = FollowUpTaskFactory(
        owner=owner,
        customer=CustomerFactory(external_id="C-1001"),
        store=StoreFactory(external_id="S-001"),
        status=TaskStatus.RESOLVED,
        root_cause=RootCauseFactory(key="late-delivery"),
        priority=2,
    )
    body = _get(bearer).json()
    assert body["next_cursor"] is None
    [row] = body["tasks"]
    assert row["code"] == str(task.code)
    assert row["status"] == "resolved" and row["priority"] == 2
    assert row["owner"] == {"code": str(owner.code), "username": "store-gangnam", "name": "박지훈"}
    assert (row["customer_id"], row["store_id"]) == ("C-1001", "S-001")
    assert row["rule"] == task.rule.name and row["root_cause"] == "late-delivery"
    assert row["verdict"] is None and row["closed_at"] is None
    # Written in whole seconds (cxm.api_time).
    assert datetime.fromisoformat(row["due_at"]) == task.due_at.replace(microsecond=0)
    assert set(row) >= {"created_at", "updated_at", "resolved_at", "first_action_at"}


def test_filters(bearer: str) -> None:
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    new = FollowUpTaskFactory(owner=ann)
    waiting = FollowUpTaskFactory(owner=bob, status=TaskStatus.WAITING)
    closed = FollowUpTaskFactory(owner=ann, status=TaskStatus.CLOSED)
    _stamp(new, datetime(2025, 3, 1, 9, 0, tzinfo=SEOUL))
    _stamp(waiting, datetime(2025, 3, 2, 9, 0, tzinfo=SEOUL))
    _stamp(closed, datetime(2025, 3, 3, 9, 0, tzinfo=SEOUL))

    def codes(**params: Any) -> list[str]:
        response = _get(bearer, **params)
        assert response.status_code == 200, response.json()
        return [t["code"] for t in response.json()["tasks"]]

    assert codes() == [str(new.code), str(waiting.code), str(closed.code)]
    assert codes(status="new,waiting") == [str(new.code), str(waiting.code)]
    assert codes(owner="ann") == [str(new.code), str(closed.code)]
    assert codes(owner=str(bob.code)) == [str(waiting.code)]
    # 2025-03-02 00:00 UTC is 09:00 in Seoul: the waiting task's instant exactly (inclusive).
    assert codes(updated_since="2025-03-02T00:00:00Z") == [str(waiting.code), str(closed.code)]
    assert codes(updated_since="2025-03-02T09:00:01+09:00") == [str(closed.code)]


def test_bad_parameters_are_400_with_each_problem(bearer: str) -> None:
    response = _get(
        bearer,
        status="open",
        owner="nobody",
        updated_since="2025-03-02T09:00:00",
        cursor="@@@",
        limit="1000",
        update_since="2025-01-01",
    )
    assert response.status_code == 400
    paths = {e["path"]: e["message"] for e in response.json()["errors"]}
    assert set(paths) == {"status", "owner", "updated_since", "cursor", "limit", "update_since"}
    assert "unknown status open" in paths["status"]
    assert paths["owner"] == "no user with this code or username"
    assert paths["updated_since"] == "add a UTC offset (+09:00 or Z)"
    assert paths["update_since"].startswith("unknown parameter")
    assert _get(bearer, updated_since="yesterday").json()["errors"][0]["path"] == "updated_since"
    assert _get(bearer, limit="0").status_code == 400
    assert _get(bearer, limit="ten").status_code == 400


def test_keyset_pages_cover_every_task_once(bearer: str) -> None:
    same = datetime(2025, 3, 1, 9, 0, tzinfo=SEOUL)
    tasks = FollowUpTaskFactory.create_batch(7)
    for i, task in enumerate(tasks):
        # Ties on updated_at are broken by creation order.
        _stamp(task, same if i < 4 else same + timedelta(minutes=i))
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = _get(bearer, **params).json()
        seen += [t["code"] for t in body["tasks"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [str(t.code) for t in tasks]


def test_a_task_changed_after_it_was_read_comes_back(bearer: str) -> None:
    first, second = FollowUpTaskFactory(), FollowUpTaskFactory()
    _stamp(first, datetime(2025, 3, 1, 9, 0, tzinfo=SEOUL))
    _stamp(second, datetime(2025, 3, 1, 10, 0, tzinfo=SEOUL))
    body = _get(bearer, limit=1).json()
    assert [t["code"] for t in body["tasks"]] == [str(first.code)]
    _stamp(first, datetime(2025, 3, 1, 11, 0, tzinfo=SEOUL))
    body = _get(bearer, limit=5, cursor=body["next_cursor"]).json()
    assert [t["code"] for t in body["tasks"]] == [str(second.code), str(first.code)]


def test_query_count_does_not_grow_with_page_size(
    bearer: str, django_assert_num_queries: Any
) -> None:
    FollowUpTaskFactory.create_batch(3, customer=CustomerFactory(), store=StoreFactory())
    client = Client()
    # Token look-up, its last-used stamp, the page.
    with django_assert_num_queries(3):
        assert client.get(URL, HTTP_AUTHORIZATION=bearer).status_code == 200
    FollowUpTaskFactory.create_batch(10, customer=CustomerFactory(), store=StoreFactory())
    with django_assert_num_queries(3):
        assert len(client.get(URL, HTTP_AUTHORIZATION=bearer).json()["tasks"]) == 13


def test_openapi_document_describes_the_endpoint() -> None:
    document = api_document()
    operation = document["paths"]["/tasks/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "status",
        "owner",
        "updated_since",
        "cursor",
        "limit",
    }
    assert set(operation["responses"]) == {"200", "400", "401", "429"}
    assert "Task" in document["components"]["schemas"]
    assert (
        Client().get("/api/v1/openapi.json").json()["paths"]["/tasks/"]
        == document["paths"]["/tasks/"]
    )


def test_example_rows_match_the_schema(bearer: str) -> None:
    import jsonschema

    from actions.api_schema import TASK_SCHEMA

    FollowUpTaskFactory(customer=CustomerFactory(), status=TaskStatus.CLOSED)
    for row in _get(bearer).json()["tasks"]:
        jsonschema.validate(row, TASK_SCHEMA)
