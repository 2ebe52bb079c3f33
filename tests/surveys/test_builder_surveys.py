"""Admins create surveys from a template or empty, edit their settings, publish and archive."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from cxm.models import User
from surveys.models import Survey, SurveyVersion
from surveys.services.builder import add_question, publish_survey
from surveys.survey_templates import STORE_REVISIT
from tests.conftest import client_for
from tests.surveys.test_builder_versioning import make_survey, make_touchpoint, text_question

pytestmark = pytest.mark.django_db

LIST = "/surveys/"
NEW = "/surveys/new/"


def _english(user: User) -> User:
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def _settings(survey: Survey, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": survey.name,
        "touchpoint": survey.touchpoint_id,
        "send_on_milestone": "on",
        "send_delay_hours": "24",
        "reminder_after_days": "3",
        "expires_after_days": "14",
        "open_link": "",
    }
    data.update(changes)
    return data


def test_outsider_and_manager_are_refused(outsider: User, manager: User) -> None:
    survey = make_survey()
    base = f"{LIST}{survey.code}/"
    for user in (outsider, manager):
        client = client_for(user)
        assert client.get(LIST).status_code == 403
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, {"template": "delivery_csat"}).status_code == 403
        assert client.get(base).status_code == 403
        assert client.post(f"{base}settings/", _settings(survey, name="x")).status_code == 403
        assert client.post(f"{base}publish/").status_code == 403
        assert client.post(f"{base}archive/").status_code == 403
    survey.refresh_from_db()
    assert survey.name == "배송 만족도"
    assert survey.status == Survey.Status.DRAFT
    assert Survey.objects.count() == 1


def test_publish_and_archive_refuse_get(admin: User) -> None:
    survey = make_survey()
    client = client_for(admin)
    assert client.get(f"{LIST}{survey.code}/publish/").status_code == 405
    assert client.get(f"{LIST}{survey.code}/archive/").status_code == 405
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT
    assert not SurveyVersion.objects.exists()


def test_admin_creates_a_survey_from_a_template(admin: User) -> None:
    touchpoint = make_touchpoint("매장 구매", "order.completed")
    client = client_for(_english(admin))
    assert "Store revisit intent" in client.get(NEW).content.decode()
    response = client.post(
        NEW, {"template": "store_revisit", "name": "", "touchpoint": touchpoint.pk}
    )
    survey = Survey.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{survey.code}/"
    assert survey.name == "Store revisit intent"
    assert survey.draft == STORE_REVISIT.question_list()
    assert survey.created_by == admin
    assert survey.status == Survey.Status.DRAFT
    page = client.get(response["Location"]).content.decode()
    assert "Will you visit this store again?" in page
    assert "Not published yet" in page


def test_admin_creates_an_empty_survey(admin: User) -> None:
    touchpoint = make_touchpoint()
    client = client_for(admin)
    response = client.post(NEW, {"template": "", "name": "짧은 설문", "touchpoint": touchpoint.pk})
    assert response.status_code == 302
    assert Survey.objects.get().draft == []


def test_an_empty_survey_needs_a_name(admin: User) -> None:
    touchpoint = make_touchpoint()
    response = client_for(_english(admin)).post(
        NEW, {"template": "", "name": " ", "touchpoint": touchpoint.pk}
    )
    assert response.status_code == 400
    assert "Give the survey a name" in response.content.decode()
    assert not Survey.objects.exists()


def test_admin_edits_settings_and_switches_the_open_link(admin: User) -> None:
    survey = make_survey()
    client = client_for(admin)
    url = f"{LIST}{survey.code}/settings/"
    assert client.get(url).status_code == 200
    response = client.post(
        url, _settings(survey, name="배송 후 설문", send_delay_hours="48", open_link="on")
    )
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.name == "배송 후 설문"
    assert survey.send_on_milestone
    assert survey.send_delay_hours == 48
    code = survey.open_code
    assert code is not None
    assert len(code) == 11
    # Saving again keeps the code (printed QR codes go on working) ...
    client.post(url, _settings(survey, open_link="on"))
    survey.refresh_from_db()
    assert survey.open_code == code
    assert f"/o/{code}/" in client.get(f"{LIST}{survey.code}/").content.decode()
    # ... switching it off forgets it.
    client.post(url, _settings(survey, open_link=""))
    survey.refresh_from_db()
    assert survey.open_code is None


def test_open_codes_differ_between_surveys(admin: User) -> None:
    client = client_for(admin)
    codes = set()
    for _ in range(3):
        survey = make_survey()
        client.post(f"{LIST}{survey.code}/settings/", _settings(survey, open_link="on"))
        survey.refresh_from_db()
        codes.add(survey.open_code)
    assert len(codes) == 3


def test_sending_on_a_milestone_needs_a_touchpoint_with_one(admin: User) -> None:
    survey = make_survey()
    relationship = make_touchpoint("관계", "")
    response = client_for(_english(admin)).post(
        f"{LIST}{survey.code}/settings/", _settings(survey, touchpoint=relationship.pk)
    )
    assert response.status_code == 400
    assert "is not opened by an operational milestone" in response.content.decode()
    survey.refresh_from_db()
    assert survey.touchpoint != relationship


def test_the_reminder_goes_out_before_the_link_expires(admin: User) -> None:
    survey = make_survey()
    response = client_for(admin).post(
        f"{LIST}{survey.code}/settings/", _settings(survey, reminder_after_days="14")
    )
    assert response.status_code == 400
    survey.refresh_from_db()
    assert survey.reminder_after_days == 3


def test_admin_publishes_and_sees_the_version(admin: User) -> None:
    survey = make_survey()
    client = client_for(_english(admin))
    response = client.post(f"{LIST}{survey.code}/publish/")
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.status == Survey.Status.PUBLISHED
    assert survey.current_version is not None
    assert survey.current_version.number == 1
    page = client.get(f"{LIST}{survey.code}/").content.decode()
    assert "Version 1 is published." in page
    assert "Customers get version 1" in page
    assert "Unpublished changes" not in page


def test_unpublished_changes_are_shown(admin: User) -> None:
    survey = make_survey()
    publish_survey(survey=survey, by=admin)
    add_question(survey=survey, question=text_question())
    client = client_for(_english(admin))
    assert "Unpublished changes" in client.get(f"{LIST}{survey.code}/").content.decode()
    assert "unpublished changes" in client.get(LIST).content.decode()


def test_a_never_published_draft_is_not_compared_with_what_customers_get(admin: User) -> None:
    survey = make_survey()
    page = client_for(_english(admin)).get(f"{LIST}{survey.code}/").content.decode()
    assert "Not published yet: customers see nothing of this survey." in page
    assert "Publishing makes the questions below version 1." in page
    assert "differ from what customers get" not in page


def test_publishing_an_empty_survey_is_refused_with_a_reason(admin: User) -> None:
    survey = make_survey(template="")
    response = client_for(_english(admin)).post(f"{LIST}{survey.code}/publish/")
    assert response.status_code == 400
    assert "Add at least one question before publishing." in response.content.decode()
    survey.refresh_from_db()
    assert survey.status == Survey.Status.DRAFT


def test_admin_archives_a_survey(admin: User) -> None:
    survey = make_survey()
    publish_survey(survey=survey, by=admin)
    client = client_for(admin)
    assert client.post(f"{LIST}{survey.code}/archive/").status_code == 302
    survey.refresh_from_db()
    assert survey.status == Survey.Status.ARCHIVED
    assert client.post(f"{LIST}{survey.code}/archive/").status_code == 302  # idempotent
    assert SurveyVersion.objects.count() == 1


def test_unknown_survey_is_not_found(admin: User) -> None:
    url = f"{LIST}00000000-0000-0000-0000-000000000000/"
    client = client_for(admin)
    assert client.get(url).status_code == 404
    assert client.post(f"{url}publish/").status_code == 404


def test_preview_link_only_when_the_preview_page_exists(admin: User) -> None:
    survey = make_survey()
    page = client_for(admin).get(f"{LIST}{survey.code}/").content.decode()
    try:
        preview = reverse("surveys:preview", kwargs={"code": survey.code})
    except NoReverseMatch:
        assert "/preview" not in page
    else:
        assert preview in page


def test_list_shows_versions_in_constant_queries(admin: User) -> None:
    client = client_for(_english(admin))
    publish_survey(survey=make_survey(name="설문 0"), by=admin)
    client.get(LIST)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for n in range(1, 5):
        survey = make_survey(name=f"설문 {n}")
        if n % 2:
            publish_survey(survey=survey, by=admin)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)
    assert len(many) == len(few)
    page = response.content.decode()
    assert "설문 4" in page
    # Counted as table cells: "v1" alone may also occur in the page's random CSRF token.
    assert page.count('class="num">v1</td>') == 3
