"""One customer at a time, from the customer 360 page."""

from __future__ import annotations

import django_rq
import pytest
import time_machine

from cxm.models import User
from surveys.models import Invitation, Suppression, Survey
from tests.conftest import client_for
from tests.odata.test_customer_360 import OrderFactory
from tests.surveys.test_invitations_helpers import at, make_customer, make_store, make_survey

pytestmark = pytest.mark.django_db


def _url(customer_code: object) -> str:
    return f"/surveys/invitations/new/?customer={customer_code}"


def test_the_customer_page_offers_sending_to_survey_admins_only(admin: User, manager: User) -> None:
    customer = make_customer()
    page = client_for(admin).get(f"/odata/customers/{customer.code}/").content.decode()
    assert f'value="{customer.code}"' in page
    assert "/surveys/invitations/new/" in page
    page = client_for(manager).get(f"/odata/customers/{customer.code}/").content.decode()
    assert "/surveys/invitations/new/" not in page


def test_the_form_lists_published_surveys(admin: User) -> None:
    customer = make_customer()
    published = make_survey(name="매장 설문")
    make_survey(name="초안 설문", status=Survey.Status.DRAFT)
    response = client_for(admin).get(_url(customer.code))
    html = response.content.decode()
    assert response.status_code == 200
    assert str(published.code) in html
    assert "초안 설문" not in html
    assert not Invitation.objects.exists()


def test_others_are_refused(manager: User, outsider: User) -> None:
    customer, survey = make_customer(), make_survey()
    for user in (manager, outsider):
        client = client_for(user)
        assert client.get(_url(customer.code)).status_code == 403
        assert client.post(_url(customer.code), {"survey": survey.code}).status_code == 403
    assert not Invitation.objects.exists()


def test_an_unknown_customer_is_404(admin: User) -> None:
    assert client_for(admin).get(_url("not-a-code")).status_code == 404
    assert client_for(admin).get(_url("00000000-0000-0000-0000-000000000000")).status_code == 404


def test_post_invites_and_queues_the_e_mail(
    admin: User,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    customer, survey = make_customer(), make_survey()
    with (
        time_machine.travel(at(3, 10), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client_for(admin).post(_url(customer.code), {"survey": survey.code})
    assert response.status_code == 302
    assert response["Location"] == f"/odata/customers/{customer.code}/"
    invitation = Invitation.objects.get()
    assert (invitation.customer, invitation.survey, invitation.source) == (
        customer,
        survey,
        "manual",
    )
    assert invitation.created_by == admin
    jobs = django_rq.get_queue("realtime").jobs
    assert [(job.func_name, job.args) for job in jobs] == [
        ("surveys.jobs.send_invitation", (invitation.pk,))
    ]


def test_at_night_it_waits_for_the_sweep_at_nine(
    admin: User,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    customer, survey = make_customer(), make_survey()
    with (
        time_machine.travel(at(3, 22), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client_for(admin).post(_url(customer.code), {"survey": survey.code})
    assert Invitation.objects.get().send_after == at(4, 9)
    assert django_rq.get_queue("realtime").count == 0


def test_a_suppressed_invitation_says_why(admin: User) -> None:
    User.objects.filter(pk=admin.pk).update(language="en")
    customer, survey = make_customer(email=""), make_survey()
    client = client_for(admin)
    response = client.post(_url(customer.code), {"survey": survey.code}, follow=True)
    assert "Not sent: No e-mail address." in response.content.decode()
    assert Suppression.objects.get().reason == "no_email"
    assert not Invitation.objects.exists()


def test_a_draft_survey_is_refused(admin: User) -> None:
    customer = make_customer()
    draft = make_survey(status=Survey.Status.DRAFT)
    response = client_for(admin).post(_url(customer.code), {"survey": draft.code})
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_an_invitation_about_an_order_is_credited_to_the_orders_store(admin: User) -> None:
    home, shop = make_store(name="본점"), make_store(name="강남점")
    customer, survey = make_customer(home_store=home), make_survey()
    order = OrderFactory(customer=customer, store=shop, channel="store", placed_at=at(2, 8))
    OrderFactory(customer=make_customer(), external_id="SOMEONE-ELSE")
    client = client_for(admin)
    form = client.get(_url(customer.code)).content.decode()
    assert order.external_id in form and "SOMEONE-ELSE" not in form
    with time_machine.travel(at(3, 10), tick=False):
        response = client.post(
            _url(customer.code), {"survey": survey.code, "order": order.external_id}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.store, invitation.order) == (shop, order)
    assert (invitation.purchase_channel, invitation.daypart) == ("store", "morning")


def test_without_an_order_the_home_store_is_credited(admin: User) -> None:
    home = make_store(name="본점")
    customer, survey = make_customer(home_store=home), make_survey()
    with time_machine.travel(at(3, 10), tick=False):
        client_for(admin).post(_url(customer.code), {"survey": survey.code, "order": ""})
    invitation = Invitation.objects.get()
    assert (invitation.store, invitation.order, invitation.daypart) == (home, None, "")


def test_another_customers_order_is_refused(admin: User) -> None:
    customer, survey = make_customer(), make_survey()
    stranger = OrderFactory(customer=make_customer(), external_id="NOT-YOURS")
    response = client_for(admin).post(
        _url(customer.code), {"survey": survey.code, "order": stranger.external_id}
    )
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_the_form_asks_for_a_survey_instead_of_preselecting_one(admin: User) -> None:
    customer = make_customer()
    make_survey(name="A/S 고객 노력")
    make_survey(name="매장 설문")
    client = client_for(admin)
    html = client.get(_url(customer.code)).content.decode()
    assert '<option value="" selected>설문을 고르세요</option>' in html
    response = client.post(_url(customer.code), {"survey": ""})
    assert response.status_code == 400
    assert "설문을 고르세요." in response.content.decode()
    assert not Invitation.objects.exists()
    assert not Suppression.objects.exists()


@pytest.mark.parametrize(
    ("fields", "reason"),
    [({"survey_consent": False}, "설문 수신 미동의"), ({"email": ""}, "이메일 주소 없음")],
)
def test_a_customer_who_cannot_be_surveyed_is_told_before_sending(
    admin: User, fields: dict[str, object], reason: str
) -> None:
    customer = make_customer(**fields)
    make_survey()
    html = client_for(admin).get(_url(customer.code)).content.decode()
    assert f"지금은 이 고객에게 설문을 보낼 수 없습니다: {reason}." in html
    assert 'type="submit" disabled aria-describedby="held"' in html


def test_a_customer_who_can_be_surveyed_gets_an_enabled_send_button(admin: User) -> None:
    customer = make_customer()
    make_survey()
    html = client_for(admin).get(_url(customer.code)).content.decode()
    assert 'id="held"' not in html
    assert '<button class="primary" type="submit">' in html


def test_the_heading_names_the_customer_with_the_korean_honorific(admin: User) -> None:
    customer = make_customer(name="이채원")
    make_survey()
    admin.language = "ko"
    admin.save(update_fields=["language"])
    html = client_for(admin).get(_url(customer.code)).content.decode()
    assert "<h1>이채원 님께 설문 보내기</h1>" in html
