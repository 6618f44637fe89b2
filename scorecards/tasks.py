"""Celery tasks of the scorecards app: thin adapters around its services (ids only)."""

from __future__ import annotations

from celery import shared_task

from scorecards import services


@shared_task(name="scorecards.recompute", time_limit=5 * 60, soft_time_limit=4 * 60)
def scorecards_recompute(*, pilot_ids: list[int]) -> int:
    """Recompute the scorecards of pilots a committed change touched."""
    return services.scorecards_recompute(pilot_ids=pilot_ids)


@shared_task(name="scorecards.nightly", time_limit=30 * 60, soft_time_limit=25 * 60)
def scorecards_nightly() -> dict[str, int]:
    """Every scorecard for today (time alone moves many reasons), then this week's snapshot."""
    return {
        "recomputed": services.scorecards_recompute(),
        "snapshotted": services.scorecards_snapshot(),
    }
