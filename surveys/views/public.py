"""The customer's answer pages: personal links /s/<token>/, open links /o/<code>/, and the
staff preview of a draft. Server-rendered forms, one step of a few questions per POST, so a
display condition is re-evaluated after each step; no JavaScript needed."""

from __future__ import annotations

import functools
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from actions.services import response_recorded
from cxm import ratelimit
from cxm.clientip import client_address
from cxm.methods import allow_methods
from cxm.models import User
from cxm.views.language import remember_language
from odata.models import Order
from surveys.answering import (
    Step,
    answered_steps,
    most_steps,
    next_page,
    option_text,
    parse_page,
    progress,
    question_text,
    step_back,
    submit_page,
    typed_left,
)
from surveys.models import Survey, SurveyVersion
from surveys.open_links import (
    MalformedSignedOrder,
    SignedOrder,
    parse_signed_order,
    state_signed_order,
)
from surveys.questions import INTENT_LABELS, INTENT_VALUES, SCALES, TEXT_LIMITS
from surveys.selectors import access_survey
from surveys.services.answering import (
    LinkProblem,
    answering_version,
    check_signed_order,
    clean_channel,
    invitation_for_token,
    open_link_version,
    order_for_open_link,
    save_partial_answers,
    saved_answers,
    saved_typed,
    store_for_open_link,
    survey_for_open_code,
)
from xdata.selectors import order_answered_through_open_link
from xdata.services.responses import (
    AlreadyRecorded,
    OpenLinkContext,
    OrderAlreadyAnswered,
    record_response,
)

# A visitor has a day to finish an open-link survey before the form's state expires.
STATE_MAX_AGE = 24 * 60 * 60


def customer_language(request: HttpRequest, preferred: str = "") -> str:
    """The customer's choice (language switch cookie) over `preferred` over the browser's."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    for candidate in (chosen, preferred, translation.get_language() or ""):
        if candidate[:2] in _language_codes():
            return _use_language(request, candidate[:2])
    return _use_language(request, settings.LANGUAGE_CODE)


def _language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _use_language(request: HttpRequest, language: str) -> str:
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def _going_back(request: HttpRequest) -> bool:
    """Whether the answer form's "Previous" button was pressed."""
    return "previous" in request.POST


def _language_switch(request: HttpRequest) -> str | None:
    """The language the answer form's language button asks for, if it was pressed."""
    language = request.POST.get("switch_language", "")
    return language if language in _language_codes() else None


def _switched_language_page(
    request: HttpRequest,
    language: str,
    *,
    questions: list[dict[str, Any]],
    answers: dict[str, Any],
    **page: Any,
) -> HttpResponse:
    """The same step again in `language`, remembered for the customer's next pages.

    The language button is a button of the survey's form, so what was typed or picked on the
    step comes back as it was, unchecked (the step is checked when it is sent), and nothing is
    recorded or saved."""
    current = next_page(questions, answers)
    typed = parse_page(current, request.POST, answers=answers).raw
    response = _page(
        request,
        questions=questions,
        answers=answers,
        step=Step(answers=answers, errors={}, raw=typed, page=current),
        language=_use_language(request, language),
        **page,
    )
    remember_language(response, language)
    return response


# End labels of each scale.
SCALE_ENDS = {
    "nps": (gettext_lazy("Not at all likely"), gettext_lazy("Extremely likely")),
    "csat": (gettext_lazy("Very dissatisfied"), gettext_lazy("Very satisfied")),
    "ces": (gettext_lazy("Very difficult"), gettext_lazy("Very easy")),
    "rating": (gettext_lazy("Poor"), gettext_lazy("Excellent")),
}


def question_views(
    page: list[dict[str, Any]],
    *,
    language: str,
    errors: dict[str, str],
    raw: dict[str, list[str]],
) -> list[dict[str, Any]]:
    """What the answer page shows for each question of `page` (the template only lays out).

    The first question with an error takes the focus when the page loads (`autofocus`): the
    answer pages run no script, and without it focus stays on the page after a refused step."""
    views = [
        _question_view(q, language, errors.get(q["key"], ""), raw.get(q["key"], [])) for q in page
    ]
    first_error = next((view for view in views if view["error"]), None)
    if first_error is not None:
        first_error["autofocus"] = True
    return views


def _question_view(
    question: dict[str, Any], language: str, error: str, given: list[str]
) -> dict[str, Any]:
    key, kind = question["key"], question["type"]
    view: dict[str, Any] = {
        "key": key,
        "name": key,
        "legend": question_text(question, language),
        "required": bool(question.get("required")),
        "error": error,
        "widget": "choice",
        "options": [],
        "low": "",
        "high": "",
        "text": "",
        "maxlength": 0,
        "ends": "",
        "columns": 0,
        "autofocus": False,
    }
    if kind in SCALES:
        low, high = SCALES[kind]
        values = [(str(n), str(n)) for n in range(low, high + 1)]
        ends = SCALE_ENDS[kind]
        view.update(widget="scale", low=ends[0], high=ends[1], columns=len(values))
        view["ends"] = f"{low} = {ends[0]}, {high} = {ends[1]}"
    elif kind == "intent":
        values = [(v, str(INTENT_LABELS[v])) for v in INTENT_VALUES]
        view["widget"] = "intent"
    elif kind in ("single", "multiple"):
        values = [(o["value"], option_text(o, language)) for o in question.get("options") or []]
        view["widget"] = "checkbox" if kind == "multiple" else "choice"
    else:
        view.update(
            widget="textarea" if kind == "long_text" else "text",
            text="\n".join(given),
            maxlength=TEXT_LIMITS[kind],
            describedby=f"error-{key}" if error else "",
        )
        return view
    view["describedby"] = " ".join(
        name for name, shown in ((f"error-{key}", error), (f"ends-{key}", view["ends"])) if shown
    )
    view["options"] = [
        {"value": value, "label": label, "checked": value in given, "id": f"{key}-{value}"}
        for value, label in values
    ]
    return view


def _display(question: dict[str, Any], value: Any, language: str) -> str:
    kind = question["type"]
    if value is None:
        return "—"
    if kind == "intent":
        return str(INTENT_LABELS[value])
    if kind in ("single", "multiple"):
        labels = {o["value"]: option_text(o, language) for o in question.get("options") or []}
        picked = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v) or str(v) for v in picked)
    return str(value)


def answer_summary(
    questions: list[dict[str, Any]], answers: dict[str, Any], *, language: str
) -> list[dict[str, str]]:
    """The asked questions and the answers given, for the thank-you page."""
    return [
        {"question": question_text(q, language), "answer": _display(q, answers[q["key"]], language)}
        for q in questions
        if q["key"] in answers
    ]


PROBLEM_PAGE = "surveys/public/problem.html"
PROBLEMS = {
    LinkProblem.NOT_FOUND: 404,
    LinkProblem.BAD_LINK: 400,
    LinkProblem.GONE: 410,
    LinkProblem.ANSWERED: 410,
    "stale_form": 400,
}


def _problem(request: HttpRequest, kind: str, *, restart: str = "") -> HttpResponse:
    """A friendly page that tells nothing about the customer or the survey."""
    # An open link is scanned or typed (a receipt, a poster), a personal one comes in a message.
    match = request.resolver_match
    scanned = match is not None and match.view_name == "survey-public:open"
    context = {"kind": kind, "restart": restart, "scanned": scanned}
    return render(request, PROBLEM_PAGE, context, status=PROBLEMS[kind])


def _too_many(request: HttpRequest, wait: int) -> HttpResponse:
    """The problem page for an address past a limit, asked to wait `wait` seconds."""
    context = {"kind": "too_many"}
    return ratelimit.too_many_requests(
        request, retry_after=wait, template=PROBLEM_PAGE, context=context
    )


def _page(
    request: HttpRequest,
    *,
    questions: list[dict[str, Any]],
    answers: dict[str, Any],
    language: str,
    step: Step | None = None,
    typed: dict[str, list[str]] | None = None,
    hidden: dict[str, str] | None = None,
    preview: bool = False,
    about_order: bool = False,
    test: bool = False,
) -> HttpResponse:
    """One page of questions, its fields showing `typed` (values kept from steps the customer
    went back from) under what the step itself sent. A customer's language switch is a button
    of the survey's form (the staff preview keeps the staff shell's own switch).

    Progress is told in steps, against the most the survey can take (every branch asked): a
    total that stays put while a branch skips questions, and stays true ("of up to"), since
    skipping only ends the survey sooner."""
    page = step.page if step is not None else next_page(questions, answers)
    errors = step.errors if step is not None else {}
    done, total = progress(questions, answers)
    number = len(answered_steps(questions, answers)) + 1
    last = done + len(page) >= total
    most = number if last else max(number, most_steps(questions))
    context = {
        "questions": question_views(
            page,
            language=language,
            errors=errors,
            raw={**(typed or {}), **(step.raw if step else {})},
        ),
        "page_keys": ",".join(q["key"] for q in page),
        "errors": bool(errors),
        "step": number,
        "most": most,
        # "of up to": a branch may still skip a step; on the last step the count is exact.
        "exact": last or not any(q.get("show_if") for q in questions),
        "last": last,
        "hidden": hidden or {},
        "preview": preview,
        "about_order": about_order,
        "test": test,
        "language_in_form": not preview,
    }
    status = 400 if errors else 200
    return render(request, "surveys/public/answer.html", context, status=status)


def _thanks(
    request: HttpRequest,
    *,
    questions: list[dict[str, Any]] | None = None,
    answers: dict[str, Any] | None = None,
    language: str = "ko",
    preview: bool = False,
    test: bool = False,
) -> HttpResponse:
    summary = answer_summary(questions or [], answers or {}, language=language)
    # The page has no form and shows no user: rendered without the request's context
    # processors, which would only cost time on the busiest public path.
    shown = render_to_string("surveys/public/_answers.html", {"summary": summary})
    if preview or settings.DEBUG:  # DEBUG: template edits show at once
        context = {"answers": shown, "preview": preview, "test": test}
        return HttpResponse(render_to_string("surveys/public/thanks.html", context))
    head, tail = _thanks_frame(translation.get_language() or settings.LANGUAGE_CODE, test)
    return HttpResponse(head + shown + tail)


# Where the answers go in the thank-you page's frame (text that autoescaping leaves alone).
_ANSWERS_SLOT = "cxm-thanks-answers-slot"


@functools.lru_cache(maxsize=8)
def _thanks_frame(language: str, test: bool) -> tuple[str, str]:
    """The thank-you page before and after the answers, rendered once per language (and with
    or without the test-link notice): it is the same for every customer, and rendering it took
    a fifth of a submit's time."""
    with translation.override(language):
        context = {"answers": _ANSWERS_SLOT, "test": test}
        page = render_to_string("surveys/public/thanks.html", context)
    head, tail = page.split(_ANSWERS_SLOT)  # exactly one slot, or this fails loudly
    return head, tail


@never_cache
@allow_methods("GET", "POST")
def personal_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_for_token(token=token)
        language = customer_language(request, invitation.language)
        version = answering_version(invitation=invitation)
    except LinkProblem as problem:
        customer_language(request, problem.language)
        if problem.kind == LinkProblem.ANSWERED and request.method == "POST":
            return _thanks(request)  # a double submit of the last step
        if problem.kind == LinkProblem.NOT_FOUND:
            wait = ratelimit.unknown_token_retry_after(request)
            if wait:
                return _too_many(request, wait)
        return _problem(request, problem.kind)
    questions, answers = version.questions, saved_answers(invitation=invitation)
    typed = saved_typed(invitation=invitation)
    if request.method == "GET":
        return _page(request, questions=questions, answers=answers, language=language, typed=typed)
    switch_to = _language_switch(request)
    if switch_to is not None:
        return _switched_language_page(
            request, switch_to, questions=questions, answers=answers, typed=typed
        )
    page_keys = request.POST.get("page", "")
    if _going_back(request):
        back = step_back(questions, answers, page_keys=page_keys, data=request.POST, typed=typed)
        if back is not None:  # None: a repeated press, already gone back
            save_partial_answers(invitation=invitation, answers=back[0], typed=back[1])
        return redirect(request.path)
    step = submit_page(questions, answers, page_keys=page_keys, data=request.POST)
    if step.stale:
        return redirect(request.path)
    if step.errors:
        return _page(
            request, questions=questions, answers=answers, language=language, step=step, typed=typed
        )
    if not step.finished:
        save_partial_answers(
            invitation=invitation, answers=step.answers, typed=typed_left(typed, step.answers)
        )
        return redirect(request.path)  # 302 after POST: the browser GETs the next step
    try:
        response = record_response(version=version, answers=step.answers, invitation=invitation)
    except AlreadyRecorded:
        return _thanks(request)
    response_recorded(response=response)  # trigger rules, on commit
    return _thanks(request, questions=questions, answers=step.answers, language=language)


def _open_state(request: HttpRequest, salt: str) -> dict[str, Any] | None:
    try:
        state = signing.loads(request.POST.get("state", ""), salt=salt, max_age=STATE_MAX_AGE)
    except signing.BadSignature:
        return None
    return state if isinstance(state, dict) else None


def _submission_key(request: HttpRequest) -> UUID | None:
    try:
        return UUID(request.POST.get("submission_key", ""))
    except ValueError:
        return None


def _order_problem(request: HttpRequest, kind: str) -> HttpResponse:
    """The page for a signed order that cannot be answered. A malformed, forged or unknown one
    counts toward the address's bad-token limit, like an unknown personal link."""
    if kind in (LinkProblem.NOT_FOUND, LinkProblem.BAD_LINK):
        wait = ratelimit.unknown_token_retry_after(request)
        if wait:
            return _too_many(request, wait)
    return _problem(request, kind)


def _open_first_page(
    request: HttpRequest, survey: Survey, *, salt: str, language: str
) -> HttpResponse:
    """The first page of an open link; with a signed order (`?order=…&sig=…`), only while that
    order can still answer this survey through it. A test link (signed for the test order) is
    checked the same way but looks up no order: its page says that nothing is recorded."""
    version = survey.current_version
    if version is None:  # survey_for_open_code requires one; for the type checker
        return _problem(request, LinkProblem.NOT_FOUND)
    order: Order | None = None
    signed: SignedOrder | None = None
    try:
        signed = parse_signed_order(
            order=request.GET.get("order", ""),
            expires=request.GET.get("exp", ""),
            signature=request.GET.get("sig", ""),
        )
        if signed is not None and signed.is_test:
            check_signed_order(survey=survey, signed=signed, first_page=True)
        elif signed is not None:
            order = order_for_open_link(survey=survey, signed=signed, first_page=True)
            if order_answered_through_open_link(survey=survey, order_id=order.pk):
                raise LinkProblem(LinkProblem.ANSWERED)
    except MalformedSignedOrder:
        return _order_problem(request, LinkProblem.BAD_LINK)
    except LinkProblem as problem:
        return _order_problem(request, problem.kind)
    fresh: dict[str, Any] = {
        "v": version.number,
        "a": {},
        "store": request.GET.get("store", "")[:64],
        "channel": clean_channel(request.GET.get("channel", "")),
        "o": signed.as_state() if signed is not None else None,
    }
    hidden = {"state": signing.dumps(fresh, salt=salt), "submission_key": str(uuid4())}
    return _page(
        request,
        questions=version.questions,
        answers={},
        language=language,
        hidden=hidden,
        about_order=order is not None,
        test=signed is not None and signed.is_test,
    )


@never_cache
@allow_methods("GET", "POST")
def open_link(request: HttpRequest, code: str) -> HttpResponse:
    language = customer_language(request)
    address = client_address(request)
    views = (f"open-view:{address}", settings.CXM_OPEN_LINK_VIEWS_PER_MINUTE, ratelimit.MINUTE)
    # The form's state is signed for this link: a POST that carries valid state comes from a
    # page the link served, and is counted once its step is known, together with the submit
    # when it is the last (one Redis round trip). Anything else is counted before the lookup.
    salt = f"surveys.open:{code}"
    state = _open_state(request, salt) if request.method == "POST" else None
    wait = ratelimit.retry_after(views) if state is None else 0
    if wait:
        return _too_many(request, wait)
    try:
        survey = survey_for_open_code(code=code)
    except LinkProblem as problem:
        return _problem(request, problem.kind)
    if request.method == "GET":
        return _open_first_page(request, survey, salt=salt, language=language)
    key = _submission_key(request)
    if state is None or key is None:
        return _problem(request, "stale_form", restart=request.get_full_path())
    try:
        version = open_link_version(survey=survey, number=state["v"])
    except LinkProblem as problem:
        return _problem(request, problem.kind)
    signed = state_signed_order(state.get("o"))
    test = signed is not None and signed.is_test
    typed: dict[str, list[str]] = state.get("t") or {}

    def step_page(step: Step | None = None) -> HttpResponse:
        """The step `state` leads to (its answers and typed values travel in the form)."""
        return _page(
            request,
            questions=version.questions,
            answers=state["a"],
            language=language,
            step=step,
            typed=typed,
            hidden={"state": signing.dumps(state, salt=salt), "submission_key": str(key)},
            about_order=signed is not None and not test,
            test=test,
        )

    switch_to = _language_switch(request)
    if switch_to is not None or _going_back(request):
        # The language switch and "Previous" are buttons of the form (the open link's answers
        # live in its signed state): each shows a step again and records nothing.
        wait = ratelimit.retry_after(views)
        if wait:
            return _too_many(request, wait)
    if switch_to is not None:
        return _switched_language_page(
            request,
            switch_to,
            questions=version.questions,
            answers=state["a"],
            typed=typed,
            hidden={"state": signing.dumps(state, salt=salt), "submission_key": str(key)},
            about_order=signed is not None and not test,
            test=test,
        )
    page_keys = request.POST.get("page", "")
    if _going_back(request):
        back = step_back(
            version.questions, state["a"], page_keys=page_keys, data=request.POST, typed=typed
        )
        if back is not None:  # None: a repeated press; the current step is shown again
            state["a"], typed = back
            state["t"] = typed
        return step_page()
    step = submit_page(version.questions, state["a"], page_keys=page_keys, data=request.POST)
    submits = (f"open-submit:{address}", settings.CXM_OPEN_LINK_SUBMITS_PER_HOUR, ratelimit.HOUR)
    # A test link's last step records nothing: it counts as a view, not as an answer.
    wait = ratelimit.retry_after(*([views, submits] if step.finished and not test else [views]))
    if wait:
        return _too_many(request, wait)
    if not step.finished:
        state["a"] = step.answers
        typed = state["t"] = typed_left(typed, step.answers)
        return step_page(step if step.errors else None)
    return _open_last_step(
        request,
        survey,
        version=version,
        state=state,
        signed=signed,
        step=step,
        key=key,
        language=language,
    )


def _open_last_step(
    request: HttpRequest,
    survey: Survey,
    *,
    version: SurveyVersion,
    state: dict[str, Any],
    signed: SignedOrder | None,
    step: Step,
    key: UUID,
    language: str,
) -> HttpResponse:
    """Record the open-link answer of `step` (finished) and thank; a test link's signature is
    checked again, as a real order's is, and then only thanked: nothing is written."""
    questions, answers = version.questions, step.answers
    order: Order | None = None
    try:
        if signed is not None and signed.is_test:
            check_signed_order(survey=survey, signed=signed, first_page=False)
            return _thanks(
                request, questions=questions, answers=answers, language=language, test=True
            )
        if signed is not None:
            order = order_for_open_link(survey=survey, signed=signed, first_page=False)
    except LinkProblem as problem:  # the open-link secret was rotated since the first page
        return _order_problem(request, problem.kind)
    context = OpenLinkContext(
        language=language,
        store=None if order else store_for_open_link(state["store"]),
        purchase_channel="" if order else state["channel"],
        order=order,
    )
    try:
        response = record_response(
            version=version, answers=answers, submission_key=key, open_link=context
        )
    except OrderAlreadyAnswered:
        return _problem(request, LinkProblem.ANSWERED)
    except AlreadyRecorded:
        return _thanks(request)
    response_recorded(response=response)  # trigger rules, on commit
    return _thanks(request, questions=questions, answers=answers, language=language)


@never_cache
@login_required
@permission_required("surveys.manage_surveys", raise_exception=True)
@allow_methods("GET", "POST")
def preview(request: HttpRequest, code: UUID) -> HttpResponse:
    """The answer pages with the draft's questions; nothing is saved."""
    user: User = request.user  # type: ignore[assignment]
    survey = access_survey(user, code)
    # Staff see the preview in their own language (the language switch changes it).
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    salt = f"surveys.preview:{survey.code}"
    questions: list[dict[str, Any]] = survey.draft
    answers: dict[str, Any] = {}
    typed: dict[str, list[str]] = {}
    step = None
    if request.method == "POST":
        state = _open_state(request, salt)
        if state is None:
            return redirect("surveys:preview", code=survey.code)
        answers, typed = state["a"], state.get("t") or {}
        page_keys = request.POST.get("page", "")
        if _going_back(request):
            back = step_back(
                questions, answers, page_keys=page_keys, data=request.POST, typed=typed
            )
            answers, typed = back if back is not None else (answers, typed)
        else:
            step = submit_page(questions, answers, page_keys=page_keys, data=request.POST)
            if step.finished:
                return _thanks(
                    request,
                    questions=questions,
                    answers=step.answers,
                    language=language,
                    preview=True,
                )
            answers, typed = step.answers, typed_left(typed, step.answers)
    hidden = {"state": signing.dumps({"a": answers, "t": typed}, salt=salt)}
    return _page(
        request,
        questions=questions,
        answers=answers,
        language=language,
        step=step if step is not None and step.errors else None,
        typed=typed,
        hidden=hidden,
        preview=True,
    )


public_urlpatterns: list[URLPattern] = [
    path("s/<str:token>/", personal_link, name="personal"),
    path("o/<str:code>/", open_link, name="open"),
]
urlpatterns: list[URLPattern] = [
    path("<uuid:code>/preview/", preview, name="preview"),
]
