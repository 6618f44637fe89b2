"""Celery tasks of the scorecards app: thin adapters around its services (ids only)."""

from __future__ import annotations

from typing import TypedDict

from celery import shared_task
from django.db import DatabaseError

from scorecards import services


# A pilot deleted mid-run (its scorecard's insert fails) or a dropped connection:
# the recompute is idempotent, so it simply runs again a little later.
class RetryOptions(TypedDict):
    autoretry_for: tuple[type[BaseException], ...]
    retry_backoff: int
    retry_backoff_max: int
    max_retries: int


RETRY: RetryOptions = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 30,
    "retry_backoff_max": 300,
    "max_retries": 3,
}


@shared_task(name="scorecards.recompute", time_limit=5 * 60, soft_time_limit=4 * 60, **RETRY)
def scorecards_recompute(*, pilot_ids: list[int]) -> int:
    """Recompute the scorecards of pilots a committed change touched."""
    return services.scorecards_recompute(pilot_ids=pilot_ids)


@shared_task(name="scorecards.nightly", time_limit=30 * 60, soft_time_limit=25 * 60, **RETRY)
def scorecards_nightly() -> dict[str, int]:
    """Every scorecard for today (time alone moves many reasons), then this week's snapshot."""
    return {
        "recomputed": services.scorecards_recompute(),
        "snapshotted": services.scorecards_snapshot(),
    }


@shared_task(name="scorecards.catch_up", time_limit=10 * 60, soft_time_limit=9 * 60, **RETRY)
def scorecards_catch_up() -> int:
    """Recompute the scorecards a lost refresh or a deactivated owner left out of date."""
    pilot_ids = services.scorecards_out_of_date()
    return services.scorecards_recompute(pilot_ids=pilot_ids) if pilot_ids else 0
