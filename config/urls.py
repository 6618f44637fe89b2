"""Top-level URLs."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from pilots.frame import health
from pilots.frame.api.docs import RedocView, SchemaView, SwaggerView
from pilots.views import account, home

admin.site.site_header = "Pilotgate administration"
admin.site.site_title = "Pilotgate admin"

urlpatterns = [
    path("", home.home, name="home"),
    path("health/", health.health, name="health"),
    path("accounts/login/", account.SignInView.as_view(), name="login"),
    path("accounts/logout/", account.SignOutView.as_view(), name="logout"),
    # Single sign-on (OpenID Connect): 404 unless a provider is configured.
    path(
        "accounts/sso/start/",
        account.SingleSignOnStartView.as_view(),
        name="oidc_authentication_init",
    ),
    path(
        "accounts/sso/callback/",
        account.SingleSignOnCallbackView.as_view(),
        name="oidc_authentication_callback",
    ),
    # Django's auth pages, but: a reset link is emailed by a task after the answer
    # (the same answer for every address), and a new password revokes API tokens
    # unless kept (the admin's own password change goes to the same page).
    path(
        "accounts/password_reset/",
        account.PasswordResetRequestView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password_change/",
        account.PasswordChangeKeepTokensView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        account.PasswordResetConfirmKeepTokensView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "admin/password_change/",
        RedirectView.as_view(pattern_name="password_change"),
        name="admin-password-change",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("pilots.api.urls")),
    path("api/v1/", include("scorecards.api_urls")),
    path("api/schema/", login_not_required(SchemaView.as_view()), name="api-schema"),
    path(
        "api/docs/",
        login_not_required(SwaggerView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        login_not_required(RedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
    path("", include("scorecards.urls")),
    path("", include("pilots.urls")),
]

# JSON under /api/ (the API's error shape), the HTML page elsewhere.
handler400 = "pilots.frame.api.errors.bad_request"
handler403 = "pilots.frame.api.errors.permission_denied"
handler404 = "pilots.frame.api.errors.not_found"
handler500 = "pilots.frame.api.errors.server_error"
