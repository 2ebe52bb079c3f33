from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

from cxm.forms import LanguageForm
from cxm.methods import allow_methods
from cxm.services import set_user_language
from cxm.views.errors import bad_request_page


@allow_methods("POST")
def switch_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: kept in a cookie, and on the account when signed in."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return bad_request_page(request, translation.gettext("Unknown language."))
    language = form.cleaned_data["language"]
    next_url = form.cleaned_data["next"] or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    if request.user.is_authenticated:
        set_user_language(user=request.user, language=language)
    response = HttpResponseRedirect(next_url)
    remember_language(response, language)
    return response


def remember_language(response: HttpResponse, language: str) -> None:
    """Keep the chosen interface language in the language cookie for a year."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 60 * 60,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
