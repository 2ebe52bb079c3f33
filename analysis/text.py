"""Text themes in Korean and English free-text comments.

Korean goes through Kiwi (kiwipiepy's morphological analyser with its bundled model): only
content morphemes are kept (common and proper nouns; verb and adjective stems shown in their
dictionary form, 늦 -> 늦다), so 배송이 / 배송은 / 배송도 all count as 배송 and particles and
endings never become "themes". English uses lowercase word tokens, a small stopword list and a
light plural/possessive normalisation; no extra dependency. The language of each text is taken
from its share of Hangul letters when the caller does not know it.

Counts are document frequencies (how many comments mention a term, once per comment): one angry
comment repeating "late" five times is one customer, and "share" then reads as "share of
comments".
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.stats import log_odds_ratio

if TYPE_CHECKING:
    from kiwipiepy import Kiwi, Token

KOREAN = "ko"
ENGLISH = "en"

# Below this many letters a text is too short to judge; it is analysed as Korean because Kiwi
# also passes Latin words through (as SL tokens), while the English path would drop Hangul.
_HANGUL_SHARE_FOR_KOREAN = 0.3

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z]")
# Words with an inner apostrophe stay whole ("don't") so the stopword list can drop them.
_ENGLISH_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
# Phrase boundaries: a bigram never spans a sentence or clause break.
_ENGLISH_BREAK = re.compile(r"[.!?;:,()\[\]\"\n]+")

# A standard short English stopword list (function words, pronouns, auxiliaries), close to the
# classic SMART/NLTK core; negations are in it too, otherwise "not" tops every list.
_ENGLISH_STOPWORD_TEXT = """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll
    i'm i've if in into is isn't it it's its itself just let's me more most mustn't my myself no
    nor not of off on once only or other ought our ours ourselves out over own same shan't she
    she'd she'll she's should shouldn't so some such than that that's the their theirs them
    themselves then there there's these they they'd they'll they're they've this those through
    to too under until up very was wasn't we we'd we'll we're we've were weren't what what's
    when when's where where's which while who who's whom why why's will with won't would
    wouldn't you you'd you'll you're you've your yours yourself yourselves get got really still
    even much many one ve ll re im dont didnt cant wont isnt
"""
ENGLISH_STOPWORDS = frozenset(_ENGLISH_STOPWORD_TEXT.split())

# Korean content morphemes that carry no theme on their own: bound-ish nouns Kiwi tags NNG,
# the light verbs/adjectives that form most predicates (하다, 되다, 있다 ...), and the verbs of
# postposition-like phrases (가격에 비해, 배송에 대해, 위해, 통해, 인해, 따라), which Kiwi tags
# VV but which only link two nouns. 없다 is kept on purpose: "재고 없다" (out of stock) is a
# theme; 어렵다 too: "사용이 어렵다" is one.
_KOREAN_STOPWORD_TEXT = """
    것 거 수 등 때 중 번 데 곳 측 경우 정도 부분 이번 다음 하나 제 저희 우리 뭐 진짜 정말
    하다 되다 있다 같다 이다 아니다 보다 주다 받다 가다 오다 이렇다 그렇다 저렇다 어떻다
    싶다 말다 드리다 나다
    비하다 대하다 위하다 통하다 인하다 관하다 의하다 따르다
"""
KOREAN_STOPWORDS = frozenset(_KOREAN_STOPWORD_TEXT.split())

_NOUN_TAGS = frozenset({"NNG", "NNP"})
_PREDICATE_TAGS = frozenset({"VV", "VA"})
_DERIVING_SUFFIXES = frozenset({"XSA", "XSV"})
_KOREAN_BREAK_TAGS = frozenset({"SF", "SP", "SS", "SSO", "SSC", "SE"})

_kiwi: Kiwi | None = None
_kiwi_lock = threading.Lock()


def kiwi() -> Kiwi:
    """The process-wide Kiwi analyser, created and fully loaded on first use.

    Loading the model takes about 2 s on an idle machine and ~500 MB of memory, so one instance
    serves every call of the process. Kiwi finishes loading lazily on its first analysis, so that
    first (empty) analysis happens here, under the lock: threads racing on the first call get
    one ready instance.
    """
    global _kiwi
    if _kiwi is None:
        with _kiwi_lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi  # imported lazily: web requests rarely need it

                instance = Kiwi()
                instance.tokenize("")
                _kiwi = instance
    return _kiwi


def detect_language(text: str) -> str:
    """ "ko" when Hangul makes up at least 30 % of the letters (or there are no letters)."""
    hangul = len(_HANGUL.findall(text))
    latin = len(_LATIN.findall(text))
    if hangul + latin == 0:
        return KOREAN
    return KOREAN if hangul / (hangul + latin) >= _HANGUL_SHARE_FOR_KOREAN else ENGLISH


def _normalise_english(word: str) -> str:
    """Light normalisation so "deliveries", "delivery's" and "delivery" count together.

    Deliberately not a stemmer: only possessives and regular plurals, so every displayed term is
    a real word.
    """
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        return word[:-1]
    return word


def _english_runs(text: str) -> list[list[str]]:
    runs = []
    for chunk in _ENGLISH_BREAK.split(text.lower().replace("\u2019", "'")):
        run = []
        for word in _ENGLISH_WORD.findall(chunk):
            if word in ENGLISH_STOPWORDS:
                continue
            term = _normalise_english(word)
            if len(term) >= 2 and term not in ENGLISH_STOPWORDS:
                run.append(term)
        if run:
            runs.append(run)
    return runs


def _korean_runs(tokens: Sequence[Token]) -> list[list[str]]:
    """Content terms from Kiwi tokens, split into runs at punctuation."""
    runs: list[list[str]] = []
    run: list[str] = []
    prefix = ""
    for i, token in enumerate(tokens):
        form = token.form
        tag = token.tag.split("-")[0]  # irregular/regular variants: VV-I, VA-R -> VV, VA
        following = tokens[i + 1].tag.split("-")[0] if i + 1 < len(tokens) else ""
        term = ""
        if tag == "XPN":
            # Negating prefixes (불친절, 미배송) change the meaning: glue to the next noun.
            prefix = form
            continue
        if tag in _NOUN_TAGS:
            term = prefix + form
        elif tag in _PREDICATE_TAGS:
            term = form + "다"
        elif tag == "XR" and following in _DERIVING_SUFFIXES:
            term = prefix + form + "하다"  # 답답/XR + 하/XSA -> 답답하다
        elif tag == "SL":
            word = _normalise_english(form.lower())
            if len(word) >= 2 and word not in ENGLISH_STOPWORDS:
                term = word
        elif tag in _KOREAN_BREAK_TAGS and run:
            runs.append(run)
            run = []
        prefix = ""
        if term and term not in KOREAN_STOPWORDS:
            run.append(term)
    if run:
        runs.append(run)
    return runs


def _runs_of(texts: Sequence[str], language: str | None) -> Iterator[list[list[str]]]:
    """Content-term runs for each text, in order; Korean texts go to Kiwi in one batch."""
    # NFC: text pasted from some systems (macOS file names, old exports) carries Hangul as
    # decomposed jamo, which Kiwi would not recognise as the same syllables. Not NFKC: that
    # would turn compatibility jamo (ㅋㅋ, ㅠㅠ) into conjoining ones.
    texts = [unicodedata.normalize("NFC", t) for t in texts]
    languages = [language or detect_language(t) for t in texts]
    korean = [t for t, lang in zip(texts, languages, strict=True) if lang == KOREAN]
    # Kiwi analyses an iterable of texts on its worker threads, much faster per text than one
    # call per comment.
    korean_tokens = iter(kiwi().tokenize(korean)) if korean else iter(())
    for text, lang in zip(texts, languages, strict=True):
        if lang == KOREAN:
            yield _korean_runs(next(korean_tokens))
        else:
            yield _english_runs(text)


def _terms_of(runs: list[list[str]]) -> list[str]:
    """Unigrams then two-word phrases of adjacent content terms ("배송 늦다", "late delivery")."""
    terms = [term for run in runs for term in run]
    for run in runs:
        terms.extend(f"{a} {b}" for a, b in itertools.pairwise(run) if a != b)
    return terms


def tokenize(text: str, language: str | None = None) -> list[str]:
    """Content terms of one text, in order (no bigrams). ``language``: "ko", "en" or None."""
    return [term for run in next(_runs_of([text], language)) for term in run]


def document_terms(texts: Sequence[str], language: str | None = None) -> list[set[str]]:
    """For each text, the set of its terms and two-word phrases (phrases contain a space).

    The unit every count here is built from; analysis runs store it per comment so that pages
    can sum terms under any filter. Korean texts of the batch go to Kiwi together.
    """
    return [set(_terms_of(runs)) for runs in _runs_of(list(texts), language)]


_document_terms = document_terms  # the earlier private name, still used by callers


def terms_and_bigrams(texts: Iterable[str], language: str | None = None) -> Counter[str]:
    """Document frequency of each term and two-word phrase over ``texts``."""
    counts: Counter[str] = Counter()
    for terms in document_terms(list(texts), language):
        counts.update(terms)
    return counts


@dataclass(frozen=True)
class Theme:
    term: str
    count: int  # comments that mention the term
    share: float  # count / number of comments
    z: float | None  # log-odds z against the comparison group; None for plain frequency
    examples: tuple[str, ...]  # up to three comments that mention it, in input order
    variants: tuple[str, ...] = ()  # terms found in exactly the same comments, merged into it


def _informativeness(term: str, counts: Mapping[str, int]) -> tuple[int, int, int]:
    """How well a term names the comments it shares with its variants: a phrase before a word,
    then the phrase with fewer Korean predicates (배송 지연 before 추천 어렵다: a noun names the
    subject), then the phrase whose words are the most common elsewhere (its words name a theme
    many comments share)."""
    words = term.split(" ")
    predicates = sum(1 for word in words if _HANGUL.search(word) and word.endswith("다"))
    return (len(words), -predicates, sum(counts.get(word, 0) for word in words))


def merge_variants(
    ranked: Sequence[tuple[str, int, Hashable]], counts: Mapping[str, int] | None = None
) -> list[tuple[str, tuple[str, ...]]]:
    """Terms that occur in exactly the same comments, merged into one theme.

    ``ranked``: (term, count, key of its set of comments), most mentioned first; ``counts``:
    comment counts of the words, to choose the name (defaults to ``ranked``'s counts). One
    sentence repeated 76 times yields 배송, 지연, 잦다, 추천, 어렵다 and four phrases, all with
    76 comments: one theme, not nine. A word that always comes inside one phrase ("지연" only
    in "배송 지연") has that phrase's comments too (a comment with a phrase has its words), so
    it merges the same way; a word that also occurs elsewhere keeps its own row. Each group is
    named by its most informative member (:func:`_informativeness`, ties alphabetical); the
    others are returned as its variants. Groups keep the rank of their first member.
    """
    counts = counts if counts is not None else {term: n for term, n, _key in ranked}
    groups: dict[Hashable, list[str]] = {}
    for term, count, key in ranked:
        groups.setdefault((count, key), []).append(term)
    merged = []
    for members in groups.values():
        head = min(members, key=lambda t: (tuple(-v for v in _informativeness(t, counts)), t))
        merged.append((head, tuple(sorted(m for m in members if m != head))))
    return merged


def _examples(term: str, texts: Sequence[str], doc_terms: list[set[str]]) -> tuple[str, ...]:
    found = [text for text, terms in zip(texts, doc_terms, strict=True) if term in terms]
    return tuple(found[:3])


def top_terms(texts: Sequence[str], limit: int = 30, language: str | None = None) -> list[Theme]:
    """The most mentioned terms and phrases, by number of comments (ties alphabetical)."""
    texts = [t for t in texts if t and t.strip()]
    doc_terms = document_terms(texts, language)
    counts: Counter[str] = Counter()
    documents: dict[str, set[int]] = {}
    for index, terms in enumerate(doc_terms):
        counts.update(terms)
        for term in terms:
            documents.setdefault(term, set()).add(index)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    merged = merge_variants([(t, n, frozenset(documents[t])) for t, n in ranked], counts)
    return [
        Theme(
            term, counts[term], counts[term] / len(texts), None,
            _examples(term, texts, doc_terms), variants,
        )
        for term, variants in merged[:limit]
    ]  # fmt: skip


def detractor_terms(
    detractor_texts: Sequence[str],
    promoter_texts: Sequence[str],
    limit: int = 20,
    min_count: int = 2,
) -> list[Theme]:
    """Terms that set detractors' comments apart from promoters', strongest evidence first.

    Ranked by the Monroe-Colaresi-Quinn weighted log-odds z (:func:`analysis.stats.log_odds_ratio`)
    of document frequencies, detractors as corpus a. Only terms over-represented among
    detractors (z > 0) and mentioned by at least ``min_count`` detractors are returned: a word
    one customer used is an anecdote, not a theme. Each theme carries up to three detractor
    comments that mention it.

    Without any promoter comment there is nothing to contrast with (every log-odds would be 0):
    the most mentioned detractor terms are returned instead, with ``z`` None.
    """
    detractors = [t for t in detractor_texts if t and t.strip()]
    promoters = [t for t in promoter_texts if t and t.strip()]
    if not promoters:
        return [theme for theme in top_terms(detractors, limit) if theme.count >= min_count]
    doc_terms = document_terms(detractors, None)
    counts_a: Counter[str] = Counter()
    for terms in doc_terms:
        counts_a.update(terms)
    counts_b = terms_and_bigrams(promoters)
    table = log_odds_ratio(counts_a, counts_b)
    table = table[(table["z"] > 0) & (table["count_a"] >= min_count)].head(limit)
    return [
        Theme(
            term=str(row.term),
            count=int(row.count_a),
            share=int(row.count_a) / len(detractors),
            z=float(row.z),
            examples=_examples(str(row.term), detractors, doc_terms),
        )
        for row in table.itertuples(index=False)
    ]
