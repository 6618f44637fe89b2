"""Web views: parse, fetch through a selector, call a service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from pilots.models import Heartbeat
from pilots.permissions import sees_every_pilot
from pilots.selectors import pilot_list, pilot_timeline

PAGE_SIZE = 25


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The pilots this user may see, newest first."""
    page = Paginator(pilot_list(request.user).order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    rows = [(pilot, pilot_timeline(pilot, today=today)) for pilot in page]
    return render(
        request,
        "pilots/home.html",
        {
            "page": page,
            "rows": rows,
            "today": today,
            "sees_all": sees_every_pilot(request.user),
        },
    )


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for load balancers and operators.

    200 when the database answers; the last worker heartbeat is reported so
    an operator can see whether beat and a worker are running.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    beat = Heartbeat.objects.filter(source="beat").first()
    return JsonResponse(
        {
            "status": "ok",
            "database": "ok",
            "worker_last_seen": beat.seen_at.isoformat() if beat else None,
        }
    )
