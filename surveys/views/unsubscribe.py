"""Unsubscribe from surveys: `/u/<token>/` (the link at the foot of every survey e-mail).

GET only asks (mail scanners follow links; nothing changes on GET); POST turns the customer's
survey consent off. Both speak the survey pages' language (the customer's choice, else the
invitation's); an unknown link gets a friendly 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from cxm import ratelimit
from cxm.methods import allow_methods
from surveys.services.invitations import access_invitation_by_token, unsubscribe_customer
from surveys.views.public import customer_language


@allow_methods("GET", "POST")
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = access_invitation_by_token(token)
    except Http404:
        wait = ratelimit.unknown_token_retry_after(request)
        if wait:
            return ratelimit.too_many_requests(
                request,
                retry_after=wait,
                template="surveys/unsubscribe_invalid.html",
                context={"too_many": True},
            )
        return render(request, "surveys/unsubscribe_invalid.html", {"too_many": False}, status=404)
    # The survey pages' language rule, kept for the response (its Content-Language too).
    customer_language(request, invitation.language)
    if request.method == "POST":
        unsubscribe_customer(invitation=invitation)
        return render(request, "surveys/unsubscribe_done.html")
    return render(request, "surveys/unsubscribe.html")


# Customer-facing pages, mounted at the site root (no login).
public_urlpatterns: list[URLPattern] = [
    path("u/<str:token>/", unsubscribe, name="unsubscribe"),
]
