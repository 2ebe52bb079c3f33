"""The open-link page: admins see the signing secret and a worked example, and rotate it."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from cxm.models import User
from surveys.models import Survey
from surveys.open_links import TEST_ORDER, open_link_signature
from tests.conftest import client_for
from tests.odata.test_customer_360 import OrderFactory
from tests.surveys.test_answer_open_link import SHORT, _answer
from tests.surveys.test_answer_pages import make_survey
from tests.surveys.test_builder_surveys import _english, _settings
from xdata.models import Response

pytestmark = pytest.mark.django_db


def _open_survey() -> Survey:
    survey = make_survey(SHORT, open_code="R1")
    survey.open_link_secret = "ab" * 32
    survey.save(update_fields=["open_link_secret"])
    return survey


def _page(survey: Survey) -> str:
    return f"/surveys/{survey.code}/open-link/"


def test_admin_sees_the_secret_and_a_worked_example_that_opens_the_survey(admin: User) -> None:
    survey = _open_survey()
    response = client_for(_english(admin)).get(_page(survey))
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert survey.open_link_secret in html
    assert "http://testserver/o/R1/" in html
    found = re.search(r'<code id="example-url">([^<]+)</code>', html)
    signature = re.search(r'<code id="example-signature">([0-9a-f]{64})</code>', html)
    canonical = re.search(r'<pre class="code-block" id="example-canonical">([^<]+)</pre>', html)
    assert found and signature and canonical
    code, order, expires = unescape(canonical.group(1)).split("\n")
    assert (code, order) == ("R1", TEST_ORDER)
    assert signature.group(1) == open_link_signature(
        secret=survey.open_link_secret, code="R1", order=TEST_ORDER, expires=expires
    )
    # The example link, as printed on a receipt, opens the survey as a test.
    example = unescape(found.group(1)).removeprefix("http://testserver")
    opened = Client(HTTP_ACCEPT_LANGUAGE="en").get(example)
    assert opened.status_code == 200
    assert "Recommend?" in opened.content.decode()
    assert (
        '<p class="test-banner" role="status">Test link: nothing you answer here is recorded.</p>'
        in opened.content.decode()
    )


def _example(html: str) -> tuple[str, str]:
    """(order number, link path) of the worked example on the open-link page."""
    order = re.search(r'<pre class="code-block" id="example-canonical">([^<]+)</pre>', html)
    url = re.search(r'<code id="example-url">([^<]+)</code>', html)
    assert order and url
    return (
        unescape(order.group(1)).split("\n")[1],
        unescape(url.group(1)).removeprefix("http://testserver"),
    )


def test_the_worked_example_signs_the_test_order_and_its_answers_record_nothing(
    admin: User,
) -> None:
    survey = _open_survey()
    now = timezone.now()
    OrderFactory(external_id="POS-1/0001", placed_at=now - timedelta(days=2))
    OrderFactory(external_id="POS-1/0002", placed_at=now - timedelta(hours=1))
    admin_client = client_for(_english(admin))
    order, example = _example(admin_client.get(_page(survey)).content.decode())
    assert order == TEST_ORDER  # real orders in cxm are not signed for the example

    for _ in range(2):  # answered twice: the example stays the same and keeps opening
        visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
        first = visitor.get(example)
        assert first.status_code == 200
        done = _answer(visitor, "/o/R1/", first.content.decode(), nps="9")
        assert "nothing you answer here is recorded" in done.content.decode()
        assert _example(admin_client.get(_page(survey)).content.decode()) == (order, example)
    assert not Response.objects.exists()


def test_the_page_says_the_example_is_a_test_link_and_real_links_sign_real_orders(
    admin: User,
) -> None:
    survey = _open_survey()
    OrderFactory(external_id="POS-1/0003")
    html = client_for(_english(admin)).get(_page(survey)).content.decode()
    notice = re.search(r'<p class="help" id="example-test-order">([^<]+)</p>', html)
    assert notice
    text = unescape(notice.group(1))
    assert f"test order number {TEST_ORDER}" in text
    assert "nothing answered through it is recorded" in text
    assert "Real links sign a real order number" in text
    assert "do not send an answer" not in html
    assert "POS-1/0003" not in html


def test_only_those_who_manage_surveys_see_the_secret(
    manager: User, agent: User, outsider: User, admin: User
) -> None:
    survey = _open_survey()
    for user in (manager, agent, outsider):
        response = client_for(user).get(_page(survey))
        assert response.status_code == 403
        assert survey.open_link_secret not in response.content.decode()
    # The survey's main page links to the open-link page but does not show the secret.
    detail = client_for(_english(admin)).get(f"/surveys/{survey.code}/").content.decode()
    assert _page(survey) in detail
    assert survey.open_link_secret not in detail


def test_a_survey_without_an_open_link_says_how_to_switch_it_on(admin: User) -> None:
    survey = make_survey(SHORT)
    html = client_for(_english(admin)).get(_page(survey)).content.decode()
    assert "This survey has no open link." in html
    assert f"/surveys/{survey.code}/settings/" in html


def test_rotate_refuses_get_and_users_who_do_not_manage_surveys(
    manager: User, agent: User, outsider: User, admin: User
) -> None:
    survey = _open_survey()
    url = f"{_page(survey)}rotate/"
    assert client_for(admin).get(url).status_code == 405
    for user in (manager, agent, outsider):
        assert client_for(user).post(url).status_code == 403
    survey.refresh_from_db()
    assert survey.open_link_secret == "ab" * 32


def test_admin_rotates_the_secret(admin: User) -> None:
    survey = _open_survey()
    client = client_for(_english(admin))
    response = client.post(f"{_page(survey)}rotate/", follow=True)
    survey.refresh_from_db()
    assert survey.open_link_secret != "ab" * 32
    assert re.fullmatch(r"[0-9a-f]{64}", survey.open_link_secret)
    html = response.content.decode()
    assert "A new secret is issued" in html
    assert survey.open_link_secret in html


def test_switching_the_open_link_on_issues_a_code_and_a_secret(admin: User) -> None:
    survey = make_survey(SHORT)
    client = client_for(admin)
    client.post(
        f"/surveys/{survey.code}/settings/", _settings(survey, open_link="on", send_on_milestone="")
    )
    survey.refresh_from_db()
    assert survey.open_code and re.fullmatch(r"[0-9a-f]{64}", survey.open_link_secret)


def test_the_survey_page_links_to_it_as_the_qr_code_and_open_link(admin: User) -> None:
    survey = _open_survey()
    html = client_for(_english(admin)).get(f"/surveys/{survey.code}/").content.decode()
    assert f'<a href="{_page(survey)}">QR code and open link</a>' in html
