"""Terms that occur in exactly the same texts are one theme: the most informative names the
row, the others are listed as its variants; postposition-like verbs are no theme at all."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from analysis import text
from analysis.selectors.cells import CellFilter
from analysis.selectors.insights import themes_report
from analysis.services.themes import compute_theme_terms
from tests.analysis.test_drivers_page import AS_OF, finished_run
from tests.xdata.test_explorer import SEOUL, make_response, published

SENTENCE = "배송 지연이 잦아서 추천하기 어렵습니다"


def test_one_repeated_sentence_is_one_theme_not_seven() -> None:
    themes = text.top_terms([SENTENCE] * 76)

    assert len(themes) == 1
    (theme,) = themes
    assert theme.term == "배송 지연" and theme.count == 76
    assert set(theme.variants) == {
        "배송", "지연", "잦다", "추천", "어렵다", "지연 잦다", "잦다 추천", "추천 어렵다",
    }  # fmt: skip


def test_a_word_also_used_elsewhere_keeps_its_own_row() -> None:
    themes = text.top_terms([SENTENCE] * 5 + ["배송이 늦어서 불편했어요"] * 3)

    rows = {t.term: t for t in themes}
    assert rows["배송"].count == 8 and rows["배송"].variants == ()
    assert rows["배송 지연"].count == 5 and "지연" in rows["배송 지연"].variants
    assert rows["배송 늦다"].count == 3 and set(rows["배송 늦다"].variants) == {
        "늦다", "불편", "늦다 불편",
    }  # fmt: skip


def test_compared_to_is_no_theme() -> None:
    terms = text.document_terms(["가격에 비해 비싸요", "배송에 대해 문의했어요"])

    assert "비하다" not in terms[0] and "가격 비하다" not in terms[0]
    assert "가격 비싸다" in terms[0]
    assert "대하다" not in terms[1]


def test_english_merges_the_same_way() -> None:
    themes = text.top_terms(["The delivery was late again."] * 3 + ["Late delivery, again!"])

    rows = {t.term: t for t in themes}
    assert rows["delivery"].count == 4 and rows["delivery"].variants == ("late",)
    assert rows["delivery late"].count == 3 and rows["late delivery"].count == 1


def test_merge_variants_keeps_rank_and_distinct_sets_apart() -> None:
    merged = text.merge_variants(
        [("a b", 3, "X"), ("a", 3, "X"), ("b", 3, "Y"), ("c", 1, "Z")],
        {"a": 3, "b": 3, "c": 1},
    )
    assert merged == [("a b", ("a",)), ("b", ()), ("c", ())]


@pytest.mark.django_db
def test_the_themes_page_lists_a_repeated_sentence_once() -> None:
    at = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 12, tzinfo=SEOUL) - timedelta(days=3)
    version = published()
    for _ in range(6):
        make_response(version, at=at, nps=2, comment=SENTENCE)
    for _ in range(3):
        make_response(version, at=at, nps=10, comment="직원이 친절해요.")
    run = finished_run()
    compute_theme_terms(run=run, progress=lambda _p: None, now=at + timedelta(days=1))

    report = themes_report(run, CellFilter())

    assert [t.term for t in report.distinct] == ["배송 지연"]
    assert report.distinct[0].count == 6 and "추천 어렵다" in report.distinct[0].variants
    top = {t.term: t for t in report.top}
    assert set(top) == {"배송 지연", "직원 친절"}
    assert top["배송 지연"].count == 6 and len(top["배송 지연"].variants) == 8


@pytest.mark.django_db
def test_the_distinct_table_merges_terms_on_the_unhappy_and_happy_texts_it_counts() -> None:
    at = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 12, tzinfo=SEOUL) - timedelta(days=3)
    version = published()
    for _ in range(5):
        make_response(version, at=at, nps=2, comment="환불 처리가 너무 늦어요")
    for _ in range(4):
        make_response(version, at=at, nps=10, comment="직원이 친절해요.")
    # Passives (NPS 7-8) are neither unhappy nor happy: here 환불 occurs without 환불 처리.
    for _ in range(2):
        make_response(version, at=at, nps=7, comment="환불 문의했어요")
    run = finished_run()
    compute_theme_terms(run=run, progress=lambda _p: None, now=at + timedelta(days=1))

    report = themes_report(run, CellFilter())

    top = {t.term: t for t in report.top}
    assert top["환불"].count == 7 and top["환불 처리"].count == 5
    assert "환불" not in top["환불 처리"].variants
    distinct = [t for t in report.distinct if {"환불", "환불 처리"} & {t.term, *t.variants}]
    assert len(distinct) == 1
    (row,) = distinct
    assert row.term == "환불 처리" and "환불" in row.variants and row.count == 5
