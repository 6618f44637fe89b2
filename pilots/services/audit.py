"""Audit history helpers shared by the services."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from pilots.models import Pilot, PilotEvent


def plain(value: Any) -> Any:
    """A JSON-safe rendering of a field value."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal):
        # 40.0000 (stored) and 40 (typed) are the same number: write both as "40".
        return format(value.normalize(), "f")
    if isinstance(value, date | datetime):
        return str(value)
    return value


def changes_between(instance: models.Model, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the values in ``changes`` that differ (no mutation)."""
    return {
        name: [plain(getattr(instance, name)), plain(new)]
        for name, new in changes.items()
        if getattr(instance, name) != new
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
    return PilotEvent.objects.create(
        pilot=pilot,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        subject=subject[:200],
        changes=changes or {},
        reason=reason,
    )
