"""The resolve form lists root causes by their label in the reader's language, with the
catch-all "other" last."""

from __future__ import annotations

import re

import pytest

from actions.models import TaskStatus
from cxm.models import User
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory, RootCauseFactory

pytestmark = pytest.mark.django_db


def _options(user: User, task: object) -> list[str]:
    html = client_for(user).get(f"/actions/tasks/{task.code}/").content.decode()  # type: ignore[attr-defined]
    select = html.split('name="resolve-root_cause"')[1].split("</select>")[0]
    return re.findall(r'<option value="[0-9a-f-]+"[^>]*>([^<]+)</option>', select)


def test_causes_are_sorted_by_the_readers_label_other_last(agent: User) -> None:
    RootCauseFactory(key="delivery", label_ko="배송 지연", label_en="Late delivery")
    RootCauseFactory(key="other", label_ko="기타", label_en="Other")
    RootCauseFactory(key="product", label_ko="상품 불량", label_en="Defective product")
    RootCauseFactory(key="staff", label_ko="직원 응대", label_en="Staff attitude")
    task = FollowUpTaskFactory(owner=agent, status=TaskStatus.IN_PROGRESS)
    assert _options(agent, task) == ["배송 지연", "상품 불량", "직원 응대", "기타"]
    agent.language = "en"
    agent.save(update_fields=["language"])
    assert _options(agent, task) == [
        "Defective product",
        "Late delivery",
        "Staff attitude",
        "Other",
    ]
