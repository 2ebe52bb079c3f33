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
from xdata.models import Answer, Feedback, Response
from xdata.services.responses import OpenLinkContext, record_response

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
    assert "<dd>Store</dd>" in html  # the purchase channel, by its label
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


EVERY_TYPE = [
    {"key": "nps", "type": "nps", "required": True, "text": {"ko": "추천?", "en": "Recommend?"}},
    {"key": "csat", "type": "csat", "required": True, "text": {"ko": "만족?", "en": "Satisfied?"}},
    {"key": "ces", "type": "ces", "required": True, "text": {"ko": "쉬움?", "en": "Easy?"}},
    {"key": "stars", "type": "rating", "required": True, "text": {"ko": "별점", "en": "Stars"}},
    {
        "key": "visit",
        "type": "single",
        "required": True,
        "text": {"ko": "방문 목적", "en": "Purpose"},
        "options": [
            {"value": "gift", "text": {"ko": "선물", "en": "Gift"}},
            {"value": "self", "text": {"ko": "본인용", "en": "For me"}},
        ],
    },
    {
        "key": "why",
        "type": "multiple",
        "required": True,
        "text": {"ko": "이유는?", "en": "Why?"},
        "options": [
            {"value": "price", "text": {"ko": "가격", "en": "Price"}},
            {"value": "staff", "text": {"ko": "직원", "en": "Staff"}},
            {"value": "wait", "text": {"ko": "대기", "en": "Waiting"}},
        ],
    },
    {"key": "again", "type": "intent", "required": True, "text": {"ko": "재구매?", "en": "Again?"}},
    {"key": "soon", "type": "intent", "required": True, "text": {"ko": "곧?", "en": "Soon?"}},
    {"key": "word", "type": "short_text", "required": True, "text": {"ko": "한마디", "en": "Word"}},
    {"key": "more", "type": "long_text", "required": True, "text": {"ko": "더", "en": "More"}},
]


def _answer_cells(html: str) -> dict[str, str]:
    """Answer text by question key from the answers table."""
    rows = re.findall(
        r'<span class="muted">\(([a-z_]+)\)</span></td>\s*<td data-label="[^"]*">(.*?)</td>',
        html,
        re.S,
    )
    return {key: value.strip() for key, value in rows}


def test_every_question_type_recorded_by_the_recorder_reads_in_the_viewers_language(
    manager: User,
) -> None:
    version = published(questions=EVERY_TYPE)
    response = record_response(
        version=version,
        answers={
            "nps": 3,
            "csat": 2,
            "ces": 6,
            "stars": 4,
            "visit": "gift",
            "why": ["price", "wait"],
            "again": "no",
            "soon": "unsure",
            "word": "Slow",
            "more": "Queue\nat noon",
        },
        submission_key=uuid4(),
        open_link=OpenLinkContext(language="en"),
    )
    assert Answer.objects.get(response=response, question_key="again").selected == ["no"]
    english = _answer_cells(in_language(manager, "en").get(url(response)).content.decode())
    assert english == {
        "nps": "3",
        "csat": "2",
        "ces": "6",
        "stars": "4",
        "visit": "Gift",
        "why": "Price, Waiting",
        "again": "No",
        "soon": "Not sure",
        "word": "Slow",
        "more": "Queue<br>at noon",
    }
    korean = _answer_cells(in_language(manager, "ko").get(url(response)).content.decode())
    assert (korean["visit"], korean["why"]) == ("선물", "가격, 대기")
    assert (korean["again"], korean["soon"]) == ("아니요", "잘 모르겠어요")


def test_language_and_purchase_channel_show_their_names(manager: User) -> None:
    response = make_response(language="en", purchase_channel="online")
    korean = in_language(manager, "ko").get(url(response)).content.decode()
    assert "<dd>영어</dd>" in korean and "<dd>온라인</dd>" in korean
    assert "<dd>en</dd>" not in korean and "<dd>online</dd>" not in korean
    english = in_language(manager, "en").get(url(response)).content.decode()
    assert "<dd>English</dd>" in english and "<dd>Online</dd>" in english
    # An open link's own channel word (channel= on the QR code) is shown as given.
    qr = make_response(language="ko", purchase_channel="qr_table")
    html = in_language(manager, "en").get(url(qr)).content.decode()
    assert "<dd>Korean</dd>" in html and "<dd>qr_table</dd>" in html
    feedback = make_feedback(language="en")
    assert "<dd>영어</dd>" in in_language(manager, "ko").get(url(feedback)).content.decode()


def test_known_feedback_channels_are_named_for_people_and_others_shown_as_sent(
    manager: User,
) -> None:
    review = make_feedback(channel="naver_review", rating=2)
    own = make_feedback(channel="kiosk-7")
    english = in_language(manager, "en")
    assert '<span class="badge">Naver review</span>' in english.get(url(review)).content.decode()
    korean = in_language(manager, "ko")
    assert '<span class="badge">네이버 리뷰</span>' in korean.get(url(review)).content.decode()
    assert '<span class="badge">kiosk-7</span>' in korean.get(url(own)).content.decode()
    explorer = korean.get("/xdata/responses/?source=feedback").content.decode()
    assert '<span class="badge">네이버 리뷰</span>' in explorer
