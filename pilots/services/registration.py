"""Registering a pilot: basics and dates, team, infrastructure checklist, operating plan."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pilots.enums import InfrastructureAnswerValue, InfrastructureItem, ReminderKind, Stage
from pilots.errors import NotAllowed
from pilots.frame import formats
from pilots.models import InfrastructureAnswer, OperatingPlan, Pilot, PilotEvent, PilotMembership
from pilots.permissions import (
    EDITORS,
    can_register_pilots,
    independent_decision_refusal,
    pilot_roles,
)
from pilots.services import budget, gates
from pilots.services.access import lock_in_stage, lock_pilot, require_role
from pilots.services.audit import apply_changes, created_values, event_record, removed_values
from pilots.services.contract import contract_guarded
from pilots.services.notifications import event_notify

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
    event = event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.CREATED,
        subject=pilot.title,
        changes=created_values(pilot, CREATED_FIELDS),
    )
    event_notify(event=event, kind=ReminderKind.OPERATIONS_NAMED, to=[pilot.operations_owner_id])
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
    event = event_record(
        pilot=pilot, actor=by, action=PilotEvent.Action.UPDATED, changes=diff, reason=reason
    )
    if "operations_owner" in diff:
        event_notify(
            event=event, kind=ReminderKind.OPERATIONS_NAMED, to=[pilot.operations_owner_id]
        )
    return pilot


@transaction.atomic
def member_add(*, pilot: Pilot, by: User, user: User, role: str = "") -> PilotMembership:
    require_role(by, pilot, EDITORS, "change its team")
    lock_in_stage(pilot, Stage.SETUP, "change its team")
    membership = PilotMembership(pilot=pilot, user=user, role=role)
    membership.full_clean()
    membership.save()
    event = event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.MEMBER_ADDED,
        subject=f"{user.get_username()} ({role})" if role else user.get_username(),
        changes=created_values(membership, MEMBER_FIELDS),
    )
    event_notify(event=event, kind=ReminderKind.MEMBER_ADDED, to=[user.pk])
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


# --- The production-infrastructure checklist and its waivers ----------------------------

ANSWER_FIELDS = (
    "answer",
    "evidence_url",
    "notes",
    "planned_on",
    "waiver_reason",
    "waiver_expires_on",
)
WAIVER_FIELDS = ("waiver_reason", "waiver_expires_on")
AFTER_APPROVAL_RULE = (
    "After approval an infrastructure answer changes in two ways only: it becomes “Yes” "
    "(with evidence), or its waiver is renewed (a new reason and expiry date, approved "
    "again by a portfolio lead)."
)


def _answer_values(
    *,
    answer: str,
    evidence_url: str,
    notes: str,
    planned_on: date | None,
    waiver_reason: str,
    waiver_expires_on: date | None,
) -> dict[str, Any]:
    """The stored shape of an answer: a "yes" has no planned date and no waiver (a "yes"
    ends the waiver); only a "planned" answer has a planned date."""
    values: dict[str, Any] = {
        "answer": answer,
        "evidence_url": evidence_url.strip(),
        "notes": notes.strip(),
        "planned_on": planned_on if answer == InfrastructureAnswerValue.PLANNED else None,
        "waiver_reason": waiver_reason.strip(),
        "waiver_expires_on": waiver_expires_on,
    }
    if answer == InfrastructureAnswerValue.YES:
        values |= {"waiver_reason": "", "waiver_expires_on": None}
    return values


def _answer_check(record: InfrastructureAnswer, values: dict[str, Any], today: date) -> None:
    """Field errors for what the database would refuse, each naming the question."""
    label = InfrastructureItem(record.item).label
    errors: dict[str, str] = {}
    if values["answer"] == InfrastructureAnswerValue.PLANNED and values["planned_on"] is None:
        errors["planned_on"] = f"“{label}” is planned: give the date it will be in place."
    if bool(values["waiver_reason"]) != (values["waiver_expires_on"] is not None):
        missing = "an expiry date" if values["waiver_reason"] else "a reason"
        errors["waiver_expires_on" if values["waiver_reason"] else "waiver_reason"] = (
            f"The waiver for “{label}” needs {missing} too: a waiver is a reason and an "
            "expiry date."
        )
    renewed = any(getattr(record, name) != values[name] for name in WAIVER_FIELDS)
    expires_on = values["waiver_expires_on"]
    if renewed and expires_on is not None and expires_on < today:
        errors["waiver_expires_on"] = (
            f"The waiver for “{label}” would expire on {formats.day(expires_on)}, which has "
            "passed: choose a later day."
        )
    if errors:
        raise ValidationError(errors)


def _answer_write(
    *,
    pilot: Pilot,
    record: InfrastructureAnswer,
    by: User,
    values: dict[str, Any],
    today: date,
    reason: str = "",
) -> InfrastructureAnswer:
    """Write one answer. A new or changed waiver is requested by ``by`` now and waits for
    a lead's approval again; a "yes" ends the waiver. Once approved, a change to the
    answer is a change to the approved contract: it needs a written ``reason``."""
    _answer_check(record, values, today)
    with contract_guarded(pilot=pilot, by=by, reason=reason):
        renewed = any(getattr(record, name) != values[name] for name in WAIVER_FIELDS)
        diff = apply_changes(record, values)
        if renewed:
            waiver = values["waiver_expires_on"] is not None
            diff |= apply_changes(
                record,
                {
                    "waiver_requested_by": by if waiver else None,
                    "waiver_requested_at": timezone.now() if waiver else None,
                    "waiver_approved_by": None,
                    "waiver_approved_at": None,
                },
            )
            # Who and when are said by the event itself; the approval's end is what matters.
            diff.pop("waiver_requested_at", None)
            diff.pop("waiver_requested_by", None)
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
def infrastructure_answer(
    *,
    pilot: Pilot,
    by: User,
    item: InfrastructureItem | str,
    answer: str,
    evidence_url: str = "",
    notes: str = "",
    planned_on: date | None = None,
    waiver_reason: str = "",
    waiver_expires_on: date | None = None,
    today: date | None = None,
    reason: str = "",
) -> InfrastructureAnswer:
    """Answer one question of the production-infrastructure checklist (insert or update).

    "Planned" needs the day it will be in place; "no" and "planned" need a waiver (a
    reason and an expiry date) before submission. A draft may change anything; after
    approval only ``infrastructure_change_after_approval`` writes.
    """
    require_role(by, pilot, EDITORS, "answer its infrastructure checklist")
    lock_in_stage(pilot, Stage.SETUP, "answer its infrastructure checklist")
    fields: dict[str, Any] = {
        "answer": answer,
        "evidence_url": evidence_url,
        "notes": notes,
        "planned_on": planned_on,
        "waiver_reason": waiver_reason,
        "waiver_expires_on": waiver_expires_on,
    }
    if pilot.stage in Stage.IN_FLIGHT:
        return infrastructure_change_after_approval(
            pilot=pilot, by=by, item=item, today=today, reason=reason, **fields
        )
    record = InfrastructureAnswer.objects.filter(pilot=pilot, item=item).first()
    if record is None:
        record = InfrastructureAnswer(pilot=pilot, item=item)
    return _answer_write(
        pilot=pilot,
        record=record,
        by=by,
        values=_answer_values(**fields),
        today=today or timezone.localdate(),
        reason=reason,
    )


@transaction.atomic
def infrastructure_change_after_approval(
    *,
    pilot: Pilot,
    by: User,
    item: InfrastructureItem | str,
    answer: str,
    evidence_url: str = "",
    notes: str = "",
    planned_on: date | None = None,
    waiver_reason: str = "",
    waiver_expires_on: date | None = None,
    today: date | None = None,
    reason: str = "",
) -> InfrastructureAnswer:
    """The one door for infrastructure writes after approval (approved or running).

    Exactly two changes pass: a "no" or "planned" answer becomes "yes" with evidence
    (which ends its waiver), or its waiver is renewed (a new reason and expiry date, and
    for "planned" a new date), which needs a lead's approval again. Anything else is
    refused naming the rule (``AFTER_APPROVAL_RULE``); an answer left as it is, is no
    change at all.
    """
    require_role(by, pilot, EDITORS, "change its infrastructure answers")
    lock_in_stage(pilot, Stage.IN_FLIGHT, "change its infrastructure answers after approval")
    record = InfrastructureAnswer.objects.filter(pilot=pilot, item=item).first()
    label = InfrastructureItem(item).label
    if record is None:
        raise ValidationError(
            {"answer": f"“{label}” was never answered; {AFTER_APPROVAL_RULE}"},
            code="infrastructure_locked",
        )
    values = _answer_values(
        answer=answer,
        evidence_url=evidence_url,
        notes=notes,
        planned_on=planned_on,
        waiver_reason=waiver_reason,
        waiver_expires_on=waiver_expires_on,
    )
    changed = {name for name in ANSWER_FIELDS if getattr(record, name) != values[name]}
    if not changed:
        return record
    now_yes = (
        record.answer != InfrastructureAnswerValue.YES
        and values["answer"] == InfrastructureAnswerValue.YES
    )
    renewal = (
        record.answer != InfrastructureAnswerValue.YES
        and values["answer"] == record.answer
        and bool(changed & set(WAIVER_FIELDS))
        and values["waiver_expires_on"] is not None
    )
    if not (now_yes or renewal):
        raise ValidationError(
            {"answer": f"“{label}”: {AFTER_APPROVAL_RULE}"}, code="infrastructure_locked"
        )
    # A change to the approved contract: it needs a written reason (``contract_guarded``).
    return _answer_write(
        pilot=pilot,
        record=record,
        by=by,
        values=values,
        today=today or timezone.localdate(),
        reason=reason,
    )


@transaction.atomic
def infrastructure_waiver_request(
    *,
    pilot: Pilot,
    by: User,
    item: InfrastructureItem | str,
    reason: str,
    expires_on: date,
    planned_on: date | None = None,
    today: date | None = None,
) -> InfrastructureAnswer:
    """Request (or renew) the waiver of a "no" or "planned" answer, keeping the answer;
    ``planned_on`` moves a "planned" answer's date with it (None keeps it)."""
    require_role(by, pilot, EDITORS, "request an infrastructure waiver")
    lock_in_stage(pilot, Stage.SETUP, "request an infrastructure waiver")
    record = InfrastructureAnswer.objects.filter(pilot=pilot, item=item).first()
    label = InfrastructureItem(item).label
    if record is None or record.answer == InfrastructureAnswerValue.YES:
        raise ValidationError(
            {"item": f"“{label}” is not answered “No” or “Planned”: it needs no waiver."}
        )
    return infrastructure_answer(
        pilot=pilot,
        by=by,
        item=item,
        answer=record.answer,
        evidence_url=record.evidence_url,
        notes=record.notes,
        planned_on=planned_on or record.planned_on,
        waiver_reason=reason,
        waiver_expires_on=expires_on,
        today=today,
        # After approval a renewal changes the approved contract: the waiver's own
        # reason is the written reason for that change.
        reason=reason,
    )


@transaction.atomic
def infrastructure_waiver_approve(
    *, pilot: Pilot, by: User, item: InfrastructureItem | str, today: date | None = None
) -> InfrastructureAnswer:
    """A portfolio lead who neither sponsors nor owns the pilot approves a waiver
    requested or renewed after approval (approval itself approves the others)."""
    lock_pilot(pilot)
    refusal = independent_decision_refusal(pilot_roles(by, pilot), "approve_waiver")
    if refusal:
        raise NotAllowed(refusal)
    today = today or timezone.localdate()
    label = InfrastructureItem(item).label
    if pilot.stage not in Stage.IN_FLIGHT:
        raise ValidationError(
            f"A waiver is approved with the pilot's approval, or later while it is approved "
            f"or running; this pilot is {pilot.get_stage_display().lower()}.",
            code="stage_locked",
        )
    record = InfrastructureAnswer.objects.filter(pilot=pilot, item=item).first()
    if record is None or not record.waiver_pending:
        raise ValidationError({"item": f"“{label}” has no waiver awaiting a lead."})
    assert record.waiver_expires_on is not None  # a pending waiver has its date
    if record.waiver_expires_on < today:
        raise ValidationError(
            {
                "item": f"The waiver for “{label}” expired on "
                f"{formats.day(record.waiver_expires_on)}: the sponsor renews it first."
            }
        )
    return gates.waiver_approve_record(record=record, by=by)


@transaction.atomic
def infrastructure_checklist_update(
    *,
    pilot: Pilot,
    by: User,
    answers: dict[str, dict[str, Any]],
    today: date | None = None,
    reason: str = "",
) -> list[InfrastructureAnswer]:
    """Answer several checklist questions at once: all are saved, or none.

    ``answers`` maps an item to its ``answer``, ``evidence_url``, ``notes`` and, as
    they apply, ``planned_on``, ``waiver_reason`` and ``waiver_expires_on``.
    """
    unknown = set(answers) - set(InfrastructureItem.values)
    if unknown:
        raise ValidationError(f"Unknown checklist items: {', '.join(sorted(unknown))}.")
    saved: list[InfrastructureAnswer] = []
    errors: dict[str, list[ValidationError]] = {}
    for item, fields in answers.items():
        try:
            # Each answer in its own savepoint: every refusal is collected, keyed by
            # its question, and then nothing is kept.
            saved.append(
                infrastructure_answer(
                    pilot=pilot, by=by, item=item, today=today, reason=reason, **fields
                )
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "reason" in error.error_dict:
                raise  # the approved contract's rule: one reason for the whole checklist
            errors[item] = [ValidationError(message) for message in error.messages]
    if errors:
        raise ValidationError(errors)
    return saved


@transaction.atomic
def operating_plan_update(
    *, pilot: Pilot, by: User, reason: str = "", **fields: Any
) -> OperatingPlan:
    """Write the 12-month operating plan (insert or update); once approved, a change
    needs a written ``reason`` (``contract``).

    Naming a budget holder, another one, or changing the run cost asks the holder to
    accept the run cost (again), and tells them at once (``budget``)."""
    require_role(by, pilot, EDITORS, "edit its operating plan")
    lock_in_stage(pilot, Stage.SETUP, "edit its operating plan")
    unknown = set(fields) - set(OperatingPlan.CONTRACT_FIELDS)
    if unknown:
        raise TypeError(f"operating_plan_update() got unexpected fields: {sorted(unknown)}")
    holder = fields.get("budget_holder")
    if holder is not None and not holder.is_active:
        raise ValidationError(
            {"budget_holder": "This account is deactivated: name someone active."}
        )
    plan = OperatingPlan.objects.filter(pilot=pilot).first() or OperatingPlan(pilot=pilot)
    with contract_guarded(pilot=pilot, by=by, reason=reason):
        diff = apply_changes(plan, fields)
        diff.update(budget.budget_answer_reset(plan=plan, diff=diff))
        plan.full_clean()
        plan.save()
        gates.require_complete_registration(pilot)
    if diff:
        event = event_record(
            pilot=pilot,
            actor=by,
            action=PilotEvent.Action.PLAN_CHANGED,
            changes=diff,
            reason=reason.strip(),
        )
        if any(name in diff for name in budget.ASKED_ON):
            budget.budget_ask(event=event, plan=plan)
    return plan
