"""The stage machine: the only code that changes ``Pilot.stage``.

``draft → proposed → approved → running → graduated | stopped``, with
``proposed → draft`` on rejection. Every transition locks the pilot row,
checks *all* its conditions, and either raises one ``TransitionRefused``
naming every missing item or writes the new stage and its ``GateDecision``
(who, when, from, to, why) in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field
from django.utils import timezone

from pilots import rules
from pilots.enums import (
    InfrastructureAnswerValue,
    InfrastructureItem,
    MetricKind,
    OwnershipStatus,
    ReminderKind,
    Stage,
    TaskStatus,
)
from pilots.errors import MissingItem, NotAllowed, TransitionRefused
from pilots.frame import formats
from pilots.models import (
    GateDecision,
    InfrastructureAnswer,
    Metric,
    OperatingPlan,
    Pilot,
    PilotEvent,
)
from pilots.permissions import (
    EDITORS,
    STARTERS,
    independent_decision_refusal,
    pilot_roles,
)
from pilots.services import contract
from pilots.services.access import lock_pilot, require_role
from pilots.services.audit import apply_changes, event_record, plain
from pilots.services.notifications import event_notify, pilot_people, portfolio_lead_ids


def _stage_item(pilot: Pilot, action: str) -> list[MissingItem]:
    sources = TRANSITIONS[action].sources
    if pilot.stage in sources:
        return []
    allowed = " or ".join(sorted(Stage(s).label.lower() for s in sources))
    return [
        MissingItem(
            "stage",
            f"The pilot is {pilot.get_stage_display().lower()}; only a {allowed} pilot can be "
            f"{TRANSITIONS[action].done}.",
            "decision",
        )
    ]


def _text_item(text: str, code: str, message: str) -> list[MissingItem]:
    return [] if text.strip() else [MissingItem(code, message, "decision")]


def _owner_accepted_item(pilot: Pilot) -> list[MissingItem]:
    if pilot.owner_status == OwnershipStatus.ACCEPTED:
        return []
    message = {
        OwnershipStatus.NONE: "No business owner is nominated.",
        OwnershipStatus.PENDING: "The nominated business owner has not accepted ownership yet.",
        OwnershipStatus.DECLINED: "The nominated business owner declined: nominate another.",
    }[OwnershipStatus(pilot.owner_status)]
    return [MissingItem("owner_not_accepted", message, "owner")]


def submission_missing_items(pilot: Pilot) -> list[MissingItem]:
    """Everything a draft still lacks before it may be submitted for review (a read)."""
    missing: list[MissingItem] = []
    if not pilot.planned_start:
        missing.append(MissingItem("planned_start", "Set the planned start date.", "basics"))
    if not pilot.planned_end:
        missing.append(MissingItem("planned_end", "Set the planned end date.", "basics"))

    primary = next((m for m in pilot.metrics.all() if m.kind == MetricKind.PRIMARY), None)
    if primary is None:
        missing.append(
            MissingItem("primary_metric", "Define the primary business metric.", "metric")
        )
    else:
        for field in ("unit", "direction", "baseline", "target", "target_date"):
            if getattr(primary, field) in (None, ""):
                # A concrete field of Metric, never a reverse relation.
                label = cast("Field[Any, Any]", primary._meta.get_field(field)).verbose_name
                missing.append(
                    MissingItem(
                        f"primary_metric_{field}",
                        f"The primary business metric has no {label}.",
                        "metric",
                    )
                )
        if (
            primary.target_date
            and pilot.planned_start
            and primary.target_date <= pilot.planned_start
        ):
            missing.append(
                MissingItem(
                    "primary_metric_target_date",
                    "The primary metric's target date must be after the planned start.",
                    "metric",
                )
            )

    missing += provenance_missing_items(pilot)
    missing += segment_missing_items(pilot, primary)

    if pilot.owner_status in (OwnershipStatus.NONE, OwnershipStatus.DECLINED):
        missing.append(
            MissingItem(
                "owner",
                "Nominate a business owner."
                if pilot.owner_status == OwnershipStatus.NONE
                else "The nominated business owner declined: nominate another.",
                "owner",
            )
        )
    if pilot.operations_owner_id is None and not pilot.receiving_team.strip():
        missing.append(
            MissingItem(
                "operations",
                "Name the operations owner or the receiving team.",
                "operations",
            )
        )

    answered = {answer.item for answer in pilot.infrastructure.all()}
    for item in InfrastructureItem:
        if item.value not in answered:
            missing.append(
                MissingItem(
                    f"infrastructure_{item.value}",
                    f"Answer the infrastructure question: {item.label}.",
                    "infrastructure",
                )
            )
    missing += waiver_missing_items(pilot)

    try:
        plan: OperatingPlan | None = pilot.operating_plan
    except OperatingPlan.DoesNotExist:
        plan = None
    if plan is None:
        missing.append(MissingItem("operating_plan", "Write the 12-month operating plan.", "plan"))
    else:
        for label in plan.missing_fields():
            missing.append(
                MissingItem(
                    "operating_plan_incomplete",
                    f"The 12-month operating plan has no {label}.",
                    "plan",
                )
            )
    return missing


def _move(
    *,
    pilot: Pilot,
    by: User,
    to: Stage,
    rationale: str,
    lessons_learned: str = "",
    at: datetime | None = None,
) -> GateDecision:
    from_stage = pilot.stage
    pilot.stage = to
    pilot.save(update_fields=["stage", "started_on", "updated_at"])
    decision = GateDecision(
        pilot=pilot,
        decided_by=by,
        from_stage=from_stage,
        to_stage=to,
        rationale=rationale.strip(),
        lessons_learned=lessons_learned.strip(),
        decided_at=at or timezone.now(),
    )
    decision.full_clean()
    decision.save()
    event = event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.STAGE_CHANGED,
        subject=f"{Stage(from_stage).label} → {to.label}",
        changes={"stage": [from_stage, to.value]}
        # Starting dates the start: the one other value a gate writes.
        | ({"started_on": [None, plain(pilot.started_on)]} if to == Stage.RUNNING else {}),
        reason=rationale.strip(),
    )
    if to == Stage.PROPOSED:
        event_notify(event=event, kind=ReminderKind.PILOT_SUBMITTED, to=portfolio_lead_ids())
    else:
        event_notify(event=event, kind=STAGE_NOTICES[to], to=pilot_people(pilot))
    return decision


# What a move to each stage tells the pilot's people (a submission tells the leads).
STAGE_NOTICES = {
    Stage.DRAFT: ReminderKind.PILOT_REJECTED,
    Stage.APPROVED: ReminderKind.PILOT_APPROVED,
    Stage.RUNNING: ReminderKind.PILOT_STARTED,
    Stage.GRADUATED: ReminderKind.PILOT_GRADUATED,
    Stage.STOPPED: ReminderKind.PILOT_STOPPED,
}


PROVENANCE_ASKS = {
    "baseline_measured_on": "say when the baseline was measured",
    "baseline_method": "say how the baseline was measured",
    "baseline_source": "say which system or report the baseline came from",
}


def provenance_missing_items(pilot: Pilot) -> list[MissingItem]:
    """The primary metric, and every other metric with a baseline, says where it came from."""
    missing: list[MissingItem] = []
    for metric in sorted(pilot.metrics.all(), key=lambda m: (m.kind != MetricKind.PRIMARY, m.name)):
        primary = metric.kind == MetricKind.PRIMARY
        if not primary and metric.baseline is None:
            continue
        name = f"{'Primary metric' if primary else 'Metric'} “{metric.name}”"
        for field, ask in PROVENANCE_ASKS.items():
            if getattr(metric, field) in (None, ""):
                missing.append(MissingItem(f"{field}_missing", f"{name}: {ask}.", "metric"))
        measured = metric.baseline_measured_on
        if measured and pilot.planned_start and measured > pilot.planned_start:
            missing.append(
                MissingItem(
                    "baseline_measured_on_after_start",
                    f"{name}: the baseline was measured on {formats.day(measured)}, after the "
                    f"planned start ({formats.day(pilot.planned_start)}); a baseline is "
                    "measured before the pilot.",
                    "metric",
                )
            )
    return missing


def segment_missing_items(pilot: Pilot, primary: Metric | None) -> list[MissingItem]:
    """A critical-segment metric, when the portfolio's policy asks for one
    (``PILOTGATE_SEGMENT_METRIC_REQUIRED``; ``rules.segment_metric_required``)."""
    policy = settings.PILOTGATE_SEGMENT_METRIC_REQUIRED
    unit = primary.unit if primary is not None else None
    if not rules.segment_metric_required(policy=policy, primary_unit=unit):
        return []
    if any(metric.kind == MetricKind.CRITICAL_SEGMENT for metric in pilot.metrics.all()):
        return []
    why = (
        f"the primary metric is a rate or a share (“{unit}”), and an overall rate can hide "
        "a segment that fails"
        if policy == "rates"
        else "this portfolio asks every pilot for one"
    )
    return [
        MissingItem(
            "segment_metric",
            f"Define at least one critical-segment metric (the cases where the value lives, "
            f"e.g. “P1 incidents routed within 15 minutes”): {why}.",
            "metric",
        )
    ]


# Pilots submitted before the provenance rule existed may lack it: an edit past the
# draft does not have to supply it (approval and start still ask for it).
def waiver_missing_items(pilot: Pilot) -> list[MissingItem]:
    """Each "no" or "planned" infrastructure answer needs a dated waiver that lasts at
    least until the planned start: one item per infrastructure question, naming it."""
    missing: list[MissingItem] = []
    for answer in sorted(pilot.infrastructure.all(), key=lambda a: a.item):
        if answer.answer == InfrastructureAnswerValue.YES:
            continue
        label = answer.get_item_display()
        if not answer.has_waiver:
            missing.append(
                MissingItem(
                    f"infrastructure_{answer.item}_waiver",
                    f"“{label}” is “{answer.get_answer_display()}” without a waiver: give a "
                    "reason and an expiry date.",
                    "infrastructure",
                )
            )
        elif (
            pilot.planned_start
            and answer.waiver_expires_on
            and answer.waiver_expires_on < pilot.planned_start
        ):
            missing.append(
                MissingItem(
                    f"infrastructure_{answer.item}_waiver_expiry",
                    f"The waiver for “{label}” expires on {formats.day(answer.waiver_expires_on)}, "
                    f"before the planned start ({formats.day(pilot.planned_start)}): give a later "
                    "expiry date, or put it in place.",
                    "infrastructure",
                )
            )
    return missing


def _waivers_expired_items(pilot: Pilot, today: date) -> list[MissingItem]:
    """A waiver that ran out before the lead's decision cannot be approved with it."""
    return [
        MissingItem(
            f"infrastructure_{answer.item}_waiver_expired",
            f"The waiver for “{answer.get_item_display()}” expired on "
            f"{formats.day(answer.waiver_expires_on)}: reject the pilot so the sponsor renews "
            "it (or puts the item in place).",
            "infrastructure",
        )
        for answer in sorted(pilot.infrastructure.all(), key=lambda a: a.item)
        if answer.answer != InfrastructureAnswerValue.YES
        and answer.waiver_expires_on is not None
        and answer.waiver_expires_on < today
    ]


def waiver_approve_record(*, record: InfrastructureAnswer, by: User) -> InfrastructureAnswer:
    """Mark one requested waiver approved by ``by`` and record it (inside the caller's
    transaction, after the caller checked the lead's independence)."""
    diff = apply_changes(record, {"waiver_approved_by": by, "waiver_approved_at": timezone.now()})
    record.full_clean()
    record.save(update_fields=["waiver_approved_by", "waiver_approved_at"])
    event_record(
        pilot=record.pilot,
        actor=by,
        action=PilotEvent.Action.WAIVER_APPROVED,
        subject=record.get_item_display(),
        changes=diff
        | {
            "waiver_reason": [None, record.waiver_reason],
            "waiver_expires_on": [None, plain(record.waiver_expires_on)],
        },
    )
    return record


# Pilots submitted before a rule existed may lack what it asks (provenance, waivers, a
# critical-segment metric under the policy): an edit past the draft does not have to
# supply it (approval and start still ask for it).
_WAIVER_SUFFIXES = ("_waiver", "_waiver_expiry")
_GRANDFATHERED_CODES = frozenset(
    {
        *(f"{field}_missing" for field in PROVENANCE_ASKS),
        "baseline_measured_on_after_start",
        *(
            f"infrastructure_{item}{suffix}"
            for item in InfrastructureItem.values
            for suffix in _WAIVER_SUFFIXES
        ),
        "segment_metric",
    }
)


def require_complete_registration(pilot: Pilot) -> None:
    """Past draft, an edit may not undo what the submission gate checked.

    Called by the editing services after they save, inside their transaction:
    the ValidationError rolls the edit back.
    """
    if pilot.stage == Stage.DRAFT:
        return
    missing = [
        item for item in submission_missing_items(pilot) if item.code not in _GRANDFATHERED_CODES
    ]
    if missing:
        raise ValidationError(
            [
                ValidationError(
                    f"The pilot is {pilot.get_stage_display().lower()}: its registration must "
                    f"stay complete. {item.message}",
                    code=item.code,
                )
                for item in missing
            ]
        )


def _refuse_if(action: str, missing: list[MissingItem]) -> None:
    if missing:
        raise TransitionRefused(action, missing)


@transaction.atomic
def pilot_submit(*, pilot: Pilot, by: User) -> GateDecision:
    """draft → proposed, once the registration is complete."""
    require_role(by, pilot, EDITORS, "submit it for review")
    lock_pilot(pilot)
    missing = _stage_item(pilot, "submit")
    if not missing:
        missing = submission_missing_items(pilot)
    _refuse_if("submit", missing)
    return _move(pilot=pilot, by=by, to=Stage.PROPOSED, rationale="Submitted for review.")


def _require_independent_lead(pilot: Pilot, by: User, decision: str) -> None:
    """Lock the pilot, then refuse unless ``by`` is a lead who neither sponsors nor owns it.

    Checked on the locked row: a nomination that lands meanwhile counts.
    """
    lock_pilot(pilot)
    refusal = independent_decision_refusal(pilot_roles(by, pilot), decision)
    if refusal:
        raise NotAllowed(refusal)


@transaction.atomic
def pilot_approve(
    *, pilot: Pilot, by: User, rationale: str, today: date | None = None
) -> GateDecision:
    """proposed → approved: a portfolio lead, with a rationale, once ownership is accepted."""
    _require_independent_lead(pilot, by, "approve")
    missing = _stage_item(pilot, "approve")
    if not missing:
        missing = (
            submission_missing_items(pilot)
            + _owner_accepted_item(pilot)
            + _waivers_expired_items(pilot, today or timezone.localdate())
        )
    missing += _text_item(rationale, "rationale", "Write the rationale for approving.")
    _refuse_if("approve", missing)
    decision = _move(pilot=pilot, by=by, to=Stage.APPROVED, rationale=rationale)
    # Approving the pilot approves the waivers it was submitted with (the approve form
    # lists them): after approval no waiver of the approved contract awaits a lead.
    for record in pilot.infrastructure.all():
        if record.waiver_pending:
            waiver_approve_record(record=record, by=by)
    # What the lead approved, frozen (waivers approved included): every later change
    # needs a reason (``contract``).
    contract.snapshot_take(pilot=pilot, by=by)
    return decision


@transaction.atomic
def pilot_reject(*, pilot: Pilot, by: User, reason: str) -> GateDecision:
    """proposed → draft, with the reason, so the sponsor can fix and resubmit."""
    _require_independent_lead(pilot, by, "reject")
    missing = _stage_item(pilot, "reject")
    missing += _text_item(reason, "rationale", "Write the reason for rejecting.")
    _refuse_if("reject", missing)
    return _move(pilot=pilot, by=by, to=Stage.DRAFT, rationale=reason)


@transaction.atomic
def pilot_start(
    *, pilot: Pilot, by: User, note: str = "", today: date | None = None
) -> GateDecision:
    """approved → running, on or after the planned start, with ownership still accepted."""
    require_role(by, pilot, STARTERS, "start it")
    today = today or timezone.localdate()
    lock_pilot(pilot)
    missing = _stage_item(pilot, "start")
    if not missing:
        missing += submission_missing_items(pilot)
        if pilot.planned_end and today > pilot.planned_end:
            missing.append(
                MissingItem(
                    "after_planned_end",
                    f"The planned end was {formats.day(pilot.planned_end)}; move the end date "
                    "before starting.",
                    "basics",
                )
            )
        if pilot.planned_start and today < pilot.planned_start:
            missing.append(
                MissingItem(
                    "before_planned_start",
                    f"The planned start is {formats.day(pilot.planned_start)}; "
                    f"a pilot cannot start before it.",
                    "basics",
                )
            )
        missing += _owner_accepted_item(pilot)
    _refuse_if("start", missing)
    pilot.started_on = today
    return _move(
        pilot=pilot,
        by=by,
        to=Stage.RUNNING,
        rationale=note.strip() or f"Started on {formats.day(today)}.",
    )


@transaction.atomic
def pilot_graduate(
    *, pilot: Pilot, by: User, rationale: str, at: datetime | None = None
) -> GateDecision:
    """running → graduated ("in production"): every handover task confirmed by its
    receiver, and operations accepted. ``at``: when it was decided, if not now (history
    recorded after the fact: the demo's graduations months ago)."""
    _require_independent_lead(pilot, by, "graduate")
    missing = _stage_item(pilot, "graduate")
    if not missing:
        tasks = list(pilot.tasks.all())
        if not tasks:
            missing.append(
                MissingItem(
                    "handover_plan", "The handover plan has no knowledge-transfer task.", "handover"
                )
            )
        for task in tasks:
            if task.status == TaskStatus.WAITING:
                missing.append(
                    MissingItem(
                        "task_unconfirmed",
                        f"Knowledge-transfer task waiting for its receiver's confirmation: "
                        f"{task.title}.",
                        "handover",
                    )
                )
            elif task.status != TaskStatus.DONE:
                missing.append(
                    MissingItem(
                        "task_open",
                        f"Knowledge-transfer task not completed: {task.title}.",
                        "handover",
                    )
                )
        if pilot.operations_accepted_at is None:
            missing.append(
                MissingItem(
                    "operations_not_accepted",
                    "Operations has not accepted the system yet.",
                    "acceptance",
                )
            )
    missing += _text_item(rationale, "rationale", "Write the rationale for graduating.")
    _refuse_if("graduate", missing)
    return _move(pilot=pilot, by=by, to=Stage.GRADUATED, rationale=rationale, at=at)


@transaction.atomic
def pilot_stop(*, pilot: Pilot, by: User, rationale: str, lessons_learned: str) -> GateDecision:
    """approved | running → stopped: a legitimate outcome, with lessons learned in writing."""
    _require_independent_lead(pilot, by, "stop")
    missing = _stage_item(pilot, "stop")
    missing += _text_item(rationale, "rationale", "Write why the pilot is stopped.")
    missing += _text_item(lessons_learned, "lessons_learned", "Write the lessons learned.")
    _refuse_if("stop", missing)
    return _move(
        pilot=pilot, by=by, to=Stage.STOPPED, rationale=rationale, lessons_learned=lessons_learned
    )


# --- The transitions table ---------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """What a person writes with a decision: the web form, the admin form or the API body."""

    rationale: str = ""
    lessons_learned: str = ""


@dataclass(frozen=True)
class Transition:
    """One gate transition, as every door shows and runs it (web, admin, API)."""

    name: str
    sources: frozenset[str]
    to: Stage
    label: str  # a button's or a choice's words
    done: str  # past tense: "approved"
    outcome: str  # what the pilot is after it: "sent back to the sponsor as a draft"
    words: str  # the API's name for the rationale: rationale, reason or note
    run: Callable[[Pilot, User, Words], GateDecision]


def _table(*transitions: Transition) -> dict[str, Transition]:
    return {transition.name: transition for transition in transitions}


TRANSITIONS = _table(
    Transition(
        "submit",
        frozenset({Stage.DRAFT}),
        Stage.PROPOSED,
        "Submit for review",
        "submitted",
        "submitted for review",
        "",
        lambda pilot, by, words: pilot_submit(pilot=pilot, by=by),
    ),
    Transition(
        "approve",
        frozenset({Stage.PROPOSED}),
        Stage.APPROVED,
        "Approve",
        "approved",
        "approved",
        "rationale",
        lambda pilot, by, words: pilot_approve(pilot=pilot, by=by, rationale=words.rationale),
    ),
    Transition(
        "reject",
        frozenset({Stage.PROPOSED}),
        Stage.DRAFT,
        "Reject",
        "rejected",
        "sent back to the sponsor as a draft",
        "reason",
        lambda pilot, by, words: pilot_reject(pilot=pilot, by=by, reason=words.rationale),
    ),
    Transition(
        "start",
        frozenset({Stage.APPROVED}),
        Stage.RUNNING,
        "Start the pilot",
        "started",
        "started",
        "note",
        lambda pilot, by, words: pilot_start(pilot=pilot, by=by, note=words.rationale),
    ),
    Transition(
        "graduate",
        frozenset({Stage.RUNNING}),
        Stage.GRADUATED,
        "Graduate to production",
        "graduated",
        "recorded as graduated to production",
        "rationale",
        lambda pilot, by, words: pilot_graduate(pilot=pilot, by=by, rationale=words.rationale),
    ),
    Transition(
        "stop",
        frozenset(Stage.IN_FLIGHT),
        Stage.STOPPED,
        "Stop the pilot",
        "stopped",
        "recorded as stopped",
        "rationale",
        lambda pilot, by, words: pilot_stop(
            pilot=pilot, by=by, rationale=words.rationale, lessons_learned=words.lessons_learned
        ),
    ),
)
