"""Signing in and out, choosing a password, and the lockout page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from cxm import ratelimit
from cxm.clientip import client_address
from cxm.forms import LoginForm, ResetRequestForm
from cxm.models import User
from cxm.services import request_password_reset

LOGIN_FAILURE_WINDOW = ratelimit.HOUR
LOCKED_OUT = "registration/locked_out.html"


class LoginView(auth_views.LoginView):
    """Sign-in. Failures are also counted per address, whatever the username
    (`CXM_LOGIN_FAILURES_PER_HOUR`): past the limit the address is refused before any password
    is checked, so spraying one password over many accounts learns nothing more."""

    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def _failures_key(self) -> str:
        return f"login-fail:{client_address(self.request)}"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit = settings.CXM_LOGIN_FAILURES_PER_HOUR
        wait = ratelimit.exceeded_retry_after(self._failures_key(), limit, LOGIN_FAILURE_WINDOW)
        if wait:
            return ratelimit.too_many_requests(
                request,
                retry_after=wait,
                template=LOCKED_OUT,
                context={"by_address": True},
            )
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        limit = settings.CXM_LOGIN_FAILURES_PER_HOUR
        ratelimit.hit(self._failures_key(), limit, LOGIN_FAILURE_WINDOW)
        return super().form_invalid(form)


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Shown by django-axes instead of the login form while an account/address pair is paused
    (for `AXES_COOLOFF_TIME`, in hours, since its last failure)."""
    cool_off = round(settings.AXES_COOLOFF_TIME * ratelimit.HOUR)
    return ratelimit.too_many_requests(request, retry_after=cool_off, template=LOCKED_OUT)


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an address; the reset e-mail goes out from a `realtime` job."""

    form_class = ResetRequestForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("password-reset-done")

    def form_valid(self, form: ResetRequestForm) -> HttpResponse:
        # Counted per address and per e-mail address asked for, whether or not an account has
        # it: nobody can flood a colleague's inbox, and the answer tells nothing about accounts.
        email = form.cleaned_data["email"]
        per_hour = settings.CXM_PASSWORD_RESETS_PER_HOUR
        wait = ratelimit.retry_after(
            (f"reset-from:{client_address(self.request)}", per_hour, ratelimit.HOUR),
            (f"reset-to:{email.lower()}", per_hour, ratelimit.HOUR),
        )
        if wait:
            wait_text = ratelimit.wait_text(wait)
            form.add_error(None, _("Too many reset requests. %(wait)s") % {"wait": wait_text})
            return ratelimit.too_many_requests(
                self.request,
                retry_after=wait,
                template=self.template_name,
                context=self.get_context_data(form=form),
            )
        request_password_reset(email=email)
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
