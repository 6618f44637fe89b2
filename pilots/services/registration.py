"""Registering a pilot: basics and dates, team, infrastructure checklist, operating plan."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from pilots.enums import InfrastructureItem, Stage
from pilots.errors import NotAllowed
from pilots.models import InfrastructureAnswer, OperatingPlan, Pilot, PilotEvent, PilotMembership
from pilots.permissions import EDITORS, can_register_pilots
from pilots.services import gates
from pilots.services.access import lock_in_stage, require_role
from pilots.services.audit import apply_changes, created_values, event_record, removed_values
from pilots.services.contract import contract_guarded

# What may change in each stage. Proposed pilots are under review (reject to
# edit); graduated and stopped pilots are history.
_SETUP_FIELDS = frozenset(
    {
        "title",
        "problem_statement",
        "business_unit",
        "planned_start",
        "planned_end",
        "operations_owner",
        "receiving_team",
    }
)
PILOT_FIELDS_BY_STAGE: dict[str, frozenset[str]] = {
    Stage.DRAFT: _SETUP_FIELDS,
    Stage.APPROVED: _SETUP_FIELDS,
    # The start has happened: its date is history.
    Stage.RUNNING: _SETUP_FIELDS - {"planned_start"},
}


# What the creation event records: every registered field, and who and where it starts.
CREATED_FIELDS = ("reference", "stage", "sponsor", *sorted(_SETUP_FIELDS))
MEMBER_FIELDS = ("user", "role")


@transaction.atomic
def pilot_create(*, by: User, title: str, **fields: Any) -> Pilot:
    """A new draft pilot sponsored by ``by``, with its reference (PIL-0042)."""
    if not can_register_pilots(by):
        raise NotAllowed("Only sponsors and portfolio leads may register pilots.")
    unknown = set(fields) - PILOT_FIELDS_BY_STAGE[Stage.DRAFT]
    if unknown:
        raise TypeError(f"pilot_create() got unexpected fields: {sorted(unknown)}")
    return pilot_insert(pilot=Pilot(title=title, sponsor=by, **fields), by=by)


@transaction.atomic
def pilot_insert(*, pilot: Pilot, by: User) -> Pilot:
    """Save a new draft pilot built elsewhere (the admin's form), with its reference."""
    if pilot.pk is not None or pilot.stage != Stage.DRAFT:
        raise ValueError("pilot_insert() takes a new draft pilot")
    pilot.full_clean(exclude=["reference"])
    pilot.save()
    pilot.reference = f"PIL-{pilot.pk:04d}"
    pilot.save(update_fields=["reference"])
    event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.CREATED,
        subject=pilot.title,
        changes=created_values(pilot, CREATED_FIELDS),
    )
    return pilot


@transaction.atomic
def pilot_update(*, pilot: Pilot, by: User, reason: str = "", **fields: Any) -> Pilot:
    """Edit a pilot's registration; what may change depends on its stage.

    Moving the planned end moves the handover window: it is recorded like
    every other change. Changing the operations owner clears their acceptance.
    Once approved, changing a contract field (dates, operations owner, receiving
    team) needs a written ``reason`` and shows as drift (``contract``).
    """
    require_role(by, pilot, EDITORS, "edit it")
    lock_in_stage(pilot, PILOT_FIELDS_BY_STAGE, "edit it")
    allowed = PILOT_FIELDS_BY_STAGE[pilot.stage]
    refused = set(fields) - allowed
    if refused:
        raise ValidationError(
            {
                name: f"Cannot change this while the pilot is {pilot.get_stage_display().lower()}."
                for name in sorted(refused)
            }
        )
    with contract_guarded(pilot=pilot, by=by, reason=reason):
        diff = apply_changes(pilot, fields)
        if not diff:
            return pilot
        if {"operations_owner", "receiving_team"} & set(diff):
            # Whoever accepted the system is no longer the one receiving it.
            diff |= apply_changes(
                pilot, {"operations_accepted_at": None, "operations_accepted_by": None}
            )
        pilot.full_clean()
        pilot.save()
        gates.require_complete_registration(pilot)
    event_record(
        pilot=pilot, actor=by, action=PilotEvent.Action.UPDATED, changes=diff, reason=reason
    )
    return pilot


@transaction.atomic
def member_add(*, pilot: Pilot, by: User, user: User, role: str = "") -> PilotMembership:
    require_role(by, pilot, EDITORS, "change its team")
    lock_in_stage(pilot, Stage.SETUP, "change its team")
    membership = PilotMembership(pilot=pilot, user=user, role=role)
    membership.full_clean()
    membership.save()
    event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.MEMBER_ADDED,
        subject=f"{user.get_username()} ({role})" if role else user.get_username(),
        changes=created_values(membership, MEMBER_FIELDS),
    )
    return membership


@transaction.atomic
def member_remove(*, membership: PilotMembership, by: User) -> None:
    pilot = membership.pilot
    require_role(by, pilot, EDITORS, "change its team")
    lock_in_stage(pilot, Stage.SETUP, "change its team")
    membership.delete()
    event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.MEMBER_REMOVED,
        subject=membership.user.get_username(),
        changes=removed_values(membership, MEMBER_FIELDS),
    )


@transaction.atomic
def infrastructure_answer(
    *,
    pilot: Pilot,
    by: User,
    item: InfrastructureItem | str,
    answer: str,
    evidence_url: str = "",
    notes: str = "",
    reason: str = "",
) -> InfrastructureAnswer:
    """Answer one question of the production-infrastructure checklist (insert or update).

    Once approved, changing an answer needs a written ``reason`` (``contract``)."""
    require_role(by, pilot, EDITORS, "answer its infrastructure checklist")
    lock_in_stage(pilot, Stage.SETUP, "answer its infrastructure checklist")
    record = InfrastructureAnswer.objects.filter(pilot=pilot, item=item).first()
    if record is None:
        record = InfrastructureAnswer(pilot=pilot, item=item)
    with contract_guarded(pilot=pilot, by=by, reason=reason):
        diff = apply_changes(
            record, {"answer": answer, "evidence_url": evidence_url, "notes": notes}
        )
        record.answered_by = by
        record.full_clean()
        record.save()
        gates.require_complete_registration(pilot)
    if diff:
        event_record(
            pilot=pilot,
            actor=by,
            action=PilotEvent.Action.INFRASTRUCTURE_ANSWERED,
            subject=record.get_item_display(),
            changes=diff,
            reason=reason.strip() if "answer" in diff else "",
        )
    return record


@transaction.atomic
def infrastructure_checklist_update(
    *, pilot: Pilot, by: User, answers: dict[str, dict[str, str]], reason: str = ""
) -> list[InfrastructureAnswer]:
    """Answer several checklist questions at once: all are saved, or none.

    ``answers`` maps an item to its ``answer``, ``evidence_url`` and ``notes``.
    """
    unknown = set(answers) - set(InfrastructureItem.values)
    if unknown:
        raise ValidationError(f"Unknown checklist items: {', '.join(sorted(unknown))}.")
    return [
        infrastructure_answer(pilot=pilot, by=by, item=item, reason=reason, **fields)
        for item, fields in answers.items()
    ]


@transaction.atomic
def operating_plan_update(
    *, pilot: Pilot, by: User, reason: str = "", **fields: Any
) -> OperatingPlan:
    """Write the 12-month operating plan (insert or update); once approved, a change
    needs a written ``reason`` (``contract``)."""
    require_role(by, pilot, EDITORS, "edit its operating plan")
    lock_in_stage(pilot, Stage.SETUP, "edit its operating plan")
    unknown = set(fields) - set(OperatingPlan.REQUIRED_FIELDS)
    if unknown:
        raise TypeError(f"operating_plan_update() got unexpected fields: {sorted(unknown)}")
    plan = OperatingPlan.objects.filter(pilot=pilot).first() or OperatingPlan(pilot=pilot)
    with contract_guarded(pilot=pilot, by=by, reason=reason):
        diff = apply_changes(plan, fields)
        plan.full_clean()
        plan.save()
        gates.require_complete_registration(pilot)
    if diff:
        event_record(
            pilot=pilot,
            actor=by,
            action=PilotEvent.Action.PLAN_CHANGED,
            changes=diff,
            reason=reason.strip(),
        )
    return plan
