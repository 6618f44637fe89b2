"""The signed-in user's API tokens: list, create (the key shown once) and revoke."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from pilots.accounts import tokens
from pilots.accounts.tokens import api_tokens_of
from pilots.forms.tokens import ApiTokenForm
from pilots.models import ApiToken
from pilots.views.common import SignedInRequest, call_service, post_only


def token_of(request: SignedInRequest, token_id: int) -> ApiToken:
    """One of the user's own tokens; 404 for anyone else's."""
    return get_object_or_404(api_tokens_of(request.user), pk=token_id)


@never_cache  # the page that shows a new key must not be kept by a browser or proxy cache
@require_http_methods(["GET", "POST"])
def token_list(request: SignedInRequest) -> HttpResponse:
    """The user's tokens and a form for a new one; after creating, its key, this once."""
    form = ApiTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        created = call_service(
            form,
            lambda: tokens.token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
            ),
        )
        if created:
            form = ApiTokenForm()  # ready for another; the new key is shown above it
    all_tokens = list(api_tokens_of(request.user))
    return render(
        request,
        "pilots/tokens.html",
        {
            "form": form,
            "active": [token for token in all_tokens if token.is_active],
            "revoked": [token for token in all_tokens if not token.is_active],
            "new_token": created[0] if created else None,
            "new_key": created[1] if created else None,
            "me_url": request.build_absolute_uri("/api/v1/auth/me/"),
            "token_days": settings.PILOTGATE_API_TOKEN_DAYS,
        },
    )


@post_only(lambda token_id: reverse("pilots:tokens"))
def token_revoke(request: SignedInRequest, token_id: int) -> HttpResponse:
    token = token_of(request, token_id)
    if token.is_active:
        tokens.token_revoke(token=token, by=request.user)
        messages.success(request, f"Token “{token.name}” revoked: requests with it now fail.")
    else:
        messages.info(request, f"Token “{token.name}” was already revoked.")
    return redirect("pilots:tokens")
