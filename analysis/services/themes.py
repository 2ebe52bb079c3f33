"""The text-theme step of an analysis run: the terms and two-word phrases of every comment.

Free-text answers (`Response.comment`) and feedback texts are read in keyset chunks of only
the columns needed, tokenised (`analysis.text`: Kiwi for Korean, words for English), and each
distinct term of each text is written as one `ThemeTerm` row by COPY. The themes page sums
these rows under the shared filters: top terms, terms over-represented among unhappy
customers (log-odds with a prior), their monthly trend and example comments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from analysis import text
from analysis.models import AnalysisRun
from analysis.models.insights import ThemeTerm
from xdata.csat import response_csat_expression
from xdata.models import Feedback, Response

WINDOW_DAYS = 730
CHUNK = 1000
TERM_LENGTH = 100

Progress = Callable[[float], None]

UNHAPPY = "unhappy"
NEUTRAL = "neutral"
HAPPY = "happy"


def tone_of(
    *,
    nps: int | None = None,
    csat: int | None = None,
    ces: int | None = None,
    rating: int | None = None,
) -> str:
    """The text's score group from the first score present (NPS, CSAT, CES, rating)."""
    for value, low, high in ((nps, 6, 9), (csat, 2, 4), (ces, 3, 6), (rating, 2, 4)):
        if value is not None:
            return UNHAPPY if value <= low else HAPPY if value >= high else NEUTRAL
    return ""


def _chunks(rows: Any) -> Iterator[list[tuple[Any, ...]]]:
    """Keyset chunks of `rows` (a values_list queryset whose first column is the pk)."""
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0]


def _response_docs(since: datetime) -> Iterator[list[tuple[Any, ...]]]:
    rows = (
        Response.objects.filter(submitted_at__gte=since)
        .exclude(comment="")
        # CSAT as every other step reads it: a rating-only survey's rating counts.
        .annotate(csat_value=response_csat_expression())
        .values_list(
            "pk",
            "comment",
            "submitted_at",
            "survey_id",
            "touchpoint_id",
            "store_id",
            "store__region_id",
            "nps",
            "csat_value",
            "ces",
        )
    )
    for chunk in _chunks(rows):
        yield [
            (
                pk,
                None,
                comment,
                at,
                survey,
                touchpoint,
                store,
                region,
                tone_of(nps=nps, csat=csat, ces=ces),
            )
            for pk, comment, at, survey, touchpoint, store, region, nps, csat, ces in chunk
        ]


def _feedback_docs(since: datetime) -> Iterator[list[tuple[Any, ...]]]:
    rows = (
        Feedback.objects.filter(occurred_at__gte=since)
        .exclude(text="")
        .values_list("pk", "text", "occurred_at", "store_id", "store__region_id", "rating")
    )
    for chunk in _chunks(rows):
        yield [
            (None, pk, body, at, None, None, store, region, tone_of(rating=rating))
            for pk, body, at, store, region, rating in chunk
        ]


def _write(run: AnalysisRun, docs: Sequence[tuple[Any, ...]]) -> int:
    texts = [doc[2] for doc in docs]
    # One Kiwi batch per chunk; `_document_terms` is the per-text set of terms and phrases
    # that `analysis.text`'s own counts are built from.
    terms_per_doc = text._document_terms(texts, None)
    written = 0
    columns = (
        "run_id, response_id, feedback_id, day, survey_id, touchpoint_id, store_id, "
        "region_id, tone, language, term, phrase"
    )
    copy_sql = f"COPY analysis_themeterm ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
        for doc, terms in zip(docs, terms_per_doc, strict=True):
            response, feedback, body, at, survey, touchpoint, store, region, tone = doc
            day = timezone.localdate(at)
            language = text.detect_language(body)
            for term in sorted(terms):
                copy.write_row(
                    (
                        run.pk,
                        response,
                        feedback,
                        day,
                        survey,
                        touchpoint,
                        store,
                        region,
                        tone,
                        language,
                        term[:TERM_LENGTH],
                        " " in term,
                    )
                )
                written += 1
    return written


def compute_theme_terms(*, run: AnalysisRun, progress: Progress, now: datetime) -> int:
    """Write the run's `ThemeTerm` rows; returns how many. Idempotent per run."""
    since = now - timedelta(days=WINDOW_DAYS)
    written = 0
    with transaction.atomic():
        ThemeTerm.objects.filter(run=run).delete()
        for docs in _response_docs(since):
            written += _write(run, docs)
        progress(0.7)
        for docs in _feedback_docs(since):
            written += _write(run, docs)
    progress(1.0)
    return written


def theme_section(run: AnalysisRun, progress: Progress) -> dict[str, Any]:
    """The run section (`analysis.sections`): the facts as of the run's start."""
    return {
        "theme_terms": compute_theme_terms(
            run=run, progress=progress, now=run.started_at or timezone.now()
        )
    }
