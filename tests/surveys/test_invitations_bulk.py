"""Bulk sending: the page counts who matches and who the policy leaves out, queues a
default job on commit, and the job creates the invitations once, in batches."""

from __future__ import annotations

from datetime import datetime

import django_rq
import pytest
import time_machine
from django.utils import timezone

from cxm.models import User
from odata.models import Store
from surveys.jobs import create_bulk_invitations
from surveys.models import Invitation, Suppression, Survey
from surveys.services import invitations as service
from tests.conftest import client_for
from tests.factories import FollowUpTaskFactory
from tests.surveys.test_invitations_helpers import at, make_customer, make_store, make_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def gangnam() -> Store:
    store = make_store(name="강남점")
    make_customer(segment="VIP", home_store=store)
    make_customer(segment="VIP", home_store=store)
    make_customer(segment="VIP", home_store=store, survey_consent=False)
    make_customer(segment="VIP", home_store=store, email="")
    make_customer(segment="일반", home_store=store)
    make_customer(segment="VIP")  # another store
    return store


def _url(survey: Survey) -> str:
    return f"/surveys/{survey.code}/invite/"


def test_the_bulk_page_is_for_survey_admins(
    manager: User, agent: User, outsider: User, gangnam: Store
) -> None:
    survey = make_survey()
    for user in (manager, agent, outsider):
        assert client_for(user).get(_url(survey)).status_code == 403
        assert client_for(user).post(_url(survey), {"segment": "VIP"}).status_code == 403
    assert django_rq.get_queue("default").count == 0


def test_the_page_counts_matching_and_suppressed_customers(admin: User, gangnam: Store) -> None:
    survey = make_survey()
    recent = make_customer(segment="VIP", home_store=gangnam)
    service.invite_customer(customer=recent, survey=make_survey(name="다른"), by=admin)
    response = client_for(admin).get(_url(survey), {"segment": "VIP", "store": gangnam.code})
    preview = response.context["preview"]
    assert response.status_code == 200
    assert preview.matching == 5
    assert preview.suppressed == {
        "no_consent": 1,
        "no_email": 1,
        "recently_invited": 1,
        "open_task": 0,
    }
    assert preview.to_invite == 2
    everyone = client_for(admin).get(_url(survey)).context["preview"]
    assert everyone.matching == 7


def test_the_page_counts_customers_with_an_open_follow_up_task(admin: User, gangnam: Store) -> None:
    survey = make_survey()
    helped = make_customer(segment="VIP", home_store=gangnam)
    FollowUpTaskFactory(customer=helped)
    FollowUpTaskFactory(customer=make_customer(segment="VIP", home_store=gangnam), status="closed")
    admin.language = "en"
    admin.save(update_fields=["language"])
    response = client_for(admin).get(_url(survey), {"segment": "VIP", "store": gangnam.code})
    preview = response.context["preview"]
    assert preview.matching == 6
    assert preview.suppressed["open_task"] == 1
    assert preview.to_invite == 3
    assert "open follow-up task 1" in response.content.decode()
    # The job leaves out the same customers, so the page promised what is sent.
    counts = create_bulk_invitations(
        survey_id=survey.pk,
        segment="VIP",
        store_id=gangnam.pk,
        requested_by_id=admin.pk,
        requested_at=timezone.now().isoformat(),
    )
    assert counts["invited"] == preview.to_invite
    assert Suppression.objects.get(customer=helped).reason == "open_task"


def test_post_queues_a_default_job_on_commit_and_the_job_invites(
    admin: User,
    gangnam: Store,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    survey = make_survey()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(_url(survey), {"segment": "VIP", "store": gangnam.code})
    assert response.status_code == 302
    assert not Invitation.objects.exists()
    [job] = django_rq.get_queue("default").jobs
    assert job.func_name == "surveys.jobs.create_bulk_invitations"
    assert job.kwargs["survey_id"] == survey.pk
    counts = create_bulk_invitations(**job.kwargs)
    assert counts == {"invited": 2, "suppressed": 2, "skipped": 0}
    invitations = Invitation.objects.all()
    assert {i.source for i in invitations} == {"bulk"}
    assert {i.store for i in invitations} == {gangnam}
    assert all(i.created_by == admin for i in invitations)
    assert sorted(Suppression.objects.values_list("reason", flat=True)) == [
        "no_consent",
        "no_email",
    ]


def test_get_does_not_queue_anything(admin: User, gangnam: Store) -> None:
    client_for(admin).get(_url(make_survey()), {"segment": "VIP"})
    assert django_rq.get_queue("default").count == 0


def test_the_job_run_twice_changes_nothing_the_second_time(admin: User, gangnam: Store) -> None:
    survey = make_survey()
    requested_at = datetime.now().astimezone()
    kwargs = {
        "survey_id": survey.pk,
        "segment": "VIP",
        "store_id": gangnam.pk,
        "requested_by_id": admin.pk,
        "requested_at": requested_at.isoformat(),
    }
    create_bulk_invitations(**kwargs)  # type: ignore[arg-type]
    again = create_bulk_invitations(**kwargs)  # type: ignore[arg-type]
    assert again == {"invited": 0, "suppressed": 0, "skipped": 4}
    assert Invitation.objects.count() == 2
    assert Suppression.objects.count() == 2


def test_batches_cover_every_customer(admin: User, gangnam: Store) -> None:
    survey = make_survey()
    with time_machine.travel(at(3, 10), tick=False):
        counts = service.create_bulk_invitations(
            survey=survey,
            segment="",
            store=None,
            requested_at=at(3, 10),
            by=admin,
            batch_size=2,
        )
    assert counts["invited"] + counts["suppressed"] == 6
    assert Invitation.objects.count() == 4
    assert {i.send_after for i in Invitation.objects.all()} == {at(3, 10)}


def test_invitations_created_at_night_wait_for_nine(admin: User, gangnam: Store) -> None:
    with time_machine.travel(at(3, 23), tick=False):
        service.create_bulk_invitations(
            survey=make_survey(), segment="VIP", store=gangnam, requested_at=at(3, 23), by=admin
        )
    assert {i.send_after for i in Invitation.objects.all()} == {at(4, 9)}


def test_a_draft_survey_cannot_be_sent(admin: User, gangnam: Store) -> None:
    survey = make_survey(status=Survey.Status.DRAFT)
    User.objects.filter(pk=admin.pk).update(language="en")
    response = client_for(admin).post(_url(survey), {"segment": "VIP"})
    assert response.status_code == 400
    assert "Publish the survey before sending it." in response.content.decode()
    assert django_rq.get_queue("default").count == 0


def test_an_unknown_store_is_a_clear_error(admin: User, gangnam: Store) -> None:
    survey = make_survey()
    response = client_for(admin).get(_url(survey), {"store": "not-a-store"})
    assert response.status_code == 400
    assert response.context["form"].errors["store"]
