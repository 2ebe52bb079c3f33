"""The response and feedback detail pages: every answer with its question in the viewer's
language, scores and hidden context, the customer link with masked contact, escaping, access."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest
from django.test import Client

from cxm.models import User
from surveys.models import Daypart
from tests.conftest import client_for
from tests.odata.test_customer_360 import CustomerFactory, OrderFactory, StoreFactory
from tests.xdata.test_explorer import XSS, make_feedback, make_response, published
from xdata.models import Feedback, Response

pytestmark = pytest.mark.django_db


def in_language(user: User, language: str) -> Client:
    User.objects.filter(pk=user.pk).update(language=language)
    user.refresh_from_db()
    return client_for(user)


@pytest.fixture
def response(db: None) -> Response:
    customer = CustomerFactory(name="김민지", email="minji.kim@example.com", phone="01012345678")
    store = StoreFactory(name="강남점", external_id="S-001")
    return make_response(
        published(),
        nps=3,
        csat=2,
        comment="직원이 불친절",
        answers={"why": ["price", "staff"], "again": "no"},
        customer=customer,
        store=store,
        order=OrderFactory(customer=customer, external_id="O-5001"),
        purchase_channel="store",
        daypart=Daypart.LUNCH,
    )


def url(row: Response | Feedback) -> str:
    kind = "responses" if isinstance(row, Response) else "feedback"
    return f"/xdata/{kind}/{row.code}/"


def test_outsider_is_refused_and_unknown_codes_are_404(outsider: User, agent: User) -> None:
    row = make_response()
    feedback = make_feedback()
    assert client_for(outsider).get(url(row)).status_code == 403
    assert client_for(outsider).get(url(feedback)).status_code == 403
    assert client_for(outsider).get(f"/xdata/responses/{uuid4()}/").status_code == 403
    assert client_for(agent).get(f"/xdata/responses/{uuid4()}/").status_code == 404
    assert client_for(agent).get(f"/xdata/feedback/{uuid4()}/").status_code == 404
    assert client_for(agent).post(url(row)).status_code == 405


def test_answers_with_questions_in_the_viewers_language(manager: User, response: Response) -> None:
    html = in_language(manager, "en").get(url(response)).content.decode()
    for text in ("Would you recommend us?", "Why?", "Price, Staff", "Would you buy again?"):
        assert text in html
    assert "직원이 불친절" in html
    html = in_language(manager, "ko").get(url(response)).content.decode()
    assert "추천하시겠습니까?" in html and "가격, 직원" in html


def test_scores_and_hidden_context(manager: User, response: Response) -> None:
    html = in_language(manager, "en").get(url(response)).content.decode()
    assert "강남점" in html and "S-001" in html
    assert "O-5001" in html
    assert "store" in html
    assert "Lunch" in html
    assert response.touchpoint.name in html
    assert f"/odata/customers/{response.customer.code}/" in html  # type: ignore[union-attr]


def test_staff_see_contact_masked_managers_in_full(
    agent: User, manager: User, response: Response
) -> None:
    staff_html = client_for(agent).get(url(response)).content.decode()
    assert "m***@example.com" in staff_html and "010-****-5678" in staff_html
    assert "minji.kim@example.com" not in staff_html and "12345678" not in staff_html
    manager_html = client_for(manager).get(url(response)).content.decode()
    assert "minji.kim@example.com" in manager_html and "010-1234-5678" in manager_html


def test_anonymous_response_has_no_customer_link(agent: User) -> None:
    html = in_language(agent, "en").get(url(make_response())).content.decode()
    assert not re.search(r"/odata/customers/[0-9a-f-]{36}/", html)
    assert "Anonymous" in html


def test_free_text_is_escaped_on_both_pages(agent: User) -> None:
    response = make_response(comment=XSS, answers={"again": XSS})
    feedback = make_feedback(text=XSS, channel="<i>x</i>", external_id="<b>1</b>")
    for row in (response, feedback):
        html = client_for(agent).get(url(row)).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
    html = client_for(agent).get(url(feedback)).content.decode()
    assert "<i>x</i>" not in html and "<b>1</b>" not in html


def test_feedback_detail(manager: User) -> None:
    customer = CustomerFactory(email="minji.kim@example.com")
    feedback = make_feedback(
        text="배송이 빨라요\n포장도 좋아요", rating=4, channel="naver", customer=customer
    )
    html = in_language(manager, "en").get(url(feedback)).content.decode()
    assert "배송이 빨라요<br>포장도 좋아요" in html
    assert "★ 4 / 5" in html and "naver" in html
    assert f"/odata/customers/{customer.code}/" in html
