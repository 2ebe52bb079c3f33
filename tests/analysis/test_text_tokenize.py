"""Tokenising Korean and English comments into content terms."""

from __future__ import annotations

import threading
import time
import unicodedata

import kiwipiepy
import pytest

from analysis import text
from analysis.text import detect_language, document_terms, terms_and_bigrams, tokenize

PARTICLES_AND_ENDINGS = {
    "이",
    "가",
    "은",
    "는",
    "을",
    "를",
    "에",
    "도",
    "어요",
    "었",
    "했어요",
    "게",
}


def test_korean_keeps_nouns_and_predicate_stems_and_drops_particles() -> None:
    terms = tokenize("배송이 너무 늦게 도착했어요")
    assert "배송" in terms
    assert "늦다" in terms  # 늦/VA shown in dictionary form
    assert "도착" in terms
    assert not set(terms) & PARTICLES_AND_ENDINGS
    assert "너무" not in terms  # adverbs carry no theme


def test_korean_negating_prefix_and_roots_stay_meaningful() -> None:
    terms = tokenize("직원이 불친절했고 답답하네요. 재고가 없다고 해서 실망했어요!")
    assert "불친절" in terms  # 불/XPN + 친절/NNG, not 친절
    assert "친절" not in terms
    assert "답답하다" in terms
    assert "없다" in terms  # kept on purpose: 재고 없다 is a theme
    assert "하다" not in terms  # light verb is a stopword


def test_korean_stopwords_are_removed() -> None:
    terms = tokenize("그런 것 같아요 있는 거 하나도 없어요")
    assert not {"것", "거", "같다", "있다"} & set(terms)


def test_latin_words_inside_korean_text_are_kept_lowercase() -> None:
    assert tokenize("앱 Crash 가 자주 나요") == ["앱", "crash"]


def test_english_lowercases_drops_stopwords_and_normalises_plurals() -> None:
    terms = tokenize(
        "The deliveries were LATE and the driver's attitude was rude. Won't order again!"
    )
    assert terms == ["delivery", "late", "driver", "attitude", "rude", "order"]
    assert tokenize("Boxes and boxes of items; glass classes", language="en") == [
        "box",
        "box",
        "item",
        "glass",
        "class",
    ]


def test_english_numbers_and_single_letters_are_not_terms() -> None:
    assert tokenize("Waited 45 minutes, a B+ experience", language="en") == [
        "waited",
        "minute",
        "experience",
    ]


def test_language_detection_by_hangul_share() -> None:
    assert detect_language("배송이 늦어요") == "ko"
    assert detect_language("Delivery was late") == "en"
    assert detect_language("앱 crash 가 자주 나요") == "ko"
    assert detect_language("The app 느림 crashed again and again") == "en"
    assert detect_language("!!! 123") == "ko"


def test_explicit_language_overrides_detection() -> None:
    # Forced English: the Hangul is not analysed at all.
    assert tokenize("배송 late", language="en") == ["late"]
    assert tokenize("배송 late", language="ko") == ["배송", "late"]


def test_bigrams_join_adjacent_content_terms_within_a_sentence() -> None:
    counts = terms_and_bigrams(
        [
            "배송이 너무 늦게 도착했어요",
            "배송이 늦어요. 포장은 좋아요",
            "Late delivery, rude driver",
            "late delivery again",
        ]
    )
    assert counts["배송 늦다"] == 2
    assert counts["late delivery"] == 2
    assert counts["rude driver"] == 1
    # No phrase across a sentence or clause break.
    assert counts["늦다 포장"] == 0
    assert counts["delivery rude"] == 0


def test_counts_are_per_comment_not_per_occurrence() -> None:
    counts = terms_and_bigrams(["late late late!!! so late", "late"])
    assert counts["late"] == 2


def test_empty_and_blank_texts() -> None:
    assert tokenize("") == []
    assert tokenize("   ") == []
    assert terms_and_bigrams([]) == {}


def test_kiwi_is_created_once_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    # Eight threads race on the first call. A slow stand-in constructor widens the race window
    # (and spares loading the real model eight times); the real instance is restored afterwards
    # by monkeypatch.
    created = []

    class SlowKiwi:
        def __init__(self) -> None:
            time.sleep(0.05)
            created.append(self)
            self.loaded = False

        def tokenize(self, _text: str) -> list[object]:
            time.sleep(0.05)
            self.loaded = True
            return []

    monkeypatch.setattr(text, "_kiwi", None)
    monkeypatch.setattr(kiwipiepy, "Kiwi", SlowKiwi)
    instances = []
    threads = [threading.Thread(target=lambda: instances.append(text.kiwi())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(created) == 1
    assert created[0].loaded  # nobody got the instance before its model was loaded
    assert all(instance is created[0] for instance in instances)
    assert text.kiwi() is created[0]


def test_decomposed_hangul_is_analysed_like_composed() -> None:
    composed = "배송이 너무 늦게 도착했어요"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert detect_language(decomposed) == "ko"
    assert tokenize(decomposed) == tokenize(composed)


def test_document_terms_are_per_text_sets_with_phrases() -> None:
    docs = document_terms(["배송이 늦어요 배송이 늦어요", "late delivery", ""])
    assert docs[0] == {"배송", "늦다", "배송 늦다", "늦다 배송"}
    assert docs[1] == {"late", "delivery", "late delivery"}
    assert docs[2] == set()
