"""The survey builder for admins: touchpoints, surveys, the question draft, publishing.

Plain forms that work without JavaScript; htmx only moves questions in place.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cxm.methods import allow_methods
from cxm.models import User
from surveys.forms import (
    NewSurveyForm,
    OpenLinkPlaceForm,
    QuestionForm,
    SurveySettingsForm,
    TouchpointForm,
)
from surveys.models import Survey, Touchpoint
from surveys.qr_codes import placed_link, qr_page_image, qr_png, qr_svg
from surveys.selectors import (
    MANAGE,
    access_survey,
    access_touchpoint,
    condition_rows,
    draft_question,
    has_unpublished_changes,
    open_link_example,
    publish_preview,
    question_rows,
    survey_list,
    survey_rows,
    touchpoint_list,
)
from surveys.services.builder import (
    DraftInvalid,
    NothingToPublish,
    add_question,
    archive_survey,
    create_survey,
    create_touchpoint,
    delete_question,
    move_question,
    publish_survey,
    rotate_open_link_secret,
    update_question,
    update_survey_settings,
    update_touchpoint,
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# -- Touchpoints -----------------------------------------------------------------------------


@allow_methods("GET")
@login_required
@permission_required(MANAGE, raise_exception=True)
def touchpoints(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/builder/touchpoints.html", {"touchpoints": touchpoint_list()})


@login_required
@permission_required(MANAGE, raise_exception=True)
@allow_methods("GET", "POST")
def touchpoint_new(request: HttpRequest) -> HttpResponse:
    form = TouchpointForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(
                request, "surveys/builder/touchpoint_form.html", {"form": form}, status=400
            )
        touchpoint = create_touchpoint(**form.cleaned_data)
        messages.success(request, _("“%(name)s” is added.") % {"name": touchpoint.name})
        return redirect("surveys:touchpoints")
    return render(request, "surveys/builder/touchpoint_form.html", {"form": form})


@login_required
@allow_methods("GET", "POST")
def touchpoint_edit(request: HttpRequest, code: UUID) -> HttpResponse:
    touchpoint = access_touchpoint(_user(request), code, write=request.method == "POST")
    form = TouchpointForm(request.POST or None, initial=TouchpointForm.initial_for(touchpoint))
    context = {"form": form, "touchpoint": touchpoint}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "surveys/builder/touchpoint_form.html", context, status=400)
        update_touchpoint(touchpoint=touchpoint, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("surveys:touchpoints")
    return render(request, "surveys/builder/touchpoint_form.html", context)


# -- Surveys ---------------------------------------------------------------------------------


@allow_methods("GET")
@login_required
@permission_required(MANAGE, raise_exception=True)
def surveys(request: HttpRequest) -> HttpResponse:
    rows = survey_rows(list(survey_list()))
    return render(request, "surveys/builder/surveys.html", {"rows": rows})


@login_required
@permission_required(MANAGE, raise_exception=True)
@allow_methods("GET", "POST")
def survey_new(request: HttpRequest) -> HttpResponse:
    form = NewSurveyForm(request.POST or None, initial={"template": request.GET.get("template")})
    context = {"form": form, "has_touchpoints": Touchpoint.objects.exists()}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "surveys/builder/survey_new.html", context, status=400)
        survey = create_survey(**form.cleaned_data, created_by=_user(request))
        return redirect("surveys:survey-detail", code=survey.code)
    return render(request, "surveys/builder/survey_new.html", context)


def _preview_url(survey: Survey) -> str:
    # The customer preview is another page; link to it only once it exists.
    try:
        return reverse("surveys:preview", kwargs={"code": survey.code})
    except NoReverseMatch:
        return ""


def _open_url(request: HttpRequest, survey: Survey) -> str:
    if not survey.open_code:
        return ""
    return request.build_absolute_uri(
        reverse("survey-public:open", kwargs={"code": survey.open_code})
    )


def _detail(
    request: HttpRequest, survey: Survey, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {
        "survey": survey,
        "rows": question_rows(survey.draft),
        "versions": survey.versions.select_related("published_by").order_by("-number"),
        "unpublished": has_unpublished_changes(survey),
        "preview_url": _preview_url(survey),
        "open_url": _open_url(request, survey),
        "errors": errors or [],
        "archived": survey.status == Survey.Status.ARCHIVED,
    }
    return render(request, "surveys/builder/survey_detail.html", context, status=status)


@allow_methods("GET")
@login_required
def survey_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    return _detail(request, access_survey(_user(request), code))


@login_required
@allow_methods("GET", "POST")
def survey_settings(request: HttpRequest, code: UUID) -> HttpResponse:
    survey = access_survey(_user(request), code, write=request.method == "POST")
    initial = {
        "name": survey.name,
        "touchpoint": survey.touchpoint_id,
        "send_on_milestone": survey.send_on_milestone,
        "send_delay_hours": survey.send_delay_hours,
        "reminder_after_days": survey.reminder_after_days,
        "expires_after_days": survey.expires_after_days,
        "open_link": bool(survey.open_code),
    }
    form = SurveySettingsForm(request.POST or None, initial=initial, touchpoint=survey.touchpoint)
    context = {"form": form, "survey": survey}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "surveys/builder/survey_settings.html", context, status=400)
        update_survey_settings(survey=survey, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("surveys:survey-detail", code=survey.code)
    return render(request, "surveys/builder/survey_settings.html", context)


@allow_methods("GET")
@login_required
def survey_publish_confirm(request: HttpRequest, code: UUID) -> HttpResponse:
    """What publishing would do, with the button that does it (a POST to survey_publish)."""
    survey = access_survey(_user(request), code, write=True)
    context = {"survey": survey, "preview": publish_preview(survey)}
    return render(request, "surveys/builder/publish_confirm.html", context)


@allow_methods("POST")
@login_required
def survey_publish(request: HttpRequest, code: UUID) -> HttpResponse:
    survey = access_survey(_user(request), code, write=True)
    try:
        version = publish_survey(survey=survey, by=_user(request))
    except DraftInvalid as invalid:
        return _detail(request, survey, errors=invalid.errors, status=400)
    except NothingToPublish as unchanged:
        error = _(
            "The draft has no changes since version %(number)d, which customers already get: "
            "there is nothing to publish."
        ) % {"number": unchanged.number}
        return _detail(request, survey, errors=[error], status=400)
    messages.success(request, _("Version %(number)d is published.") % {"number": version.number})
    return redirect("surveys:survey-detail", code=survey.code)


@allow_methods("POST")
@login_required
def survey_archive(request: HttpRequest, code: UUID) -> HttpResponse:
    survey = access_survey(_user(request), code, write=True)
    archive_survey(survey=survey)
    messages.success(request, _("“%(name)s” is archived: no new invitations.") % {"name": survey})
    return redirect("surveys:survey-detail", code=survey.code)


@never_cache  # the page shows the signing secret: no copy in any cache
@allow_methods("GET")
@login_required
def survey_open_link(request: HttpRequest, code: UUID) -> HttpResponse:
    """The open link, its signing secret and a worked example of a signed order link."""
    survey = access_survey(_user(request), code)
    return _open_link_page(request, survey, OpenLinkPlaceForm(request.GET or None))


def _open_link_page(
    request: HttpRequest, survey: Survey, place: OpenLinkPlaceForm, *, status: int = 200
) -> HttpResponse:
    open_url = _open_url(request, survey)
    where = _place(place)
    # A code for a place that was asked but is invalid would be the wrong code: none until the
    # form is corrected (an empty form is the plain link's code).
    invalid = place.is_bound and not place.is_valid()
    qr_link = placed_link(open_url, **where) if open_url and not invalid else ""
    context = {
        "survey": survey,
        "open_url": open_url,
        "place": place,
        "qr_link": qr_link,
        "qr_image": qr_page_image(qr_link) if qr_link else "",
        "qr_query": urlencode({name: value for name, value in where.items() if value}),
        "example": open_link_example(survey, link=open_url)
        if open_url and survey.open_link_secret
        else None,
    }
    return render(request, "surveys/builder/open_link.html", context, status=status)


def _place(form: OpenLinkPlaceForm) -> dict[str, str]:
    """The `store` and `channel` values of a valid place form; none for an empty or bad one."""
    if not form.is_bound or not form.is_valid():
        return {"store": "", "channel": ""}
    store = form.cleaned_data["store"]
    return {"store": store.external_id if store else "", "channel": form.cleaned_data["channel"]}


QR_CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


# A code must follow its link at once: when the open link is switched off and on again, the old
# code must not come back from a browser or proxy cache.
@never_cache
@allow_methods("GET")
@login_required
def survey_open_link_qr(request: HttpRequest, code: UUID, kind: str) -> HttpResponse:
    """The open link's QR code as a file to print (SVG or PNG), for one place if asked."""
    survey = access_survey(_user(request), code)
    open_url = _open_url(request, survey)
    if not open_url:
        raise Http404
    place = OpenLinkPlaceForm(request.GET)
    if not place.is_valid():  # a hand-edited address: the page says what is wrong
        return _open_link_page(request, survey, place, status=400)
    where = _place(place)
    link = placed_link(open_url, **where)
    body = qr_svg(link) if kind == "svg" else qr_png(link)
    stem = "-".join(
        slugify(part, allow_unicode=True) for part in (survey.name, *where.values()) if part
    )
    response = HttpResponse(body, content_type=QR_CONTENT_TYPES[kind])
    # content_disposition_header returns None only for an inline file without a name.
    response["Content-Disposition"] = cast(
        str, content_disposition_header(True, f"{stem or 'survey'}-qr.{kind}")
    )
    return response


@allow_methods("POST")
@login_required
def survey_open_link_rotate(request: HttpRequest, code: UUID) -> HttpResponse:
    survey = access_survey(_user(request), code, write=True)
    rotate_open_link_secret(survey=survey)
    messages.success(
        request,
        _("A new secret is issued. Links signed with the old one no longer open the survey."),
    )
    return redirect("surveys:survey-open-link", code=survey.code)


# -- Questions -------------------------------------------------------------------------------


def _question_page(
    request: HttpRequest, survey: Survey, form: QuestionForm, *, key: str = "", status: int = 200
) -> HttpResponse:
    context = {"survey": survey, "form": form, "key": key}
    return render(request, "surveys/builder/question_form.html", context, status=status)


@login_required
@allow_methods("GET", "POST")
def question_add(request: HttpRequest, code: UUID) -> HttpResponse:
    survey = access_survey(_user(request), code, write=request.method == "POST")
    form = QuestionForm(request.POST or None, earlier=survey.draft, initial={"required": True})
    if request.method == "POST":
        if not form.is_valid():
            return _question_page(request, survey, form, status=400)
        try:
            add_question(survey=survey, question=form.cleaned_data["question"])
        except DraftInvalid as invalid:
            for error in invalid.errors:
                form.add_error(None, error)
            return _question_page(request, survey, form, status=400)
        messages.success(request, _("The question is added."))
        return redirect("surveys:survey-detail", code=survey.code)
    return _question_page(request, survey, form)


@login_required
@allow_methods("GET", "POST")
def question_edit(request: HttpRequest, code: UUID, key: str) -> HttpResponse:
    survey = access_survey(_user(request), code, write=request.method == "POST")
    index, question = draft_question(survey, key)
    form = QuestionForm(
        request.POST or None,
        earlier=survey.draft[:index],
        initial=QuestionForm.initial_for(question),
    )
    if request.method == "POST":
        if not form.is_valid():
            return _question_page(request, survey, form, key=key, status=400)
        try:
            update_question(survey=survey, key=key, question=form.cleaned_data["question"])
        except DraftInvalid as invalid:
            for error in invalid.errors:
                form.add_error(None, error)
            return _question_page(request, survey, form, key=key, status=400)
        messages.success(request, _("Saved."))
        return redirect("surveys:survey-detail", code=survey.code)
    return _question_page(request, survey, form, key=key)


@allow_methods("GET")
@login_required
def question_delete_confirm(request: HttpRequest, code: UUID, key: str) -> HttpResponse:
    """What deleting the question would do, with the button that does it."""
    survey = access_survey(_user(request), code, write=True)
    draft_question(survey, key)  # 404 for a question the draft does not have
    row = next(row for row in question_rows(survey.draft) if row.key == key)
    context = {
        "survey": survey,
        "row": row,
        "published": survey.current_version is not None,
        "conditions": condition_rows(survey.draft, key),
    }
    return render(request, "surveys/builder/question_delete_confirm.html", context)


@allow_methods("POST")
@login_required
def question_delete(request: HttpRequest, code: UUID, key: str) -> HttpResponse:
    survey = access_survey(_user(request), code, write=True)
    draft_question(survey, key)  # 404 for a question the draft does not have
    try:
        delete_question(survey=survey, key=key)
    except DraftInvalid as invalid:
        return _detail(request, survey, errors=invalid.errors, status=400)
    messages.success(request, _("The question is deleted."))
    return redirect("surveys:survey-detail", code=survey.code)


@allow_methods("POST")
@login_required
def question_move(request: HttpRequest, code: UUID, key: str) -> HttpResponse:
    survey = access_survey(_user(request), code, write=True)
    draft_question(survey, key)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return _detail(request, survey, errors=[_("Choose up or down.")], status=400)
    try:
        move_question(survey=survey, key=key, up=direction == "up")
    except DraftInvalid as invalid:
        if request.htmx:  # type: ignore[attr-defined]
            # htmx does not swap error responses: reload the page, which shows the messages.
            for error in invalid.errors:
                messages.error(request, error)
            return HttpResponse(status=400, headers={"HX-Refresh": "true"})
        return _detail(request, survey, errors=invalid.errors, status=400)
    if request.htmx:  # type: ignore[attr-defined]
        context = {"survey": survey, "rows": question_rows(survey.draft)}
        return render(request, "surveys/_builder_questions.html", context)
    return redirect("surveys:survey-detail", code=survey.code)


urlpatterns: list[URLPattern] = [
    path("", surveys, name="surveys"),
    path("new/", survey_new, name="survey-new"),
    path("touchpoints/", touchpoints, name="touchpoints"),
    path("touchpoints/new/", touchpoint_new, name="touchpoint-new"),
    path("touchpoints/<uuid:code>/", touchpoint_edit, name="touchpoint-edit"),
    path("<uuid:code>/", survey_detail, name="survey-detail"),
    path("<uuid:code>/settings/", survey_settings, name="survey-settings"),
    path("<uuid:code>/publish/", survey_publish, name="survey-publish"),
    path("<uuid:code>/publish/confirm/", survey_publish_confirm, name="survey-publish-confirm"),
    path("<uuid:code>/archive/", survey_archive, name="survey-archive"),
    path("<uuid:code>/open-link/", survey_open_link, name="survey-open-link"),
    path("<uuid:code>/open-link/rotate/", survey_open_link_rotate, name="survey-open-link-rotate"),
    path(
        "<uuid:code>/open-link/qr.svg",
        survey_open_link_qr,
        {"kind": "svg"},
        name="survey-open-link-qr-svg",
    ),
    path(
        "<uuid:code>/open-link/qr.png",
        survey_open_link_qr,
        {"kind": "png"},
        name="survey-open-link-qr-png",
    ),
    path("<uuid:code>/questions/new/", question_add, name="question-add"),
    path("<uuid:code>/questions/<slug:key>/", question_edit, name="question-edit"),
    path("<uuid:code>/questions/<slug:key>/delete/", question_delete, name="question-delete"),
    path(
        "<uuid:code>/questions/<slug:key>/delete/confirm/",
        question_delete_confirm,
        name="question-delete-confirm",
    ),
    path("<uuid:code>/questions/<slug:key>/move/", question_move, name="question-move"),
]
