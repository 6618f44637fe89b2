"""Signing out: Django's LogoutView takes only a POST; its address still answers a GET."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator


@method_decorator(login_not_required, name="dispatch")
class SignOutView(LogoutView):
    """POST signs out (Django's view); a GET of the address (typed, reloaded, bookmarked)
    asks first, with the same POST button, and a signed-out visitor goes to sign in."""

    http_method_names = ["get", "head", "post", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(self.get_default_redirect_url())
        return render(request, "registration/logout_confirm.html")
