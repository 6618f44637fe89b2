"""The health endpoint, for load balancers and operators."""

from __future__ import annotations

from datetime import datetime

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
    beat has not recorded itself (``beat``), or no worker has run beat's
    heartbeat task (``worker``: every worker or the broker is down), or the
    oldest task in the outbox has waited for the broker (``outbox``), for
    longer than ``PILOTGATE_HEALTH_MAX_SILENCE_SECONDS``. The silence is counted from
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
    seen = dict(
        Heartbeat.objects.filter(source__in=["beat", "beat-scheduler"]).values_list(
            "source", "seen_at"
        )
    )
    beat_silent = _silence(seen.get("beat-scheduler"), now)
    worker_silent = _silence(seen.get("beat"), now)
    pending, oldest = outbox_backlog()
    waiting = max(0, int((now - oldest).total_seconds())) if oldest else 0
    failing = []
    if beat_silent > limit:
        failing.append("beat")
    elif worker_silent > limit:
        failing.append("worker")
    if waiting > limit:
        failing.append("outbox")
    body = {
        "status": "error" if failing else "ok",
        "database": "ok",
        "worker_last_seen": seen["beat"].isoformat() if "beat" in seen else None,
        # Beat's scheduler records itself every 30 s.
        "beat": _state(seen.get("beat-scheduler"), beat_silent, limit),
        # Beat sends the heartbeat every minute and a worker runs it: with beat
        # alive, silence means every worker, or the broker between them, is down.
        "worker": (
            {"status": "unknown", "silent_seconds": worker_silent}
            if beat_silent > limit
            else _state(seen.get("beat"), worker_silent, limit)
        ),
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


def _silence(seen_at: datetime | None, now: datetime) -> int:
    """Seconds since ``seen_at`` or since this process started watching, the later."""
    since = max(seen_at, WATCHING_SINCE) if seen_at else WATCHING_SINCE
    return max(0, int((now - since).total_seconds()))


def _state(seen_at: datetime | None, silent: int, limit: int) -> dict[str, object]:
    status = "silent" if silent > limit else ("ok" if seen_at else "starting")
    return {"status": status, "silent_seconds": silent}
