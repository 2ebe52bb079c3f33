"""The outcomes page: did following up help? Recovery rates by rule, owner and root cause, the
holdout uplift per rule, and the same figures as CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime, timedelta

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from actions.selectors_outcomes import (
    CSV_HEADER,
    GROUPING_LABELS,
    MIN_RATE_N,
    MIN_UPLIFT_N,
    outcome_csv_rows,
    outcomes_overview,
)
from actions.services.outcomes import LATER_SCORE_RULE, VERDICT_RULE
from cxm.csvsafe import safe_cell
from cxm.methods import allow_methods

REVIEW_PERMISSION = "actions.review_tasks"
PERIODS = {"": None, "90": 90, "180": 180, "365": 365}


class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Tasks closed"),
        required=False,
        choices=[
            ("", _("Any time")),
            ("90", _("In the last 90 days")),
            ("180", _("In the last 180 days")),
            ("365", _("In the last 365 days")),
        ],
    )

    def since(self) -> datetime | None:
        """The start of the chosen period; an unknown value falls back to "any time"."""
        if not self.is_valid():
            return None
        days = PERIODS.get(self.cleaned_data.get("period") or "")
        return timezone.now() - timedelta(days=days) if days else None


@allow_methods("GET")
@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
def outcomes_page(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    overview = outcomes_overview(language=get_language() or "ko", since=form.since())
    rates = [(GROUPING_LABELS[by], rows) for by, rows in overview.rates.items()]
    query = request.GET.urlencode()
    context = {
        "form": form,
        "overview": overview,
        "rates": rates,
        "min_rate_n": MIN_RATE_N,
        "min_uplift_n": MIN_UPLIFT_N,
        "verdict_rule": VERDICT_RULE,
        "later_score_rule": LATER_SCORE_RULE,
        "csv_query": f"?{query}" if query else "",
    }
    return render(request, "actions/outcomes.html", context)


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterator[list[object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # Excel opens UTF-8 (Korean names) correctly only with a BOM
    yield writer.writerow(CSV_HEADER)
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


@allow_methods("GET")
@login_required
@permission_required(REVIEW_PERMISSION, raise_exception=True)
def outcomes_csv(request: HttpRequest) -> StreamingHttpResponse:
    since = PeriodForm(request.GET).since()
    overview = outcomes_overview(language=get_language() or "ko", since=since)
    response = StreamingHttpResponse(
        _csv_lines(outcome_csv_rows(overview)), content_type="text/csv; charset=utf-8"
    )
    name = f"outcomes-{timezone.localtime():%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns: list[URLPattern] = [
    path("outcomes/", outcomes_page, name="outcomes"),
    path("outcomes/export.csv", outcomes_csv, name="outcomes-csv"),
]
