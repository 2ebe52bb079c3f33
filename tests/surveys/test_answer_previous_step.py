"""A "Previous" button on every step after the first, on personal and open links: it goes back
one step with the answers given there filled in, keeps what was typed on the step it left
(unchecked: a press is never refused), records nothing, and the steps after follow a changed
branching answer, dropping answers to questions no longer asked."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from cxm.models import User
from surveys.models import Invitation
from tests.conftest import client_for
from tests.surveys.test_answer_open_link import _form
from tests.surveys.test_answer_pages import TOKEN, make_invitation, make_survey, page_keys
from xdata.models import Answer, Response

pytestmark = pytest.mark.django_db

URL = f"/s/{TOKEN}/"
# QUESTIONS of test_answer_pages: [nps] | [wrong (nps <= 6), csat, reason] | [intent]


def _checked(html: str, name: str, value: str) -> bool:
    return bool(re.search(rf'name="{name}" value="{value}"[^>]*checked', html))


def _back(client: Client, url: str, html: str, **typed: Any) -> Any:
    return client.post(url, {**_form(html), "page": page_keys(html), "previous": "1", **typed})


def _send(client: Client, url: str, html: str, **answers: Any) -> Any:
    return client.post(url, {**_form(html), "page": page_keys(html), **answers})


def _saved(invitation: Invitation) -> dict[str, Any]:
    invitation.refresh_from_db()
    return {k: v for k, v in invitation.partial_answers.items() if not k.startswith("_")}


def test_personal_link_goes_back_with_the_score_filled_in_and_the_typed_step_kept() -> None:
    invitation = make_invitation(make_survey())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(URL, {"page": "nps", "nps": "3"})
    second = client.get(URL).content.decode()
    assert "Previous</button>" in second and "What went wrong?" in second

    # csat=9 is out of range: going back checks nothing and is never refused.
    back = _back(client, URL, second, wrong="Cold coffee", csat="9", reason="price")
    assert back.status_code == 302
    first = client.get(URL).content.decode()
    assert "How likely are you to recommend us?" in first and _checked(first, "nps", "3")
    assert "Previous</button>" not in first  # the first step has no way back
    assert _saved(invitation) == {}  # the score is open to change again
    assert not Response.objects.exists()

    _send(client, URL, first, nps="3")
    again = client.get(URL).content.decode()
    assert "Cold coffee</textarea>" in again and _checked(again, "reason", "price")


def test_personal_link_follows_a_changed_branching_answer() -> None:
    invitation = make_invitation(make_survey())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(URL, {"page": "nps", "nps": "3"})
    _send(client, URL, client.get(URL).content.decode(), wrong="Cold", csat="2", reason="price")
    third = client.get(URL).content.decode()
    assert "Will you buy again?" in third

    _back(client, URL, third, intent="no")
    second = client.get(URL).content.decode()
    assert "Cold</textarea>" in second and _checked(second, "csat", "2")
    _back(client, URL, second, wrong="Cold", csat="2", reason="price")  # as the browser sends
    _send(client, URL, client.get(URL).content.decode(), nps="9")
    after = client.get(URL).content.decode()
    # A promoter is not asked what went wrong; what was given on the other questions is kept.
    assert "What went wrong?" not in after
    assert _checked(after, "csat", "2") and _checked(after, "intent", "no")
    assert "wrong" not in _saved(invitation)

    _send(client, URL, after, csat="4", reason="price", intent="yes")
    response = Response.objects.get()
    assert (response.nps, response.comment) == (9, "")
    assert not Answer.objects.filter(question_key="wrong").exists()


def test_a_repeated_previous_press_goes_back_only_once() -> None:
    invitation = make_invitation(make_survey())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(URL, {"page": "nps", "nps": "3"})
    _send(client, URL, client.get(URL).content.decode(), wrong="Cold", csat="2", reason="")
    third = client.get(URL).content.decode()
    _back(client, URL, third)
    _back(client, URL, third)  # the same form again (a double tap)
    assert _saved(invitation) == {"nps": 3}
    assert "What went wrong?" in client.get(URL).content.decode()


def test_enter_still_sends_the_step_forward() -> None:
    make_invitation(make_survey())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(URL, {"page": "nps", "nps": "3"})
    html = client.get(URL).content.decode()
    first_button = re.search(r"<button [^>]*>", html)
    assert first_button is not None
    assert "previous" not in first_button[0] and "switch_language" not in first_button[0]


def test_open_link_goes_back_and_follows_a_changed_branching_answer() -> None:
    make_survey(open_code="T1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = client.get("/o/T1/").content.decode()
    second = _send(client, "/o/T1/", first, nps="3").content.decode()
    assert "What went wrong?" in second and "Previous</button>" in second

    back = _back(client, "/o/T1/", second, wrong="Cold", csat="4")
    html = back.content.decode()
    assert back.status_code == 200
    assert "How likely are you to recommend us?" in html and _checked(html, "nps", "3")
    assert not Response.objects.exists()

    again = _send(client, "/o/T1/", html, nps="3").content.decode()
    assert "Cold</textarea>" in again and _checked(again, "csat", "4")  # kept as typed
    html = _back(client, "/o/T1/", again, wrong="Cold", csat="4").content.decode()
    promoter = _send(client, "/o/T1/", html, nps="10").content.decode()
    assert "What went wrong?" not in promoter and "How satisfied were you?" in promoter

    done = _send(client, "/o/T1/", promoter, csat="5", reason="service", intent="yes")
    assert "Thank you, we have your answer" in done.content.decode()
    response = Response.objects.get()
    assert (response.nps, response.comment) == (10, "")
    assert not Answer.objects.filter(question_key="wrong").exists()


def test_open_link_previous_with_forged_state_is_the_expired_page() -> None:
    make_survey(open_code="T1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    second = _send(client, "/o/T1/", client.get("/o/T1/").content.decode(), nps="3")
    html = second.content.decode()
    response = client.post(
        "/o/T1/", {**_form(html), "state": _form(html)["state"] + "x", "previous": "1"}
    )
    assert response.status_code == 400
    assert not Response.objects.exists()


def test_the_staff_preview_goes_back_too(admin: User) -> None:
    survey = make_survey()
    admin.language = "en"
    admin.save(update_fields=["language"])
    client, url = client_for(admin), f"/surveys/{survey.code}/preview/"
    second = _send(client, url, client.get(url).content.decode(), nps="3").content.decode()
    html = _back(client, url, second, wrong="Slow").content.decode()
    assert "Preview" in html and _checked(html, "nps", "3")
    first_button = re.search(r"<button [^>]*>", html.split('id="survey-form"')[1])
    assert first_button is not None and "previous" not in first_button[0]
    again = _send(client, url, html, nps="3").content.decode()
    assert "Slow</textarea>" in again
    # Enter in the preview (no language button in the form) sends the step forward too.
    first_button = re.search(r"<button [^>]*>", again.split('id="survey-form"')[1])
    assert first_button is not None and 'class="sr-only"' in first_button[0]


def test_what_a_step_back_keeps_is_bounded_by_what_the_questions_can_hold() -> None:
    invitation = make_invitation(make_survey())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post(URL, {"page": "nps", "nps": "3"})
    second = client.get(URL).content.decode()
    # A client (not the browser, which keeps to maxlength) sends far more than fits.
    _back(client, URL, second, wrong="x" * 20_000, reason=["price"] * 500, csat="9" * 1_000)
    invitation.refresh_from_db()
    typed = invitation.partial_answers["_typed"]
    assert typed["wrong"] == ["x" * 5_000]  # a long text's limit
    assert typed["reason"] == ["price"]  # one choice
    assert typed["csat"] == ["9" * 100]
