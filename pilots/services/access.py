"""Checks the services run before they write: role, row lock, stage."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from pilots.errors import NotAllowed
from pilots.models import Pilot
from pilots.permissions import AnyUser, Role, has_any_role


def require_role(user: AnyUser, pilot: Pilot, allowed: frozenset[Role], action: str) -> None:
    if not has_any_role(user, pilot, allowed):
        names = " or ".join(sorted(role.value.replace("_", " ") for role in allowed))
        raise NotAllowed(f"Only the pilot's {names} may {action}.")


def lock_pilot(pilot: Pilot) -> Pilot:
    """Lock the pilot's row for this transaction and re-read it in place.

    Every service that depends on a pilot's stage, or writes its row, calls
    this first: checks see what is stored now, not what a caller's instance
    remembers, and a concurrent transition waits instead of being overwritten.
    Cached relations are dropped too.
    """
    pilot.refresh_from_db(from_queryset=Pilot.objects.select_for_update())
    return pilot


def lock_in_stage(pilot: Pilot, stages: Iterable[str], action: str) -> None:
    """``lock_pilot``, then refuse unless the stored stage is one of ``stages``
    (stored values: a ``Stage`` member or a group such as ``Stage.OPEN``)."""
    lock_pilot(pilot)
    if pilot.stage not in set(stages):
        raise ValidationError(
            f"Cannot {action} while the pilot is {pilot.get_stage_display().lower()}.",
            code="stage_locked",
        )
