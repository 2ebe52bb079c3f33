"""The response explorer's list: access, each filter, escaping, htmx, bookmarkable links and a
pinned query count. Factories here are shared by the other explorer, export and timeline
tests (responses are built with the ORM, not the recording service)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import factory
import pytest
from django.test import Client
from django.utils import translation
from django.utils.http import urlencode

from cxm.models import User
from odata.models import Customer, Store
from surveys.models import Survey, SurveyVersion, Touchpoint
from surveys.questions import csat_rating_key
from tests.conftest import client_for
from tests.odata.test_customer_360 import CustomerFactory, StoreFactory
from xdata.models import Answer, Feedback, Response
from xdata.views.explorer import ExplorerFilterForm

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2025, 6, 15, 12, 0, tzinfo=SEOUL)
URL = "/xdata/responses/"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'

QUESTIONS = [
    {
        "key": "nps",
        "type": "nps",
        "required": True,
        "text": {"ko": "추천하시겠습니까?", "en": "Would you recommend us?"},
    },
    {
        "key": "why",
        "type": "multiple",
        "required": False,
        "text": {"ko": "이유는?", "en": "Why?"},
        "options": [
            {"value": "price", "text": {"ko": "가격", "en": "Price"}},
            {"value": "staff", "text": {"ko": "직원", "en": "Staff"}},
        ],
    },
    {
        "key": "again",
        "type": "intent",
        "required": False,
        "text": {"ko": "다시 구매하시겠습니까?", "en": "Would you buy again?"},
    },
    {
        "key": "comment",
        "type": "long_text",
        "required": False,
        "text": {"ko": "하고 싶은 말", "en": "Anything else?"},
    },
]


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    name = factory.Sequence(lambda n: f"매장 방문 {n}")


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    touchpoint = factory.SubFactory(TouchpointFactory)
    name = factory.Sequence(lambda n: f"매장 만족도 {n}")
    status = Survey.Status.PUBLISHED
    draft = QUESTIONS


def published(
    survey: Survey | None = None, questions: list[dict[str, Any]] | None = None
) -> SurveyVersion:
    survey = survey or SurveyFactory()
    number = survey.versions.count() + 1
    questions = questions or QUESTIONS
    version = SurveyVersion.objects.create(
        survey=survey,
        number=number,
        questions=questions,
        csat_rating_key=csat_rating_key(questions),
    )
    Survey.objects.filter(pk=survey.pk).update(current_version=version)
    return version


def make_response(
    version: SurveyVersion | None = None,
    *,
    at: datetime = T0,
    nps: int | None = 9,
    csat: int | None = None,
    comment: str = "",
    answers: dict[str, Any] | None = None,
    **fields: Any,
) -> Response:
    version = version or published()
    response = Response.objects.create(
        survey=version.survey,
        version=version,
        touchpoint=fields.pop("touchpoint", version.survey.touchpoint),
        submitted_at=at,
        nps=nps,
        csat=csat,
        comment=comment,
        **fields,
    )
    values: dict[str, Any] = {} if nps is None else {"nps": nps}
    if comment:
        values["comment"] = comment
    values.update(answers or {})
    for key, value in values.items():
        if isinstance(value, list):
            Answer.objects.create(response=response, question_key=key, selected=value)
        elif isinstance(value, int):
            Answer.objects.create(response=response, question_key=key, number=value)
        else:
            Answer.objects.create(response=response, question_key=key, text=value)
    return response


_feedback_ids = iter(range(1, 10**9))


def make_feedback(*, at: datetime = T0, text: str = "좋아요", **fields: Any) -> Feedback:
    fields.setdefault("channel", "google")
    fields.setdefault("external_id", f"R-{next(_feedback_ids)}")
    return Feedback.objects.create(occurred_at=at, text=text, **fields)


def shown(client: Client, query: str = "") -> str:
    response = client.get(URL + ("?" + query if query else ""))
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def codes(html: str) -> set[str]:
    return set(re.findall(r"/xdata/(?:responses|feedback)/([0-9a-f-]{36})/", html))


# -- Access ----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(db: None) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_outsider_is_refused(outsider: User) -> None:
    assert client_for(outsider).get(URL).status_code == 403


def test_post_is_refused(agent: User) -> None:
    assert client_for(agent).post(URL).status_code == 405


@pytest.mark.parametrize("persona", ["admin", "manager", "agent"])
def test_every_role_may_explore(persona: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(persona)
    response = make_response()
    assert str(response.code) in shown(client_for(user))


# -- Filters ---------------------------------------------------------------------------------


def test_lists_responses_and_feedback_side_by_side(agent: User) -> None:
    response = make_response(at=T0)
    feedback = make_feedback(at=T0 + timedelta(hours=1))
    client = client_for(agent)
    assert codes(shown(client)) == {str(response.code), str(feedback.code)}
    assert codes(shown(client, "source=surveys")) == {str(response.code)}
    assert codes(shown(client, "source=feedback")) == {str(feedback.code)}


def test_filter_by_survey_and_touchpoint(agent: User) -> None:
    first, second = published(), published()
    a, b = make_response(first), make_response(second)
    make_feedback()
    client = client_for(agent)
    assert codes(shown(client, f"survey={first.survey.code}")) == {str(a.code)}
    touchpoint = second.survey.touchpoint.code
    assert codes(shown(client, f"touchpoint={touchpoint}")) == {str(b.code)}


def test_filter_by_store(agent: User) -> None:
    north, south = StoreFactory(), StoreFactory()
    a = make_response(store=north)
    make_response(store=south)
    f = make_feedback(store=north)
    make_feedback(store=south)
    assert codes(shown(client_for(agent), f"store={north.code}")) == {str(a.code), str(f.code)}


def test_filter_by_date_range_in_local_days(agent: User) -> None:
    # 00:30 on 14 June in Seoul is still 13 June in UTC: days are local days.
    early = make_response(at=datetime(2025, 6, 14, 0, 30, tzinfo=SEOUL))
    late = make_feedback(at=datetime(2025, 6, 15, 23, 59, tzinfo=SEOUL))
    make_response(at=datetime(2025, 6, 13, 23, 59, tzinfo=SEOUL))
    make_feedback(at=datetime(2025, 6, 16, 0, 0, tzinfo=SEOUL))
    found = codes(shown(client_for(agent), "date_from=2025-06-14&date_to=2025-06-15"))
    assert found == {str(early.code), str(late.code)}


@pytest.mark.parametrize(
    ("band", "expected"),
    [
        ("nps_promoter", {"nps10", "nps9"}),
        ("nps_passive", {"nps7"}),
        ("nps_detractor", {"nps6", "nps0"}),
        ("csat_high", {"csat4"}),
        ("csat_mid", {"csat3"}),
        ("csat_low", {"csat2"}),
        ("rating_high", {"rating5"}),
        ("rating_mid", {"rating3"}),
        ("rating_low", {"rating1"}),
    ],
)
def test_filter_by_score_band(agent: User, band: str, expected: set[str]) -> None:
    made: dict[str, str] = {}
    for nps in (10, 9, 7, 6, 0):
        made[str(make_response(nps=nps).code)] = f"nps{nps}"
    for csat in (4, 3, 2):
        made[str(make_response(nps=None, csat=csat).code)] = f"csat{csat}"
    for rating in (5, 3, 1):
        made[str(make_feedback(rating=rating).code)] = f"rating{rating}"
    found = {made[c] for c in codes(shown(client_for(agent), f"score={band}"))}
    assert found == expected


def test_filter_by_language(agent: User) -> None:
    english = make_response(language="en")
    make_response(language="ko")
    english_feedback = make_feedback(language="en")
    found = codes(shown(client_for(agent), "language=en"))
    assert found == {str(english.code), str(english_feedback.code)}


def test_filter_by_having_a_comment(agent: User) -> None:
    with_comment = make_response(comment="친절했어요")
    without = make_response(comment="")
    rating_only = make_feedback(text="", rating=2)
    client = client_for(agent)
    assert codes(shown(client, "has_comment=yes&source=surveys")) == {str(with_comment.code)}
    assert codes(shown(client, "has_comment=no")) == {str(without.code), str(rating_only.code)}


def test_search_in_comments_and_feedback_text(agent: User) -> None:
    hit = make_response(comment="직원이 정말 친절했어요")
    make_response(comment="배송이 늦었어요")
    feedback_hit = make_feedback(text="Very KIND staff, 친절")
    make_feedback(text="slow")
    client = client_for(agent)
    assert codes(shown(client, "q=친절")) == {str(hit.code), str(feedback_hit.code)}
    # Case does not matter, and % or _ are searched for literally.
    assert codes(shown(client, "q=kind")) == {str(feedback_hit.code)}
    assert codes(shown(client, "q=%25%25")) == set()


def test_one_character_search_is_ignored_with_a_hint(agent: User) -> None:
    make_response(comment="좋아요")
    make_feedback(text="별로")
    client = client_for(agent)
    client.cookies.load({"django_language": "en"})
    User.objects.filter(pk=agent.pk).update(language="en")
    html = shown(client, "q=x")
    assert len(codes(html)) == 2
    assert "Type two or more characters" in html


def test_bad_filter_values_are_ignored_and_the_page_says_which(agent: User) -> None:
    response = make_response()
    User.objects.filter(pk=agent.pk).update(language="en")
    html = shown(client_for(agent), "survey=nope&date_from=yesterday&score=great&after=%%%")
    assert codes(html) == {str(response.code)}
    assert "Not applied, because the value is not valid or names nothing: " in html
    assert "names nothing: Survey, Date from, Score." in html


def test_a_code_that_names_nothing_is_reported_too(agent: User) -> None:
    make_response()
    User.objects.filter(pk=agent.pk).update(language="en")
    html = shown(client_for(agent), "store=00000000-0000-0000-0000-000000000000")
    assert "names nothing: Store." in html
    assert "Not applied" not in shown(client_for(agent), "")


@pytest.mark.parametrize(("language", "source_label"), [("en", "Source"), ("ko", "출처")])
def test_a_filter_not_applied_is_named_as_the_filter_bar_labels_it(
    agent: User, language: str, source_label: str
) -> None:
    make_response()
    User.objects.filter(pk=agent.pk).update(language=language)
    client = client_for(agent)
    client.cookies.load({"django_language": language})
    bad = {
        "source": "mail",
        "survey": "nope",
        "touchpoint": "nope",
        "store": "nope",
        "date_from": "yesterday",
        "date_to": "31-12-2025",
        "score": "great",
        "language": "xx",
        "has_comment": "maybe",
        "q": "x" * 101,
    }
    with translation.override(language):
        labels = [str(ExplorerFilterForm.base_fields[name].label) for name in bad]
    assert labels[0] == source_label
    html = shown(client, urlencode(bad))
    note = html[html.index('class="form-errors"') :]
    assert f": {', '.join(labels)}." in note[: note.index("</p>")]
    start = html.index('<form class="filters"')
    bar = html[start : html.index("</form>", start)]
    assert all(f"<label>{label} " in bar or f"<label>{label}\n" in bar for label in labels)
    refused = client.get(f"{URL}export.csv?{urlencode(bad)}").content.decode()
    assert f": {', '.join(labels)}." in refused


def test_an_export_with_a_bad_filter_is_refused_not_widened(agent: User) -> None:
    make_response()
    client = client_for(agent)
    for export in ("csv", "xlsx"):
        response = client.get(f"{URL}export.{export}?date_to=31-12-2025&score=csat_low")
        assert response.status_code == 400
        html = response.content.decode()
        assert "내보낼 수 없습니다" in html
        assert "score=csat_low" in html  # the way back keeps the filter


# -- Escaping, htmx, links -------------------------------------------------------------------


def test_free_text_is_escaped(agent: User) -> None:
    make_response(comment=XSS)
    make_feedback(text=XSS, channel="<b>chan</b>")
    html = shown(client_for(agent))
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>chan</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_htmx_gets_only_the_results(agent: User) -> None:
    make_response()
    response = client_for(agent).get(URL, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<table" in html
    assert "<form" not in html and "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_export_links_keep_the_filter(agent: User) -> None:
    survey = published()
    make_response(survey)
    html = shown(client_for(agent), f"survey={survey.survey.code}&score=nps_promoter&after=x")
    expected = f"survey={survey.survey.code}&amp;score=nps_promoter"
    assert f'export.csv?{expected}"' in html
    assert f'export.xlsx?{expected}"' in html


def test_next_link_keeps_the_filter_and_an_opaque_cursor(agent: User, monkeypatch: Any) -> None:
    monkeypatch.setattr("xdata.selectors.PAGE_SIZE", 4)
    survey = published()
    made = [make_response(survey, at=T0 + timedelta(minutes=m)) for m in range(6)]
    make_response()  # another survey
    html = shown(client_for(agent), f"survey={survey.survey.code}")
    assert codes(html) == {str(r.code) for r in made[2:]}
    match = re.search(r'href="\?([^"]+)" rel="next"', html)
    assert match is not None
    query = match.group(1).replace("&amp;", "&")
    assert f"survey={survey.survey.code}" in query
    cursor = re.search(r"after=([^&]+)", query)
    assert cursor is not None
    assert "2025" not in cursor.group(1)  # opaque: not a readable timestamp
    html = shown(client_for(agent), query)
    assert codes(html) == {str(r.code) for r in made[:2]}
    assert 'rel="next"' not in html


# -- Query count -----------------------------------------------------------------------------


def _populate(count: int, survey: SurveyVersion, store: Store, customer: Customer) -> None:
    for i in range(count):
        make_response(survey, at=T0 - timedelta(minutes=i), store=store, customer=customer)
        make_feedback(at=T0 - timedelta(minutes=i, seconds=30), store=store, customer=customer)


def test_query_count_does_not_grow_with_rows(agent: User, django_assert_num_queries: Any) -> None:
    survey, store, customer = published(), StoreFactory(), CustomerFactory()
    client = client_for(agent)
    _populate(2, survey, store, customer)
    client.get(URL)  # warm the session and permission caches
    # session, user, groups, permissions (2), choices (surveys, touchpoints, stores), 2
    # sources; CSAT (xdata.csat) is a subquery of the responses' query, not a query of its own
    with django_assert_num_queries(10):
        assert client.get(URL).status_code == 200
    _populate(40, survey, store, customer)
    with django_assert_num_queries(10):
        assert client.get(URL).status_code == 200
    # A survey and a store in the filter: one look-up each, and feedback is not queried.
    query = f"survey={survey.survey.code}&store={store.code}"
    with django_assert_num_queries(11):
        assert client.get(URL + "?" + query).status_code == 200
