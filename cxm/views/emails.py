"""The admins' list of e-mails kept by the `store:` backend."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cxm.methods import allow_methods
from cxm.models import User
from cxm.selectors import access_stored_email, stored_email_list


@login_required
@permission_required("cxm.view_sent_email", raise_exception=True)
@allow_methods("GET")
def sent_email(request: HttpRequest) -> HttpResponse:
    page = Paginator(stored_email_list(), 50).get_page(request.GET.get("page"))
    storing = settings.EMAIL_BACKEND == "cxm.mail.StoredEmailBackend"
    return render(request, "cxm/sent_email.html", {"page": page, "storing": storing})


@login_required
@allow_methods("GET")
def sent_email_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    email = access_stored_email(actor, code)
    return render(request, "cxm/sent_email_detail.html", {"email": email})
