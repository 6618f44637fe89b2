"""Audit history helpers shared by the services."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from pilots.models import Pilot, PilotEvent


def _plain(value: Any) -> Any:
    """A JSON-safe rendering of a field value."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, date | datetime | Decimal):
        return str(value)
    return value


def apply_changes(instance: models.Model, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Set ``changes`` on ``instance``; return ``{field: [before, after]}`` of what differs."""
    diff: dict[str, list[Any]] = {}
    for name, new in changes.items():
        old = getattr(instance, name)
        if old != new:
            diff[name] = [_plain(old), _plain(new)]
            setattr(instance, name, new)
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
