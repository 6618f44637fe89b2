"""The checkpoint when the handover window opens: a portfolio lead's recorded decision.

``checkpoint_record`` takes one of three choices for a running pilot, from the
lead days before its handover window opens until its planned end:

- **continue**: the handover goes ahead. Allowed only when the handover plan
  exists (at least one knowledge-transfer task) and the receiving side has
  confirmed (operations has accepted the system: ``operations_accept``);
  refused otherwise, naming each missing item.
- **extend**: a later planned end with a written reason, through
  ``pilot_end_extend``, the one function that moves a running pilot's end for an
  extension. The window moves with it, so the checkpoint is due again when the
  new window opens.
- **stop**: through the gate's ``pilot_stop``, with the same rules (rationale and
  lessons learned).

The decider is a portfolio lead who is neither the pilot's sponsor nor its
business owner (``independent_decision_refusal``), as for approval and the
final decision. Whether the checkpoint is due or overdue is ``pilots.rules.checkpoint``.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pilots import rules, timeline
from pilots.enums import CheckpointChoice, Stage
from pilots.errors import MissingItem, NotAllowed, TransitionRefused
from pilots.frame import formats
from pilots.models import CheckpointDecision, Pilot, PilotEvent
from pilots.permissions import independent_decision_refusal, pilot_roles
from pilots.services.access import lock_pilot
from pilots.services.audit import event_record, plain
from pilots.services.contract import contract_guarded
from pilots.services.gates import pilot_stop, stop_lesson
from pilots.services.lessons import LessonWords

ACTION = "record the checkpoint"


def checkpoint_window(pilot: Pilot, *, today: date) -> timeline.Timeline | None:
    """The running pilot's window as the checkpoint sees it (its actual start)."""
    start = pilot.started_on or pilot.planned_start
    if start is None or pilot.planned_end is None or pilot.planned_end < start:
        return None
    return timeline.timeline(
        start=start,
        end=pilot.planned_end,
        today=today,
        lead_days=settings.PILOTGATE_HANDOVER_LEAD_DAYS,
    )


def continue_missing_items(pilot: Pilot) -> list[MissingItem]:
    """What "continue" still needs: a handover plan, and the receiving side's confirmation.

    Reads the pilot's tasks (prefetched by the pilot page, else one query).
    """
    missing: list[MissingItem] = []
    if not pilot.tasks.all():
        missing.append(
            MissingItem(
                "handover_plan",
                "The handover plan has no knowledge-transfer task: the business owner or "
                "sponsor adds them.",
                "handover",
            )
        )
    if pilot.operations_accepted_at is None:
        if pilot.operations_owner_id is not None:
            message = (
                "The operations owner has not accepted the system yet: they confirm it on "
                "the pilot page."
            )
        else:
            team = pilot.receiving_team or "the receiving team"
            message = (
                f"The receiving team ({team}) has not accepted the system yet: a portfolio "
                "lead records its acceptance on the pilot page."
            )
        missing.append(MissingItem("operations_not_accepted", message, "acceptance"))
    return missing


def _require_independent_lead(pilot: Pilot, by: User) -> None:
    lock_pilot(pilot)
    refusal = independent_decision_refusal(pilot_roles(by, pilot), "checkpoint")
    if refusal:
        raise NotAllowed(refusal)


def _stage_items(pilot: Pilot) -> list[MissingItem]:
    if pilot.stage == Stage.RUNNING:
        return []
    return [
        MissingItem(
            "stage",
            f"The pilot is {pilot.get_stage_display().lower()}; only a running pilot has "
            "a checkpoint.",
            "decision",
        )
    ]


def _window_items(pilot: Pilot, today: date) -> tuple[timeline.Timeline | None, list[MissingItem]]:
    if pilot.stage != Stage.RUNNING:
        return None, _stage_items(pilot)
    window = checkpoint_window(pilot, today=today)
    if window is None:  # a running pilot has a start; the registration keeps an end
        return None, [MissingItem("planned_end", "The pilot has no planned end.", "basics")]
    if rules.checkpoint_recordable(stage=pilot.stage, window=window, today=today):
        return window, []
    if today > window.end:
        message = (
            f"The planned end ({formats.day(window.end)}) has passed: the checkpoint is over; "
            "record the final decision (graduate or stop)."
        )
        return window, [MissingItem("pilot_ended", message, "decision")]
    return window, [
        MissingItem(
            "window_not_open",
            f"The handover window opens on {formats.day(window.handover_opens)}; the "
            f"checkpoint may be recorded from {window.lead_days} days before it.",
            "checkpoint",
        )
    ]


def _clean_words(
    *,
    decision: str,
    rationale: str,
    new_end: date | None,
    lessons_learned: str,
    lesson: LessonWords | None,
    end: date | None,
) -> None:
    """Field errors (400): what the lead wrote, before any state is checked."""
    errors: dict[str, str] = {}
    if decision not in CheckpointChoice.values:
        errors["decision"] = "Choose continue, extend or stop."
    if not rationale.strip():
        errors["rationale"] = "Write the reason for this decision."
    if decision == CheckpointChoice.EXTEND:
        if new_end is None:
            errors["new_end"] = "An extension needs the new planned end."
        elif end is not None and new_end <= end:
            errors["new_end"] = (
                f"The new planned end must be after the current one ({formats.day(end)})."
            )
    elif new_end is not None:
        errors["new_end"] = "Only an extension sets a new planned end."
    if decision == CheckpointChoice.STOP and stop_lesson(lessons_learned, lesson).is_blank:
        # The web form asks the structured lesson; the API, the text.
        errors["lessons_learned" if lesson is None else "what_failed"] = (
            "Stopping needs the lessons learned."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def pilot_end_extend(*, pilot: Pilot, by: User, new_end: date, reason: str) -> Pilot:
    """Move a running pilot's planned end later, with a written reason (one audit event).

    The one function that extends a pilot's end: the checkpoint's "extend" calls it.
    The new end is drift against the approved contract, shown until a lead acknowledges.
    """
    _require_independent_lead(pilot, by)
    if pilot.stage != Stage.RUNNING:
        raise TransitionRefused("extend", _stage_items(pilot))
    previous = pilot.planned_end
    if not reason.strip():
        raise ValidationError({"rationale": "Write the reason for the extension."})
    if previous is not None and new_end <= previous:
        raise ValidationError(
            {
                "new_end": "The new planned end must be after the current one "
                f"({formats.day(previous)})."
            }
        )
    # A change to the approved contract: recorded as drift against the approved version
    # (``CONTRACT_CHANGED`` until a lead acknowledges it), with this reason.
    with contract_guarded(pilot=pilot, by=by, reason=reason):
        pilot.planned_end = new_end
        pilot.full_clean()
        pilot.save(update_fields=["planned_end", "updated_at"])
    event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.UPDATED,
        subject="Planned end extended",
        changes={"planned_end": [plain(previous), plain(new_end)]},
        reason=reason.strip(),
    )
    return pilot


@transaction.atomic
def checkpoint_record(
    *,
    pilot: Pilot,
    by: User,
    decision: str,
    rationale: str,
    new_end: date | None = None,
    lessons_learned: str = "",
    lesson: LessonWords | None = None,
    today: date | None = None,
) -> CheckpointDecision:
    """A lead's checkpoint decision (continue, extend or stop) for the pilot's current window.

    403 (``NotAllowed``) unless an independent portfolio lead; ``ValidationError``
    for what was written (field errors); ``TransitionRefused`` naming every
    missing item when the stage, the window or continue's conditions forbid it.
    """
    today = today or timezone.localdate()
    _require_independent_lead(pilot, by)
    _clean_words(
        decision=decision,
        rationale=rationale,
        new_end=new_end,
        lessons_learned=lessons_learned,
        lesson=lesson,
        end=pilot.planned_end,
    )
    window, missing = _window_items(pilot, today)
    if not missing and window is not None and decision == CheckpointChoice.CONTINUE:
        latest = pilot.checkpoints.order_by("-decided_at", "-pk").first()
        if (
            latest is not None
            and latest.decision == CheckpointChoice.CONTINUE
            and latest.window_opened_on == window.handover_opens
        ):
            by_whom = latest.decided_by.get_full_name() or latest.decided_by.get_username()
            on = formats.day(timezone.localdate(latest.decided_at))
            missing.append(
                MissingItem(
                    "already_continued",
                    f"{by_whom} already decided to continue on {on}, for this window.",
                    "checkpoint",
                )
            )
        missing += continue_missing_items(pilot)
    if missing or window is None:
        raise TransitionRefused(ACTION, missing)

    previous_end = window.end
    if decision == CheckpointChoice.EXTEND and new_end is not None:
        pilot_end_extend(pilot=pilot, by=by, new_end=new_end, reason=rationale)
    elif decision == CheckpointChoice.STOP:
        # Records the stop's lesson in the library too (``pilot_stop``).
        pilot_stop(
            pilot=pilot, by=by, rationale=rationale, lessons_learned=lessons_learned, lesson=lesson
        )
    recorded = CheckpointDecision(
        pilot=pilot,
        decision=decision,
        rationale=rationale.strip(),
        window_opened_on=window.handover_opens,
        previous_end=previous_end,
        new_end=new_end if decision == CheckpointChoice.EXTEND else None,
        decided_by=by,
    )
    recorded.full_clean()
    recorded.save()
    changes: dict[str, list[object]] = {"decision": [None, decision]}
    if recorded.new_end is not None:
        changes["planned_end"] = [plain(previous_end), plain(recorded.new_end)]
    event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.CHECKPOINT_DECIDED,
        subject=f"Checkpoint: {CheckpointChoice(decision).label.lower()} (window opened "
        f"{formats.day(window.handover_opens)})",
        changes=changes,
        reason=rationale.strip(),
    )
    return recorded
