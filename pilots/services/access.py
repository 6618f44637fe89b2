"""Role checks the services run before they write."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from pilots.errors import NotAllowed
from pilots.models import Pilot, Stage
from pilots.permissions import AnyUser, Role, has_any_role


def require_role(user: AnyUser, pilot: Pilot, allowed: frozenset[Role], action: str) -> None:
    if not has_any_role(user, pilot, allowed):
        names = " or ".join(sorted(role.value.replace("_", " ") for role in allowed))
        raise NotAllowed(f"Only the pilot's {names} may {action}.")


def require_stage(pilot: Pilot, stages: Iterable[Stage], action: str) -> None:
    if pilot.stage not in set(stages):
        raise ValidationError(
            f"Cannot {action} while the pilot is {pilot.get_stage_display().lower()}.",
            code="stage_locked",
        )
