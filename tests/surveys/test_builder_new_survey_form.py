"""The new-survey form says up front that a name or a template is needed, instead of marking
both "optional" and then refusing when both are empty."""

from __future__ import annotations

import pytest

from cxm.models import User
from surveys.models import Survey
from tests.conftest import client_for
from tests.surveys.test_builder_versioning import make_touchpoint

pytestmark = pytest.mark.django_db

NEW = "/surveys/new/"


def _page(user: User, language: str, data: dict[str, str] | None = None) -> tuple[int, str]:
    user.language = language
    user.save(update_fields=["language"])
    client = client_for(user)
    response = client.post(NEW, data) if data is not None else client.get(NEW)
    return response.status_code, response.content.decode()


def test_the_form_says_a_name_or_a_template_is_needed_and_marks_nothing_optional(
    admin: User,
) -> None:
    status, html = _page(admin, "en")
    assert status == 200
    assert "Give the survey a name, or start from a template." in html
    assert "(optional)" not in html
    status, html = _page(admin, "ko")
    assert "설문 이름을 입력하거나 템플릿에서 시작하세요." in html
    assert "(선택)" not in html
    # The line comes before the fields it is about.
    assert html.index("설문 이름을 입력하거나") < html.index('name="template"')


def test_both_empty_is_still_refused(admin: User) -> None:
    touchpoint = make_touchpoint()
    status, _html = _page(
        admin, "en", {"template": "", "name": " ", "touchpoint": str(touchpoint.pk)}
    )
    assert status == 400
    assert not Survey.objects.exists()
