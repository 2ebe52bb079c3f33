"""The task page and the board: every element id is unique and every <label for> names a
control on the page, so each label (and a screen reader) reaches its own field."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from actions.models import TaskStatus
from cxm.models import User
from cxm.roles import Role
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory, RootCauseFactory, UserFactory
from tests.odata.test_customer_360 import CustomerFactory

pytestmark = pytest.mark.django_db

CONTROLS = {"input", "select", "textarea", "button", "output", "meter", "progress"}


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.controls: set[str] = set()
        self.label_targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids[found["id"] or ""] += 1
            if tag in CONTROLS:
                self.controls.add(found["id"] or "")
        if tag == "label" and found.get("for"):
            self.label_targets.append(found["for"] or "")


def _problems(html: str) -> tuple[list[str], list[str]]:
    parser = _Ids()
    parser.feed(html)
    repeated = sorted(i for i, n in parser.ids.items() if n > 1)
    dangling = sorted(t for t in parser.label_targets if t not in parser.controls)
    return repeated, dangling


def _open_task(owner: User) -> object:
    RootCauseFactory()
    return FollowUpTaskFactory(
        owner=owner,
        customer=CustomerFactory(),
        status=TaskStatus.IN_PROGRESS,
        first_action_at=timezone.now(),
    )


@pytest.mark.parametrize("role", [Role.STAFF, Role.MANAGER])
def test_task_page_ids_are_unique_and_labels_point_at_controls(role: Role) -> None:
    user = UserFactory(role=role)
    task = _open_task(user)
    html = client_for(user).get(f"/actions/tasks/{task.code}/").content.decode()  # type: ignore[attr-defined]
    # The page shows the forms whose fields used to share ids.
    for action in ("resolve", "wait", "reassign", "comment"):
        assert f"/{action}/" in html
    assert _problems(html) == ([], [])


def test_board_ids_are_unique_and_labels_point_at_controls(manager: User) -> None:
    _open_task(UserFactory(role=Role.STAFF))
    html = client_for(manager).get("/actions/board/").content.decode()
    assert "/actions/board/reassign/" in html
    assert _problems(html) == ([], [])
