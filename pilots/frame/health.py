"""The health endpoint, for load balancers and operators."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from pilots.models import Heartbeat
from pilots.services.outbox import outbox_backlog

# When this process started watching: a fresh install (or a restart after a
# pause) has had no heartbeat yet, and is given the same time as a silence.
WATCHING_SINCE = timezone.now()


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for load balancers and operators.

    503 when the database does not answer; also 503, naming the part, when
    beat's heartbeat (sent every minute, run by a worker) has been silent, or
    the oldest task waiting in the outbox for the broker has waited, longer
    than ``PILOTGATE_HEALTH_MAX_SILENCE_SECONDS``. The silence is counted from
    the last heartbeat or from this process's start, whichever is later, so a
    fresh install is healthy while its worker and beat start.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse(
            {"status": "error", "database": "unavailable", "failing": ["database"]}, status=503
        )
    limit = settings.PILOTGATE_HEALTH_MAX_SILENCE_SECONDS
    now = timezone.now()
    beat = Heartbeat.objects.filter(source="beat").first()
    watched = max(beat.seen_at, WATCHING_SINCE) if beat else WATCHING_SINCE
    silent = max(0, int((now - watched).total_seconds()))
    pending, oldest = outbox_backlog()
    waiting = max(0, int((now - oldest).total_seconds())) if oldest else 0
    failing = []
    if silent > limit:
        failing.append("worker")
    if waiting > limit:
        failing.append("outbox")
    body = {
        "status": "error" if failing else "ok",
        "database": "ok",
        "worker_last_seen": beat.seen_at.isoformat() if beat else None,
        # Beat sends the heartbeat every minute and a worker runs it: silence means
        # beat, every worker or the broker between them is down.
        "worker": {
            "status": "silent" if silent > limit else ("ok" if beat else "starting"),
            "silent_seconds": silent,
        },
        # Tasks recorded with their writes, waiting for the broker.
        "outbox": {
            "status": "stuck" if waiting > limit else "ok",
            "pending": pending,
            "oldest_pending_seconds": waiting,
        },
        "max_silence_seconds": limit,
        "failing": failing,
    }
    return JsonResponse(body, status=503 if failing else 200)
