"""Two people with the same display name can be told apart wherever users are listed: the
board's owner filter, the reassign selects, the board's owner table and list, the action plan's
owner selects and the outcomes page all name them by `user_labels` (the username is added
only to names that collide)."""

from __future__ import annotations

import pytest

from cxm.models import User
from cxm.roles import Role
from cxm.selectors import user_labels
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory, UserFactory

pytestmark = pytest.mark.django_db

NAME = "서시우 점장"


def test_only_colliding_names_get_the_username() -> None:
    labels = user_labels(
        [(1, NAME, "store01"), (2, NAME, "store02"), (3, "", "kim"), (4, "Ann", "a")]
    )
    assert labels == {1: f"{NAME} (store01)", 2: f"{NAME} (store02)", 3: "kim", 4: "Ann"}


def _namesakes() -> tuple[User, User]:
    return (
        UserFactory(name=NAME, username="store01", role=Role.STAFF),
        UserFactory(name=NAME, username="store02", role=Role.STAFF),
    )


def test_the_board_tells_namesakes_apart(manager: User) -> None:
    first, second = _namesakes()
    UserFactory(name="유일한 이름", username="only1", role=Role.STAFF)
    FollowUpTaskFactory(owner=first)
    FollowUpTaskFactory(owner=second)
    html = client_for(manager).get("/actions/board/").content.decode()
    # The owner filter and the bulk reassign select: one option each per namesake.
    for username in ("store01", "store02"):
        assert html.count(f">{NAME} ({username})</option>") == 2
    # The owner table and the task list.
    assert html.count(f">{NAME} (store01)</a>") == 1
    assert html.count(f">{NAME} (store01)</td>") == 1
    assert ">유일한 이름</option>" in html and "유일한 이름 (only1)" not in html


def test_the_task_page_reassign_select_tells_namesakes_apart() -> None:
    first, _second = _namesakes()
    task = FollowUpTaskFactory(owner=first)
    html = client_for(first).get(f"/actions/tasks/{task.code}/").content.decode()
    assert f">{NAME} (store02)</option>" in html


def test_the_plan_form_owner_selects_tell_namesakes_apart(admin: User) -> None:
    _namesakes()
    html = client_for(admin).get("/actions/manage/plans/new/").content.decode()
    # The named owner and the fallback owner.
    assert html.count(f">{NAME} (store01)</option>") == 2


def test_the_board_names_a_person_the_same_in_the_selects_the_table_and_the_list(
    manager: User,
) -> None:
    first, _second = _namesakes()  # both can be assigned; only the first owns a task
    FollowUpTaskFactory(owner=first)
    client = client_for(manager)
    html = client.get("/actions/board/").content.decode()
    assert html.count(f">{NAME} (store01)</option>") == 2
    assert html.count(f">{NAME} (store01)</a>") == 1  # the owner table
    assert html.count(f">{NAME} (store01)</td>") == 1  # the list
    assert f">{NAME}</" not in html
    # The polled fragments name them the same way.
    for target in ("board-figures", "board-list"):
        part = client.get("/actions/board/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target)
        assert f"{NAME} (store01)" in part.content.decode()


def test_a_former_owners_namesake_is_told_apart_in_the_list_and_the_select(
    manager: User,
) -> None:
    _first, second = _namesakes()
    second.is_active = False  # left: no longer in the selects, still on their old task
    second.save(update_fields=["is_active"])
    FollowUpTaskFactory(owner=second)
    html = client_for(manager).get("/actions/board/").content.decode()
    assert html.count(f">{NAME} (store01)</option>") == 2
    assert html.count(f">{NAME} (store02)</td>") == 1


def test_handing_over_names_the_new_owner_as_the_select_did() -> None:
    first, second = _namesakes()
    task = FollowUpTaskFactory(owner=first)
    first.language = "en"
    first.save(update_fields=["language"])
    client = client_for(first)
    response = client.post(
        f"/actions/tasks/{task.code}/reassign/",
        {"reassign-owner": str(second.code), "reassign-note": ""},
        follow=True,
    )
    assert f"Task handed over to {NAME} (store02)." in response.content.decode()
