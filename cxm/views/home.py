from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cxm.health import run_checks
from cxm.methods import allow_methods


@login_required
@allow_methods("GET")
def home(request: HttpRequest) -> HttpResponse:
    checks = run_checks() if request.user.has_perm("cxm.view_system_status") else None
    return render(request, "cxm/home.html", {"checks": checks})
