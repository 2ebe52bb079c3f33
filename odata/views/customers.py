"""Customer search and the customer 360 page."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode

from cxm.htmx import is_fragment, varies_on_htmx
from cxm.methods import allow_methods
from cxm.models import User
from odata.masking import may_see_contact
from odata.selectors import TimelineCursor, access_customer, customer_360, customer_search_page


@allow_methods("GET")
@login_required
@permission_required("odata.view_customer", raise_exception=True)
def customers(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = customer_search_page(user, request.GET)
    template = "odata/_customer_results.html" if is_fragment(request) else "odata/customers.html"
    return varies_on_htmx(render(request, template, context))


@allow_methods("GET")
@login_required
def customer_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    customer = access_customer(user, code)
    before = TimelineCursor.decode(request.GET.get("before", ""))
    page = customer_360(customer, reveal_contact=may_see_contact(user), before=before)
    older_url = ""
    if page.timeline.older is not None:
        base = reverse("odata:customer-detail", kwargs={"code": customer.code})
        older_url = f"{base}?{urlencode({'before': page.timeline.older.encode()})}"
    context = {
        "page": page,
        "customer": customer,
        "timeline": page.timeline,
        "older_url": older_url,
    }
    if before is not None and is_fragment(request):
        # "Show older" with htmx: only the next entries, appended where the link was.
        return varies_on_htmx(render(request, "odata/_customer_timeline_entries.html", context))
    return varies_on_htmx(render(request, "odata/customer_detail.html", context))


urlpatterns: list[URLPattern] = [
    path("customers/", customers, name="customers"),
    path("customers/<uuid:code>/", customer_detail, name="customer-detail"),
]
