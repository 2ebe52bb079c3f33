from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from actions.services.reconcile import backlog
from cxm.health import run_checks
from cxm.methods import allow_methods
from cxm.selectors import worker_overview


@never_cache
@allow_methods("GET")
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, Redis and worker heartbeat as JSON; 503 when any of them is down."""
    checks = run_checks()
    ok = all(check.ok for check in checks.values())
    return JsonResponse(
        {
            "status": "ok" if ok else "down",
            "time": timezone.now().isoformat(),
            "checks": {name: check.as_dict() for name, check in checks.items()},
        },
        status=200 if ok else 503,
    )


@never_cache
@login_required
@permission_required("cxm.view_system_status", raise_exception=True)
@allow_methods("GET")
def system_status(request: HttpRequest) -> HttpResponse:
    checks = run_checks()
    context = {
        "checks": checks,
        "all_ok": all(c.ok for c in checks.values()),
        "workers": worker_overview() if checks["redis"].ok else None,
        # Follow-up work the database says is still to do, and when the reconciler last ran.
        "followups": backlog() if checks["database"].ok and checks["redis"].ok else None,
    }
    return render(request, "cxm/system_status.html", context)
