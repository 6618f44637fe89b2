"""Signing in (password, or single sign-on through an OpenID provider), signing out
(Django's LogoutView takes only a POST; its address still answers a GET), asking for
a password reset link, and changing a password (with the API tokens rule)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.views import (
    LoginView,
    LogoutView,
    PasswordChangeView,
    PasswordResetConfirmView,
    PasswordResetView,
)
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.generic import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from pilots.accounts import passwords
from pilots.accounts.addresses import client_address
from pilots.accounts.oidc import ProviderUnavailable, oidc_setting
from pilots.forms.passwords import PasswordChangeKeepTokensForm, SetPasswordKeepTokensForm
from pilots.frame import formats

logger = logging.getLogger(__name__)

SSO_FAILED = "Single sign-on did not sign you in. Try again, or ask an administrator."


def sign_in_again(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("login")


@method_decorator(login_not_required, name="dispatch")
class SignInView(LoginView):
    """Django's sign-in page, with the single sign-on button when a provider is
    configured; with local accounts off it shows only the button and refuses
    every password before checking it."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso"] = settings.PILOTGATE_OIDC_ENABLED
        context["sso_name"] = settings.PILOTGATE_OIDC_NAME or "single sign-on"
        context["sso_query"] = urlencode({"next": context.get("next", "")})
        context["local_accounts"] = settings.PILOTGATE_LOCAL_ACCOUNTS
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.PILOTGATE_LOCAL_ACCOUNTS:
            messages.error(
                request,
                f"Password sign-in is turned off. Sign in with {settings.PILOTGATE_OIDC_NAME}.",
            )
            return HttpResponseRedirect(reverse("login"), status=303)
        return super().post(request, *args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class SingleSignOnStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider (state, nonce and PKCE in the session)."""

    def __init__(self, **kwargs: Any) -> None:
        # The parent reads the endpoint here, before dispatch could answer a
        # provider that is down; get() reads it instead.
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.PILOTGATE_OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnavailable as exc:
            logger.warning("single sign-on unavailable: %s", exc)
            return sign_in_again(request, SSO_FAILED)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        response: HttpResponse = super().get(request)
        return response


@method_decorator(login_not_required, name="dispatch")
class SingleSignOnCallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back: the backend checks the code, signs the user in."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.PILOTGATE_OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        try:
            response: HttpResponse = super().get(request)
        except SuspiciousOperation as exc:  # a stale or foreign state (back button, second tab)
            logger.warning("single sign-on callback refused: %s", exc)
            return self.login_failure()
        return response

    def login_failure(self) -> HttpResponse:
        return sign_in_again(self.request, SSO_FAILED)


@method_decorator(login_not_required, name="dispatch")
class SignOutView(LogoutView):
    """POST signs out (Django's view); a GET of the address (typed, reloaded, bookmarked)
    asks first, with the same POST button, and a signed-out visitor goes to sign in."""

    http_method_names = ["get", "head", "post", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(self.get_default_redirect_url())
        return render(request, "registration/logout_confirm.html")


@method_decorator(login_not_required, name="dispatch")
class PasswordResetRequestView(PasswordResetView):
    """Asking for a reset link: the same answer, at once, whether the address has an account.

    The email is looked up and sent by a Celery task after the response's
    transaction (``pilots.accounts.passwords``); an address that asked too often
    is answered 429 (it learns only about itself).
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = passwords.password_reset_wait(address=client_address(request))
        if wait is not None:
            response = render(
                request,
                "registration/password_reset_throttled.html",
                {"wait": formats.wait(wait)},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        passwords.password_reset_request(
            email=form.cleaned_data["email"], address=client_address(self.request)
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordChangeKeepTokensView(PasswordChangeView):
    """Django's password change, with the "keep my API tokens" box (unticked: revoked)."""

    form_class = PasswordChangeKeepTokensForm


class PasswordResetConfirmKeepTokensView(PasswordResetConfirmView):
    """Choosing a new password from a reset link: the same rule for API tokens."""

    form_class = SetPasswordKeepTokensForm
