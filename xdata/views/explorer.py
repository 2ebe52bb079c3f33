"""The response explorer: survey responses and feedback side by side, their detail pages and
exports of the current filter. Filters live in the query string, so a view can be bookmarked."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext

from cxm.htmx import is_fragment, varies_on_htmx
from cxm.methods import allow_methods
from cxm.models import User
from xdata.exports import EXPORT_LIMIT, csv_stream
from xdata.forms import ExplorerFilterForm
from xdata.models import ExportRun
from xdata.selectors import (
    MIN_SEARCH_LENGTH,
    Cursor,
    ExplorerFilters,
    access_export_run,
    access_feedback,
    access_response,
    count_export_rows,
    explore,
    feedback_detail,
    filter_choices,
    recent_exports,
    require_explorer,
    response_detail,
)
from xdata.services.exports import (
    KEEP_FILES,
    ExportRefused,
    failure_message,
    start_export,
    stored_file,
)


def _ignored_labels(form: ExplorerFilterForm) -> str:
    return ", ".join(str(form.fields[name].label) for name in form.ignored)


@dataclass(frozen=True)
class _ExportFilter:
    filters: ExplorerFilters
    # The filter in words, (label, value) per field that narrows it.
    described: list[tuple[str, str]]


def _export_filters(request: HttpRequest) -> _ExportFilter | HttpResponse:
    """The filter an export asks for, parsed once, or the page refusing it: an export never
    falls back to "any", as with a filter that is not valid it would hand out far more rows than
    the person asked for."""
    user: User = request.user  # type: ignore[assignment]
    require_explorer(user)
    form = ExplorerFilterForm(request.GET)
    filters = form.filters()
    if not form.ignored:
        return _ExportFilter(filters=filters, described=form.described())
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
    template = "xdata/_response_results.html" if is_fragment(request) else "xdata/responses.html"
    return varies_on_htmx(render(request, template, context))


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
    wanted = _export_filters(request)
    if isinstance(wanted, HttpResponse):
        return wanted
    response = StreamingHttpResponse(
        csv_stream(wanted.filters), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name("csv")}"'
    return response


@allow_methods("GET", "POST")
@login_required
def export_xlsx(request: HttpRequest) -> HttpResponseBase:
    """GET: what the XLSX will hold, and a button to prepare it; POST: queue the export run and
    follow it. The filter is the query string, on both."""
    wanted = _export_filters(request)
    if isinstance(wanted, HttpResponse):
        return wanted
    user: User = request.user  # type: ignore[assignment]
    query = urlencode(_filter_params(request.GET))
    problem = ""
    if request.method == "POST":
        try:
            run = start_export(user=user, query=query, language=get_language() or "")
        except ExportRefused as refused:
            problem = refused.message
        else:
            return redirect("xdata:export-detail", code=run.code)
    context = {
        "described": wanted.described,
        # Capped at the limit + 1: the page says "more than" the limit then.
        "rows": count_export_rows(wanted.filters, limit=EXPORT_LIMIT),
        "export_limit": EXPORT_LIMIT,
        "query": query,
        "problem": problem,
        "recent": recent_exports(user),
    }
    return render(request, "xdata/export_prepare.html", context, status=429 if problem else 200)


def _run_context(user: User, run: ExportRun, *, gone: bool = False) -> dict[str, object]:
    return {
        "run": run,
        "problem": failure_message(run),
        "recent": recent_exports(user),
        "gone": gone,
        # The sweep's own period, so the page never promises another.
        "keep_days": KEEP_FILES.days,
    }


@allow_methods("GET")
@login_required
def export_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    run = access_export_run(user, code)
    context = _run_context(user, run)
    template = "xdata/_export_run.html" if is_fragment(request) else "xdata/export_detail.html"
    return varies_on_htmx(render(request, template, context))


@allow_methods("GET")
@login_required
def export_download(request: HttpRequest, code: UUID) -> HttpResponseBase:
    """The run's file, to its owner; the run's page (410) once the file has expired."""
    user: User = request.user  # type: ignore[assignment]
    run = access_export_run(user, code)
    if run.status != run.Status.DONE or run.expired_at is not None:
        context = _run_context(user, run)
        return render(request, "xdata/export_detail.html", context, status=410)
    path = stored_file(run)
    try:
        # Closed by the FileResponse.
        handle = path.open("rb") if path is not None else None
    except OSError:
        handle = None
    if handle is None:  # removed by hand before the sweep, or not inside MEDIA_ROOT: as expired
        context = _run_context(user, run, gone=True)
        return render(request, "xdata/export_detail.html", context, status=410)
    created = timezone.localtime(run.created_at)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"responses-{created:%Y%m%d-%H%M}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


urlpatterns: list[URLPattern] = [
    path("responses/", responses, name="responses"),
    path("responses/export.csv", export_csv, name="responses-csv"),
    path("responses/export.xlsx", export_xlsx, name="responses-xlsx"),
    path("exports/<uuid:code>/", export_detail, name="export-detail"),
    path("exports/<uuid:code>/file", export_download, name="export-download"),
    path("responses/<uuid:code>/", response_detail_page, name="response-detail"),
    path("feedback/<uuid:code>/", feedback_detail_page, name="feedback-detail"),
]
