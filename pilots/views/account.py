"""Signing out (Django's LogoutView takes only a POST; its address still answers a GET),
asking for a password reset link, and changing a password (with the API tokens rule)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.views import (
    LogoutView,
    PasswordChangeView,
    PasswordResetConfirmView,
    PasswordResetView,
)
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator

from pilots.accounts import passwords
from pilots.accounts.addresses import client_address
from pilots.forms.passwords import PasswordChangeKeepTokensForm, SetPasswordKeepTokensForm


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
                request, "registration/password_reset_throttled.html", {"wait": wait}, status=429
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
