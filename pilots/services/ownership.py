"""Business ownership (nominate, accept, decline) and the operations hand-off."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pilots.enums import OwnershipStatus, ReminderKind, Stage
from pilots.errors import NotAllowed
from pilots.models import Pilot, PilotEvent
from pilots.permissions import EDITORS, OPERATIONS_ACCEPTORS, sponsor_as_owner_refusal
from pilots.services.access import lock_in_stage, require_role
from pilots.services.audit import apply_changes, event_record
from pilots.services.contract import contract_guarded
from pilots.services.notifications import event_notify


@transaction.atomic
def owner_nominate(*, pilot: Pilot, by: User, owner: User, reason: str = "") -> Pilot:
    """Name the business owner; they must accept before the pilot can be approved.

    Once approved, the owner is part of the contract: a new one needs a written
    ``reason`` (``contract``)."""
    require_role(by, pilot, EDITORS, "nominate its business owner")
    lock_in_stage(pilot, Stage.OPEN, "nominate a business owner")
    if not owner.is_active:
        raise ValidationError({"owner": "This account is deactivated: nominate someone active."})
    refusal = sponsor_as_owner_refusal(
        sponsor_id=pilot.sponsor_id,
        owner_id=owner.pk,
        allowed=settings.PILOTGATE_ALLOW_SPONSOR_AS_OWNER,
    )
    if refusal:
        raise ValidationError({"owner": ValidationError(refusal, code="sponsor_as_owner")})
    if pilot.owner_id == owner.pk and pilot.owner_status in (
        OwnershipStatus.PENDING,
        OwnershipStatus.ACCEPTED,
    ):
        raise ValidationError(
            {"owner": f"{owner.get_username()} is already the nominated business owner."}
        )
    with contract_guarded(pilot=pilot, by=by, reason=reason):
        diff = apply_changes(
            pilot,
            {
                "owner": owner,
                "owner_status": OwnershipStatus.PENDING,
                "owner_nominated_at": timezone.now(),
                "owner_responded_at": None,
                "owner_decline_reason": "",
            },
        )
        pilot.full_clean()
        pilot.save()
    event = event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.OWNER_NOMINATED,
        subject=owner.get_username(),
        changes=diff,
        reason=reason.strip(),
    )
    event_notify(event=event, kind=ReminderKind.OWNER_NOMINATED, to=[owner.pk])
    return pilot


def _require_pending_nominee(pilot: Pilot, by: User) -> None:
    lock_in_stage(pilot, Stage.OPEN, "answer the nomination")
    if pilot.owner_id != by.pk:
        raise NotAllowed("Only the nominated business owner may answer the nomination.")
    if pilot.owner_status != OwnershipStatus.PENDING:
        raise ValidationError(
            f"The nomination was already answered ({pilot.get_owner_status_display().lower()})."
        )


@transaction.atomic
def ownership_accept(*, pilot: Pilot, by: User) -> Pilot:
    _require_pending_nominee(pilot, by)
    diff = apply_changes(
        pilot, {"owner_status": OwnershipStatus.ACCEPTED, "owner_responded_at": timezone.now()}
    )
    pilot.full_clean()
    pilot.save()
    event = event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.OWNER_ACCEPTED,
        subject=by.get_username(),
        changes=diff,
    )
    event_notify(event=event, kind=ReminderKind.OWNERSHIP_ACCEPTED, to=[pilot.sponsor_id])
    return pilot


@transaction.atomic
def ownership_decline(*, pilot: Pilot, by: User, reason: str) -> Pilot:
    _require_pending_nominee(pilot, by)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why you decline, so the sponsor can act on it."})
    diff = apply_changes(
        pilot,
        {
            "owner_status": OwnershipStatus.DECLINED,
            "owner_responded_at": timezone.now(),
            "owner_decline_reason": reason,
        },
    )
    pilot.full_clean()
    pilot.save()
    event = event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.OWNER_DECLINED,
        subject=by.get_username(),
        changes=diff,
        reason=reason,
    )
    event_notify(event=event, kind=ReminderKind.OWNERSHIP_DECLINED, to=[pilot.sponsor_id])
    return pilot


@transaction.atomic
def operations_accept(*, pilot: Pilot, by: User) -> Pilot:
    """The operations owner accepts the running system.

    Where only a receiving team is named, a portfolio lead records the team's
    acceptance; a named operations owner accepts for themselves.
    """
    lock_in_stage(pilot, (Stage.RUNNING,), "accept the system for operations")
    if pilot.operations_owner_id is not None:
        if pilot.operations_owner_id != by.pk:
            raise NotAllowed("Only the named operations owner may accept the system.")
    else:
        require_role(by, pilot, OPERATIONS_ACCEPTORS, "accept the system for operations")
    if pilot.operations_accepted_at is not None:
        raise ValidationError("Operations has already accepted this system.")
    if pilot.operations_owner_id is None and not pilot.receiving_team:
        raise ValidationError("Name the operations owner or receiving team first.")
    diff = apply_changes(
        pilot, {"operations_accepted_at": timezone.now(), "operations_accepted_by": by}
    )
    pilot.full_clean()
    pilot.save()
    event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.OPERATIONS_ACCEPTED,
        subject=pilot.receiving_team or by.get_username(),
        changes=diff,
    )
    return pilot
