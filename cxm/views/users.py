"""Admins manage staff accounts and their roles."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cxm.forms import EditUserForm, NewUserForm
from cxm.methods import allow_methods
from cxm.models import User
from cxm.roles import Role
from cxm.selectors import access_user, user_list
from cxm.services import create_user, role_of, update_user


@login_required
@permission_required("cxm.manage_users", raise_exception=True)
@allow_methods("GET")
def users(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    role = request.GET.get("role", "")
    page = Paginator(user_list(query=query, role=role), 50).get_page(request.GET.get("page"))
    rows = [(u, role_of(u)) for u in page]
    context = {"page": page, "rows": rows, "q": query, "role": role, "roles": Role.choices}
    template = "cxm/_user_rows.html" if request.htmx else "cxm/users.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@permission_required("cxm.manage_users", raise_exception=True)
@allow_methods("GET", "POST")
def user_new(request: HttpRequest) -> HttpResponse:
    form = NewUserForm(request.POST or None, initial={"role": Role.STAFF})
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "cxm/user_form.html", {"form": form}, status=400)
        user = create_user(**form.cleaned_data)
        messages.success(request, _("%(name)s can now be signed in.") % {"name": user})
        return redirect("cxm:user-detail", code=user.code)
    return render(request, "cxm/user_form.html", {"form": form})


@login_required
@allow_methods("GET", "POST")
def user_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    user = access_user(actor, code, write=request.method == "POST")
    role = role_of(user)
    initial = {
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "role": role.value if role else Role.STAFF.value,
        "language": user.language,
        "is_active": user.is_active,
        "stores": list(user.managed_stores.all()),
    }
    form = EditUserForm(request.POST or None, initial=initial, instance=user)
    if request.method == "POST":
        if not form.is_valid():
            return render(
                request, "cxm/user_form.html", {"form": form, "subject": user}, status=400
            )
        data = form.cleaned_data
        if user.pk == actor.pk and (data["role"] != Role.ADMIN or not data["is_active"]):
            form.add_error(None, _("You cannot remove your own admin role or switch yourself off."))
            return render(
                request, "cxm/user_form.html", {"form": form, "subject": user}, status=400
            )
        update_user(
            user=user,
            name=data["name"],
            email=data["email"],
            role=data["role"],
            language=data["language"],
            is_active=data["is_active"],
            stores=data["stores"],
        )
        messages.success(request, _("Saved."))
        return redirect("cxm:users")
    return render(request, "cxm/user_form.html", {"form": form, "subject": user})
