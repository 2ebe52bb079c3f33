"""Themes: most mentioned terms and terms that set detractors apart from promoters."""

from __future__ import annotations

import time

from analysis import text
from analysis.text import Theme, detractor_terms, top_terms

PROMOTERS_KO = [
    "직원이 친절하고 배송도 빨랐어요",
    "포장이 꼼꼼해서 좋았어요",
    "가격 대비 품질이 좋아요",
    "상담원이 친절하게 안내해 주셨어요",
    "배송이 빨라서 만족합니다",
    "재구매 의사 있습니다 품질 좋아요",
]
DETRACTORS_KO = [
    "환불 요청했는데 아직 처리가 안 됐어요",
    "배송이 늦고 환불도 느려요",
    "환불 받기가 너무 어려워요",
    "품질이 기대보다 별로예요",
    "상담원 연결이 안 돼서 환불을 못 받았어요",
    "배송이 늦어요",
]


def test_top_terms_ranks_by_number_of_comments_with_examples() -> None:
    themes = top_terms(["Late delivery again", "delivery was late", "great price", "", "late"])
    assert themes[0] == Theme(
        term="late",
        count=3,
        share=3 / 4,  # blank comments do not count
        z=None,
        examples=("Late delivery again", "delivery was late", "late"),
    )
    assert themes[1].term == "delivery" and themes[1].count == 2
    assert any(theme.term == "late delivery" for theme in themes)


def test_top_terms_respects_limit_and_language() -> None:
    themes = top_terms(DETRACTORS_KO, limit=3, language="ko")
    assert len(themes) == 3
    assert themes[0].term == "환불" and themes[0].count == 4
    assert len(themes[0].examples) == 3
    assert all("환불" in example for example in themes[0].examples)
    assert top_terms([]) == []


def test_detractor_terms_puts_the_planted_korean_word_first() -> None:
    themes = detractor_terms(DETRACTORS_KO, PROMOTERS_KO)
    assert themes[0].term == "환불"
    assert themes[0].count == 4
    assert themes[0].share == 4 / len(DETRACTORS_KO)
    assert themes[0].z is not None and themes[0].z > 0
    assert len(themes[0].examples) == 3 and all("환불" in e for e in themes[0].examples)
    terms = [theme.term for theme in themes]
    assert "늦다" in terms and "배송 늦다" in terms
    # Promoters' words are not detractor themes; singletons are anecdotes.
    assert "친절" not in terms and "별로" not in terms
    scores = [theme.z for theme in themes if theme.z is not None]
    assert len(scores) == len(themes) and scores == sorted(scores, reverse=True)


def test_detractor_terms_in_english_with_a_planted_word() -> None:
    products = ["delivery", "product", "price", "app", "support"]
    promoters = [f"good {w} and friendly staff" for w in products * 8]
    # "refund" is the only word all detractor phrasings share; product words appear equally
    # often on both sides.
    phrasings = [
        "refund took forever for my {}",
        "still waiting on the {} refund",
        "{} refund denied",
        "where is my refund for the {}",
    ]
    detractors = [phrasing.format(w) for phrasing in phrasings for w in products * 2]
    themes = detractor_terms(detractors, promoters, limit=5)
    assert themes[0].term == "refund"
    assert themes[0].count == 40 and themes[0].share == 1.0
    assert len(themes) == 5
    assert not {"delivery", "product", "price", "app", "support"} & {t.term for t in themes}


def test_detractor_terms_with_nothing_to_compare() -> None:
    assert detractor_terms([], PROMOTERS_KO) == []
    # No promoter comments: nothing to contrast with, so plain frequency (z None) instead.
    themes = detractor_terms(DETRACTORS_KO, [])
    assert themes[0].term == "환불" and themes[0].z is None
    assert all(theme.count >= 2 for theme in themes)


def test_thousands_of_comments_are_analysed_quickly() -> None:
    # Kiwi analyses the batch on its worker threads: about 1,500-3,000 short comments a second
    # on an idle 2-core machine, several times slower when the cores are shared; the bound
    # leaves room for that while still catching a per-comment model load or a quadratic step.
    text.kiwi()  # the one-off model load is not what is measured here
    detractors = [f"{DETRACTORS_KO[i % 6]} 주문번호 {i}" for i in range(1500)]
    promoters = [f"{PROMOTERS_KO[i % 6]} 주문번호 {i}" for i in range(1500)]
    started = time.perf_counter()
    themes = detractor_terms(detractors, promoters)
    assert time.perf_counter() - started < 30
    assert themes[0].term == "환불" and themes[0].count == 1000
