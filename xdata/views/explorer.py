"""The response explorer: survey responses and feedback side by side, their detail pages and
exports of the current filter. Filters live in the query string, so a view can be bookmarked."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cxm.forms import validate_filter_date
from cxm.methods import allow_methods
from cxm.models import User
from odata.models import Store
from surveys.models import Survey, Touchpoint
from xdata.exports import EXPORT_LIMIT, csv_stream, xlsx_file
from xdata.selectors import (
    MIN_SEARCH_LENGTH,
    Cursor,
    ExplorerFilters,
    Source,
    access_feedback,
    access_response,
    explore,
    feedback_detail,
    filter_choices,
    require_explorer,
    response_detail,
)

SOURCE_CHOICES = [
    (Source.ALL, _("Surveys and other channels")),
    (Source.SURVEYS, _("Surveys")),
    (Source.FEEDBACK, _("Other channels")),
]
SCORE_CHOICES = [
    ("", _("Any score")),
    ("nps_promoter", _("NPS promoters (9-10)")),
    ("nps_passive", _("NPS passives (7-8)")),
    ("nps_detractor", _("NPS detractors (0-6)")),
    ("csat_high", _("CSAT 4-5")),
    ("csat_mid", _("CSAT 3")),
    ("csat_low", _("CSAT 1-2")),
    # The stars of feedback from other channels (reviews): survey responses have no such
    # rating, a store-visit survey's rating counts as CSAT.
    ("rating_high", _("Review rating 4-5")),
    ("rating_mid", _("Review rating 3")),
    ("rating_low", _("Review rating 1-2")),
]
COMMENT_CHOICES = [
    ("", _("With or without")),
    ("yes", _("With a comment")),
    ("no", _("No comment")),
]


class ExplorerFilterForm(forms.Form):
    """The explorer's query string; bad values are left out of the filter (and reported by
    `ignored`), so a stale bookmark still opens. The fields' labels are the filter bar's, and
    name the filters that were not applied."""

    ignored: list[str]

    source = forms.ChoiceField(label=_("Source"), choices=SOURCE_CHOICES, required=False)
    survey = forms.UUIDField(label=_("Survey"), required=False)
    touchpoint = forms.UUIDField(label=_("Touchpoint"), required=False)
    store = forms.UUIDField(label=_("Store"), required=False)
    date_from = forms.DateField(
        label=_("Date from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_filter_date],
    )
    date_to = forms.DateField(
        label=_("Date to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_filter_date],
    )
    score = forms.ChoiceField(label=_("Score"), choices=SCORE_CHOICES, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any language")), *settings.LANGUAGES], required=False
    )
    has_comment = forms.ChoiceField(label=_("Comment"), choices=COMMENT_CHOICES, required=False)
    q = forms.CharField(
        label=_("Search comments"),
        required=False,
        max_length=100,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def filters(self) -> ExplorerFilters:
        """The valid fields as filters (one query per survey, touchpoint or store named).
        Fields whose value is not valid, or names nothing, are left out and listed in
        `ignored` (their labels), so the page can say so and an export can refuse."""
        self.is_valid()
        data: dict[str, Any] = {
            name: value for name, value in self.cleaned_data.items() if name not in self.errors
        }
        self.ignored = [name for name in self.fields if name in self.errors]
        named = {}
        for name, model in (("survey", Survey), ("touchpoint", Touchpoint), ("store", Store)):
            named[name] = _by_code(model, data.get(name))
            if data.get(name) is not None and named[name] is None:
                self.ignored.append(name)
        self.ignored.sort(key=list(self.fields).index)
        comment = data.get("has_comment") or ""
        return ExplorerFilters(
            source=data.get("source") or Source.ALL,
            survey=named["survey"],
            touchpoint=named["touchpoint"],
            store=named["store"],
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            score=data.get("score") or "",
            language=data.get("language") or "",
            has_comment={"yes": True, "no": False}.get(comment),
            q=data.get("q") or "",
        )


def _by_code(model: Any, code: UUID | None) -> Any:
    return model.objects.filter(code=code).first() if code is not None else None


def _ignored_labels(form: ExplorerFilterForm) -> str:
    return ", ".join(str(form.fields[name].label) for name in form.ignored)


def _export_filters(request: HttpRequest) -> ExplorerFilters | HttpResponse:
    """The filters an export asks for, or the page refusing it: an export never falls back to
    "any", as with a filter that is not valid it would hand out far more rows than the person
    asked for."""
    user: User = request.user  # type: ignore[assignment]
    require_explorer(user)
    form = ExplorerFilterForm(request.GET)
    filters = form.filters()
    if not form.ignored:
        return filters
    problem = gettext(
        "These filters have a value that is not valid or names nothing: %(ignored)s. The export "
        "would have held every row for them, so it was not made."
    ) % {"ignored": _ignored_labels(form)}
    back = f"{reverse('xdata:responses')}?{urlencode(_filter_params(request.GET))}"
    context = {"problem": problem, "back": back, "back_label": gettext("Back to the responses")}
    return render(request, "includes/export_refused.html", context, status=400)


def _filter_params(query: QueryDict) -> dict[str, str]:
    """The filter part of the query string (no cursor), for links that keep the filter."""
    names = ExplorerFilterForm.base_fields
    return {k: str(v) for k, v in query.items() if k in names and v}


@allow_methods("GET")
@login_required
def responses(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    require_explorer(user)
    form = ExplorerFilterForm(request.GET)
    filters = form.filters()
    page = explore(filters, after=Cursor.decode(request.GET.get("after", "")))
    params = _filter_params(request.GET)
    next_url = ""
    if page.next_cursor is not None:
        next_url = "?" + urlencode({**params, "after": page.next_cursor.encode()})
    query = urlencode(params)
    context = {
        "form": form,
        "page": page,
        "next_url": next_url,
        "query": query,
        "first_url": "?" + query if query else "?",
        "short_search": 0 < len(filters.q) < MIN_SEARCH_LENGTH,
        "ignored": _ignored_labels(form),
        "export_limit": EXPORT_LIMIT,
        **filter_choices(),
    }
    htmx = getattr(request, "htmx", None)
    fragment = bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]
    template = "xdata/_response_results.html" if fragment else "xdata/responses.html"
    response = render(request, template, context)
    # One URL answers a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


@allow_methods("GET")
@login_required
def response_detail_page(request: HttpRequest, code: UUID) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    response = access_response(user, code)
    detail = response_detail(response, viewer=user)
    return render(request, "xdata/response_detail.html", {"detail": detail, "r": response})


@allow_methods("GET")
@login_required
def feedback_detail_page(request: HttpRequest, code: UUID) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    feedback = access_feedback(user, code)
    detail = feedback_detail(feedback, viewer=user)
    return render(request, "xdata/feedback_detail.html", {"detail": detail, "f": feedback})


def _export_name(extension: str) -> str:
    return f"responses-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


@allow_methods("GET")
@login_required
def export_csv(request: HttpRequest) -> HttpResponseBase:
    filters = _export_filters(request)
    if isinstance(filters, HttpResponse):
        return filters
    response = StreamingHttpResponse(csv_stream(filters), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name("csv")}"'
    return response


@allow_methods("GET")
@login_required
def export_xlsx(request: HttpRequest) -> HttpResponseBase:
    filters = _export_filters(request)
    if isinstance(filters, HttpResponse):
        return filters
    return FileResponse(
        xlsx_file(filters),
        as_attachment=True,
        filename=_export_name("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


urlpatterns: list[URLPattern] = [
    path("responses/", responses, name="responses"),
    path("responses/export.csv", export_csv, name="responses-csv"),
    path("responses/export.xlsx", export_xlsx, name="responses-xlsx"),
    path("responses/<uuid:code>/", response_detail_page, name="response-detail"),
    path("feedback/<uuid:code>/", feedback_detail_page, name="feedback-detail"),
]
