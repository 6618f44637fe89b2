"""Audit history helpers shared by the services."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from pilots.models import Pilot, PilotEvent
from pilots.services.outbox import outbox_record

# Derived data about a pilot (its readiness scorecard) is refreshed by this task
# after every audited change. Sent by name, through the outbox: the scorecards
# app depends on pilots, never the other way round.
REFRESH_TASK = "scorecards.recompute"
# Set inside ``refresh_skipped()``: changes made there queue no refresh.
_skipping_refresh: ContextVar[bool] = ContextVar("skipping_refresh", default=False)


def plain(value: Any) -> Any:
    """A JSON-safe rendering of a field value."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal):
        # 40.0000 (stored) and 40 (typed) are the same number: write both as "40".
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")  # a moment: its offset, no microseconds
    if isinstance(value, date):
        return str(value)
    return value


def changes_between(instance: models.Model, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the values in ``changes`` that differ (no mutation)."""
    return {
        name: [plain(getattr(instance, name)), plain(new)]
        for name, new in changes.items()
        if getattr(instance, name) != new
    }


def created_values(instance: models.Model, fields: Iterable[str]) -> dict[str, list[Any]]:
    """``{field: [None, value]}`` for a new row's non-empty ``fields``: what a creation wrote.

    The same shape as a change's ``[before, after]``, with nothing before.
    """
    return {
        name: [None, plain(value)]
        for name in fields
        if (value := getattr(instance, name)) not in (None, "")
    }


def removed_values(instance: models.Model, fields: Iterable[str]) -> dict[str, list[Any]]:
    """``{field: [value, None]}`` for a removed row's non-empty ``fields``: what was lost."""
    return {
        name: [after, before] for name, (before, after) in created_values(instance, fields).items()
    }


def apply_changes(instance: models.Model, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Set ``changes`` on ``instance``; return ``{field: [before, after]}`` of what differs."""
    diff = changes_between(instance, changes)
    for name in diff:
        setattr(instance, name, changes[name])
    return diff


def event_record(
    *,
    pilot: Pilot,
    actor: Any,
    action: str,
    subject: str = "",
    changes: dict[str, list[Any]] | None = None,
    reason: str = "",
) -> PilotEvent:
    # Every audited change may move the pilot's readiness scorecard.
    refresh_after_commit(pilot.pk)
    return PilotEvent.objects.create(
        pilot=pilot,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        subject=subject[:200],
        changes=changes or {},
        reason=reason,
    )


def refresh_after_commit(pilot_id: int) -> None:
    """Record the refresh of this pilot's derived data, sent once the change is committed."""
    refreshes_after_commit([pilot_id])


def refreshes_after_commit(pilot_ids: list[int]) -> None:
    """Record the refresh of these pilots in the outbox, in the change's own transaction.

    The row commits or rolls back with the change, and is relayed to the broker
    after the commit (or, the broker being down, as soon as it is back): a
    refresh is never lost. The pilots changed within one atomic block are
    recorded once each and sent in one task; outside any transaction the
    refresh is sent at once; inside ``refresh_skipped()``, never.
    """
    if _skipping_refresh.get() or not pilot_ids:
        return
    outbox_record(REFRESH_TASK, [{"pilot_ids": [pilot_id]} for pilot_id in pilot_ids])


@contextmanager
def refresh_skipped() -> Iterator[None]:
    """Queue no refresh of derived data for the changes made inside this block.

    For bulk jobs that recompute every scorecard themselves once they are done:
    the demo seed builds ~25 pilots through ~700 service calls, and `make seed`
    recomputes everything right after it, so ~700 refresh tasks would only keep
    the worker busy. Whatever such a job leaves out of date, the catch-up job
    (``scorecards.catch_up``, every 15 minutes) finds.
    """
    token = _skipping_refresh.set(True)
    try:
        yield
    finally:
        _skipping_refresh.reset(token)
