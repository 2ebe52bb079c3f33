"""Signing in and out, choosing a password, and the lockout page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from cxm.forms import LoginForm, ResetRequestForm
from cxm.models import User
from cxm.services import request_password_reset


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Shown by django-axes instead of the login form while an account/address pair is paused."""
    return render(request, "registration/locked_out.html", status=429)


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an address; the reset e-mail goes out from a `realtime` job."""

    form_class = ResetRequestForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("password-reset-done")

    def form_valid(self, form: ResetRequestForm) -> HttpResponse:
        request_password_reset(email=form.cleaned_data["email"])
        return super(auth_views.PasswordResetView, self).form_valid(form)


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """Choose a password from an invitation or reset link.

    The link carries the user's public code (hex) where Django would put the base64 id.
    """

    template_name = "registration/password_set.html"
    success_url = reverse_lazy("password-set-done")

    def get_user(self, uidb64: str) -> User | None:
        try:
            code = UUID(hex=uidb64)
        except ValueError:
            return None
        return User.objects.filter(code=code, is_active=True).first()
