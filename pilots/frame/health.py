"""The health endpoint, for load balancers and operators."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from pilots.models import Heartbeat


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
