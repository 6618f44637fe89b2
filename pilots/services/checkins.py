"""The business owner's check-ins: their own word on the pilot, recorded in its history."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pilots import rules
from pilots.enums import Confidence, Stage
from pilots.errors import NotAllowed
from pilots.frame import formats
from pilots.models import CheckIn, GateDecision, Pilot, PilotEvent
from pilots.permissions import CHECKIN_AUTHORS, CHECKIN_RULE, has_any_role
from pilots.services.access import lock_pilot
from pilots.services.audit import created_values, event_record

CHECKIN_STAGE_RULE = (
    "Check-ins are recorded while the pilot runs, and for 12 months after it graduates."
)


def _graduated_on(pilot: Pilot) -> date | None:
    """The local day of the graduate decision (the gate service records one)."""
    if pilot.stage != Stage.GRADUATED:
        return None
    decided_at = (
        GateDecision.objects.filter(pilot=pilot, to_stage=Stage.GRADUATED)
        .values_list("decided_at", flat=True)
        .first()
    )
    return timezone.localdate(decided_at) if decided_at else None


@transaction.atomic
def checkin_record(
    *, pilot: Pilot, by: User, confidence: str, narrative: str, blockers: str = ""
) -> CheckIn:
    """The accepted business owner records a check-in, while the metric is followed.

    Refused with the rule's words: anyone else (403); a pilot not running and not
    graduated within 12 months (a ``stage_locked`` error, 409 in the API).
    """
    lock_pilot(pilot)  # the owner and stage as stored now
    if not has_any_role(by, pilot, CHECKIN_AUTHORS):
        raise NotAllowed(CHECKIN_RULE)
    today = timezone.localdate()
    if not rules.followed(
        stage=pilot.stage,
        graduated_on=_graduated_on(pilot),
        today=today,
        operation_ended_on=pilot.operation_ended_on,
    ):
        raise ValidationError(
            f"Cannot record a check-in while the pilot is {pilot.get_stage_display().lower()}: "
            + CHECKIN_STAGE_RULE[0].lower()
            + CHECKIN_STAGE_RULE[1:],
            code="stage_locked",
        )
    checkin = CheckIn(
        pilot=pilot,
        author=by,
        confidence=confidence,
        narrative=narrative.strip(),
        blockers=blockers.strip(),
    )
    checkin.full_clean()
    checkin.save()
    event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.CHECKIN_RECORDED,
        subject=f"{Confidence(checkin.confidence).label} on {formats.day(today)}",
        changes=created_values(checkin, ["confidence", "narrative", "blockers"]),
    )
    return checkin
