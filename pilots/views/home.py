"""The home page: what needs me now."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from pilots.selectors.agenda import agenda_for
from pilots.views.common import SignedInRequest


@require_GET
def home(request: SignedInRequest) -> HttpResponse:
    """What needs this user now: drafts, nominations, readings, tasks and gates."""
    today = timezone.localdate()
    return render(
        request,
        "pilots/home.html",
        {
            "agenda": agenda_for(request.user, today=today),
            "today": today,
        },
    )
