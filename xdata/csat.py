"""A response's CSAT, defined once for every page and file that shows or counts it.

A survey without a CSAT question but with a 1-5 rating question ("How was your visit today?")
counts its first rating answer as its CSAT; both are a 1-5 satisfaction judgement, and without
this a store-visit survey would have no score anywhere. `response_csat` is that rule as SQL (the
analysis' fact table, drivers, value x experience), `response_csat_expression` the same rule
for the ORM (the response explorer, its exports, text themes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from surveys.models import SurveyVersion
from xdata.models import Answer


def rating_as_csat() -> list[tuple[int, str]]:
    """(version id, question key) of the first rating question of each version without a CSAT
    question: the key each version stored when it was published
    (`surveys.questions.csat_rating_key`), so no question list is read."""
    return list(
        SurveyVersion.objects.exclude(csat_rating_key="")
        .order_by("pk")
        .values_list("pk", "csat_rating_key")
    )


@dataclass(frozen=True)
class ResponseCsat:
    """A response's CSAT in SQL: `value` is the expression, valid in a query that joins `join`
    after the response table; `params` are the named parameters `join` needs."""

    value: str
    join: str = ""
    params: dict[str, Any] = field(default_factory=dict)


def response_csat(*, response: str = "r") -> ResponseCsat:
    """The CSAT of the response aliased `response`: its CSAT answer, else the answer to the
    first rating question of a version without a CSAT question (`rating_as_csat`). Without
    such versions it is the column alone, and the join is empty.

    The join adds at most one row per response (one answer per response and question key)."""
    pairs = rating_as_csat()
    if not pairs:
        return ResponseCsat(f"{response}.csat")
    join = (
        "LEFT JOIN unnest(%(csat_versions)s::bigint[], %(csat_keys)s::text[])"
        f" AS csat_q(version_id, key) ON csat_q.version_id = {response}.version_id"
        f" LEFT JOIN xdata_answer csat_a ON csat_a.response_id = {response}.id"
        " AND csat_a.question_key = csat_q.key"
    )
    return ResponseCsat(
        f"COALESCE({response}.csat, csat_a.number)",
        join,
        {"csat_versions": [pk for pk, _key in pairs], "csat_keys": [key for _pk, key in pairs]},
    )


def response_csat_expression() -> Any:
    """`response_csat` for the ORM: an expression giving a `Response` queryset row its CSAT
    (the column, else the answer to its version's `csat_rating_key` question). One subquery
    however many versions there are, and no query to build it."""
    rating = Subquery(
        Answer.objects.filter(
            response=OuterRef("pk"), question_key=OuterRef("version__csat_rating_key")
        ).values("number")[:1],
        output_field=IntegerField(),
    )
    return Coalesce(F("csat"), rating, output_field=IntegerField())
