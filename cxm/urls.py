from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path, reverse_lazy
from django.utils.functional import lazy
from django.views.generic import RedirectView

from cxm import api
from cxm.methods import allow_methods
from cxm.views import auth, emails, health, home, language, users

# Django's own admin is for superusers only, beside the product's pages.
admin.site.site_header = "cxm"

cxm_patterns = (
    [
        path("users/", users.users, name="users"),
        path("users/new/", users.user_new, name="user-new"),
        path("users/<uuid:code>/", users.user_detail, name="user-detail"),
        path("sent-email/", emails.sent_email, name="sent-email"),
        path("sent-email/<uuid:code>/", emails.sent_email_detail, name="sent-email-detail"),
        path("system/", health.system_status, name="system-status"),
    ],
    "cxm",
)

# Every view declares its methods (cxm/methods.py); class-based ones here, where they are routed.
urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    # Resolved at request time: the manifest of hashed static names may not exist at import.
    path(
        "favicon.ico",
        allow_methods("GET")(RedirectView.as_view(url=lazy(static, str)("cxm/favicon.svg"))),
    ),
    path("login/", allow_methods("GET", "POST")(auth.LoginView.as_view()), name="login"),
    path("logout/", allow_methods("POST")(auth_views.LogoutView.as_view()), name="logout"),
    path("language/", language.switch_language, name="switch-language"),
    path(
        "account/password/reset/",
        allow_methods("GET", "POST")(auth.PasswordResetView.as_view()),
        name="password-reset",
    ),
    path(
        "account/password/reset/sent/",
        allow_methods("GET")(
            auth_views.PasswordResetDoneView.as_view(
                template_name="registration/password_reset_sent.html"
            )
        ),
        name="password-reset-done",
    ),
    path(
        "account/password/<uidb64>/<token>/",
        allow_methods("GET", "POST")(auth.PasswordSetView.as_view()),
        name="password-set",
    ),
    path(
        "account/password/done/",
        allow_methods("GET")(
            auth_views.PasswordResetCompleteView.as_view(
                template_name="registration/password_set_done.html"
            )
        ),
        name="password-set-done",
    ),
    path(
        "account/password/change/",
        allow_methods("GET", "POST")(
            auth_views.PasswordChangeView.as_view(
                template_name="registration/password_change.html",
                success_url=reverse_lazy("home"),
            )
        ),
        name="password-change",
    ),
    path("manage/", include(cxm_patterns)),
    # Before the apps' API routes: the document covers every app's endpoints.
    path("api/v1/openapi.json", api.openapi, name="api-openapi"),
    path("api/v1/", include("odata.views.api")),
    path("api/v1/", include("xdata.views.api")),
    path("api/v1/", include("actions.views.api")),
    path("odata/", include("odata.urls")),
    path("surveys/", include("surveys.urls")),
    path("", include("surveys.public_urls")),
    path("xdata/", include("xdata.urls")),
    path("analysis/", include("analysis.urls")),
    path("actions/", include("actions.urls")),
    path("django-admin/rq/", include("django_rq.urls")),
    path("django-admin/", admin.site.urls),
]

handler400 = "cxm.views.errors.bad_request"
handler403 = "cxm.views.errors.permission_denied"
handler404 = "cxm.views.errors.page_not_found"
handler500 = "cxm.views.errors.server_error"
