"""Personal link answer pages: steps, display conditions, resume, thank-you, language.

The helpers at the top build surveys and invitations for the other answer-page test modules.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from surveys.models import Invitation, Survey, SurveyVersion, Touchpoint
from surveys.tokens import hash_token
from tests.odata.test_customer_360 import CustomerFactory, StoreFactory
from xdata.models import Answer, Response

pytestmark = pytest.mark.django_db

TOKEN = "personal-token-0123456789abcdefghijklmnopqrstu"


def _text(ko: str, en: str) -> dict[str, str]:
    return {"ko": ko, "en": en}


QUESTIONS: list[dict[str, Any]] = [
    {
        "key": "nps",
        "type": "nps",
        "required": True,
        "text": _text("추천하실 가능성은?", "How likely are you to recommend us?"),
        "show_if": None,
    },
    {
        "key": "wrong",
        "type": "long_text",
        "required": True,
        "text": _text("무엇이 잘못되었나요?", "What went wrong?"),
        "show_if": {"question": "nps", "op": "lte", "value": 6},
    },
    {
        "key": "csat",
        "type": "csat",
        "required": True,
        "text": _text("만족도는?", "How satisfied were you?"),
    },
    {
        "key": "reason",
        "type": "single",
        "required": False,
        "text": _text("가장 중요한 것은?", "What mattered most?"),
        "options": [
            {"value": "price", "text": _text("가격", "Price")},
            {"value": "service", "text": _text("서비스", "Service")},
        ],
    },
    {
        "key": "intent",
        "type": "intent",
        "required": True,
        "text": _text("다시 구매하시겠어요?", "Will you buy again?"),
    },
]


def make_survey(
    questions: list[dict[str, Any]] | None = None, *, open_code: str | None = None
) -> Survey:
    touchpoint = Touchpoint.objects.create(name="매장 방문")
    survey = Survey.objects.create(
        touchpoint=touchpoint,
        name="매장 만족도",
        status=Survey.Status.PUBLISHED,
        draft=questions or QUESTIONS,
        open_code=open_code,
    )
    publish(survey, questions or QUESTIONS)
    return survey


def publish(survey: Survey, questions: list[dict[str, Any]]) -> SurveyVersion:
    number = survey.versions.count() + 1
    version = SurveyVersion.objects.create(survey=survey, number=number, questions=questions)
    survey.current_version = version
    survey.save(update_fields=["current_version"])
    return version


def make_invitation(survey: Survey, token: str = TOKEN, **fields: Any) -> Invitation:
    now = timezone.now()
    values: dict[str, Any] = {
        "survey": survey,
        "customer": CustomerFactory(),
        "token_hash": hash_token(token),
        "status": Invitation.Status.SENT,
        "source": Invitation.Source.MANUAL,
        "language": "en",
        "touchpoint": survey.touchpoint,
        "send_after": now - timedelta(days=1),
        "sent_at": now - timedelta(days=1),
        "expires_at": now + timedelta(days=13),
    }
    values.update(fields)
    return Invitation.objects.create(**values)


def post(client: Client, url: str, page: str, **answers: Any) -> Any:
    return client.post(url, {"page": page, **answers})


def page_keys(html: str) -> str:
    found = re.search(r'name="page" value="([^"]*)"', html)
    assert found is not None, "no answer form on the page"
    return found.group(1)


def step(client: Client, url: str, **answers: Any) -> Any:
    """Answer the page the link shows now (GET, then POST its keys)."""
    keys = page_keys(client.get(url).content.decode())
    return client.post(url, {"page": keys, **answers})


def test_first_page_shows_the_nps_scale_in_the_invitations_language() -> None:
    make_invitation(make_survey())
    response = Client().get(f"/s/{TOKEN}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "How likely are you to recommend us?" in html
    assert html.count('type="radio" name="nps"') == 11
    assert "Not at all likely" in html and "Extremely likely" in html
    # The condition depends on the NPS answer: the follow-up waits for the next step.
    assert "What went wrong?" not in html
    assert 'name="page" value="nps"' in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_low_nps_asks_what_went_wrong_and_high_nps_skips_it() -> None:
    survey = make_survey()
    low = make_invitation(survey)
    client = Client()
    assert post(client, f"/s/{TOKEN}/", "nps", nps="3").status_code == 302
    page = client.get(f"/s/{TOKEN}/").content.decode()
    assert "What went wrong?" in page
    low.refresh_from_db()
    assert low.partial_answers == {"_version": 1, "nps": 3}

    make_invitation(survey, token="high-token")
    post(client, "/s/high-token/", "nps", nps="10")
    page = client.get("/s/high-token/").content.decode()
    assert "What went wrong?" not in page
    assert "How satisfied were you?" in page


def test_whole_survey_records_one_response_with_scores_and_context() -> None:
    survey = make_survey()
    store = StoreFactory()
    invitation = make_invitation(survey, store=store, purchase_channel="store", daypart="lunch")
    client, url = Client(), f"/s/{TOKEN}/"
    post(client, url, "nps", nps="4")
    assert page_keys(client.get(url).content.decode()) == "wrong,csat,reason"
    post(client, url, "wrong,csat,reason", wrong="  Cold coffee  ", csat="2", reason="price")
    finished = post(client, url, "intent", intent="unsure")
    assert finished.status_code == 200
    assert "Thank you, we have your answer" in finished.content.decode()
    response = Response.objects.get()
    assert (response.nps, response.csat, response.ces, response.intent) == (4, 2, None, "unsure")
    assert response.comment == "Cold coffee"
    assert response.invitation == invitation
    assert response.customer == invitation.customer
    assert (response.store, response.purchase_channel, response.daypart) == (
        store,
        "store",
        "lunch",
    )
    assert response.language == "en"
    assert response.version.number == 1
    assert response.evaluated_at is None
    rows = {a.question_key: a for a in Answer.objects.filter(response=response)}
    assert set(rows) == {"nps", "wrong", "csat", "reason", "intent"}
    assert rows["reason"].selected == ["price"]
    assert rows["wrong"].text == "Cold coffee"
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ANSWERED
    assert invitation.answered_at is not None
    assert invitation.partial_answers == {}


def test_hidden_question_values_are_dropped() -> None:
    make_invitation(make_survey())
    client, url = Client(), f"/s/{TOKEN}/"
    # A value for the hidden follow-up, smuggled in with a high score, is ignored.
    post(client, url, "nps", nps="9", wrong="sneaky")
    step(client, url, csat="5", intent="yes", wrong="sneaky")
    response = Response.objects.get()
    assert response.comment == ""
    assert not Answer.objects.filter(question_key="wrong").exists()
    assert Answer.objects.get(question_key="reason").selected == []


def test_resume_after_partial_save_continues_where_the_customer_left() -> None:
    invitation = make_invitation(make_survey())
    post(Client(), f"/s/{TOKEN}/", "nps", nps="8")
    # Another day, another device.
    page = Client().get(f"/s/{TOKEN}/").content.decode()
    assert "How satisfied were you?" in page
    assert 'name="nps"' not in page
    assert "Step 2 of 2" in page  # a score of 8 skips the follow-up: the last step
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT


def test_validation_error_is_shown_next_to_the_question_with_400() -> None:
    make_invitation(make_survey())
    client, url = Client(), f"/s/{TOKEN}/"
    post(client, url, "nps", nps="9")
    response = step(client, url, csat="9", reason="", intent="")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose a number from 1 to 5." in html
    assert "Please answer this question." in html
    assert 'aria-describedby="error-csat' in html
    assert not Response.objects.exists()


def test_korean_invitation_gets_korean_pages() -> None:
    make_invitation(make_survey(), language="ko")
    html = Client().get(f"/s/{TOKEN}/").content.decode()
    assert "추천하실 가능성은?" in html
    assert "How likely" not in html


def test_language_switch_cookie_wins_over_the_invitation_language() -> None:
    make_invitation(make_survey(), language="ko")
    client = Client()
    client.post("/language/", {"language": "en", "next": f"/s/{TOKEN}/"})
    html = client.get(f"/s/{TOKEN}/").content.decode()
    assert "How likely are you to recommend us?" in html
    assert 'lang="en"' in html


def test_repeated_submit_of_an_earlier_step_changes_nothing() -> None:
    invitation = make_invitation(make_survey())
    client, url = Client(), f"/s/{TOKEN}/"
    post(client, url, "nps", nps="8")
    again = post(client, url, "nps", nps="2")
    assert again.status_code == 302
    invitation.refresh_from_db()
    assert invitation.partial_answers["nps"] == 8


def test_other_methods_are_refused() -> None:
    make_invitation(make_survey())
    assert Client().put(f"/s/{TOKEN}/").status_code == 405
