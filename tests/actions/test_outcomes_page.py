"""The outcomes page and its CSV: reviewers only, figures with n, Korean and English."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from cxm.models import User
from tests.actions.test_outcomes_helpers import (
    T0,
    make_customer,
    make_holdout,
    make_rule,
    make_task,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = reverse("actions:outcomes")
CSV_URL = reverse("actions:outcomes-csv")


def _speaks(user: User, language: str) -> User:
    User.objects.filter(pk=user.pk).update(language=language)
    user.refresh_from_db()
    return user


def _history() -> None:
    rule = make_rule(name='=HYPERLINK("x") 불만 고객', holdout_percent=10)
    for i in range(40):
        make_task(
            rule,
            make_customer(),
            verdict="recovered" if i < 28 else "not_recovered",
            judged_at=T0,
            repurchased_30d=i < 20,
            repurchased_90d=i < 28,
            later_score=8 if i < 30 else 4,
        )
    for i in range(30):
        make_holdout(
            rule,
            make_customer(),
            repurchased_30d=i < 6,
            repurchased_90d=i < 12,
            later_score=5,
            verdict="recovered" if i < 12 else "not_recovered",
            judged_at=T0,
        )


@pytest.mark.parametrize("url", [URL, CSV_URL])
def test_staff_without_review_permission_are_refused(agent: User, outsider: User, url: str) -> None:
    assert client_for(agent).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_post_is_refused(manager: User) -> None:
    assert client_for(manager).post(URL).status_code == 405


def test_manager_sees_rates_uplift_and_the_method_in_english(
    manager: User,
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    _history()
    client = client_for(_speaks(manager, "en"))
    with django_assert_max_num_queries(20):
        response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Holdout uplift per rule" in page
    assert "70.0%" in page  # 28 of 40 recovered
    assert "+30.0 pp" in page  # bought again within 90 days: 70% treated vs 40% control
    assert "(n=40)" in page and "(n=30)" in page
    assert "How this is computed" in page
    assert "=HYPERLINK(&quot;x&quot;) 불만 고객" in page  # escaped, as text


def test_page_speaks_korean(manager: User) -> None:
    _history()
    response = client_for(_speaks(manager, "ko")).get(URL)
    assert response.status_code == 200
    assert '<html lang="ko">' in response.content.decode()


def test_empty_page_says_there_is_nothing_yet(manager: User) -> None:
    page = client_for(_speaks(manager, "en")).get(URL).content.decode()
    assert "No task has been judged yet." in page
    assert "No rule keeps a control group yet." in page


def test_csv_has_every_figure_and_escapes_formulas(manager: User) -> None:
    _history()
    response = client_for(_speaks(manager, "en")).get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(body)))
    total = next(r for r in rows if r["section"] == "total")
    assert (total["n"], total["value"]) == ("40", "0.7000")
    uplift = next(r for r in rows if r["measure"] == "repurchase_90d")
    assert uplift["name"].startswith("'=HYPERLINK")
    assert (uplift["n"], uplift["control_n"], uplift["difference"]) == ("40", "30", "0.3000")
    assert float(uplift["difference_low"]) > 0
    by_rule = next(r for r in rows if r["section"] == "recovery_rate" and r["group"] == "rule")
    assert by_rule["name"].startswith("'=")


def test_period_filter_keeps_recent_tasks_and_ignores_bad_values(manager: User) -> None:
    from datetime import timedelta

    from django.utils import timezone

    rule = make_rule(name="최근 규칙")
    for _ in range(12):
        make_task(
            rule,
            make_customer(),
            verdict="recovered",
            judged_at=timezone.now(),
            closed_at=timezone.now() - timedelta(days=95),
        )
    old = make_rule(name="오래된 규칙")
    for _ in range(12):
        make_task(
            old,
            make_customer(),
            verdict="recovered",
            judged_at=T0,
            closed_at=timezone.now() - timedelta(days=400),
        )
    client = client_for(_speaks(manager, "en"))
    recent = client.get(URL, {"period": "180"}).content.decode()
    assert "최근 규칙" in recent and "오래된 규칙" not in recent
    everything = client.get(URL, {"period": "abc"})
    assert everything.status_code == 200
    assert "오래된 규칙" in everything.content.decode()
