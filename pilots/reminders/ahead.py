"""Reminders before a date, not only after it, and the gate's time limit.

A task due soon, a pilot's end near, its target date near, a planned start passed
without a start, a pilot left waiting for its gate decision. Registered in
``pilots.reminders.rules.KINDS``; each finder narrows with one query and asks
``pilots.rules`` whether each candidate is due.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from pilots import rules
from pilots.enums import Direction, MetricKind, OwnershipStatus, ReminderKind, Stage, TaskStatus
from pilots.frame import formats
from pilots.frame.formats import plural
from pilots.models import GateDecision, KnowledgeTransferTask, Metric, MetricReading, Pilot
from pilots.reminders.due import LOCAL, Due, Sweep


def when(days: int) -> str:
    """How far ahead a day is, in a reminder's words."""
    if days == 0:
        return "today"
    return "tomorrow" if days == 1 else f"in {days} days"


def tasks_due_soon(sweep: Sweep) -> list[Due]:
    """Tasks still the giver's due within the due-soon days: to the assignee, one reminder
    per pilot naming the soonest."""
    day = sweep.day
    rows = (
        sweep.scope(KnowledgeTransferTask.objects.all(), "pilot_id")
        .filter(
            pilot__stage__in=Stage.IN_FLIGHT,
            status__in=TaskStatus.OPEN,
            due_on__gte=day,
            due_on__lte=day + timedelta(days=sweep.rules.due_soon_days),
        )
        .values_list("pilot_id", "pilot__reference", "assignee_id", "title", "status", "due_on")
        .order_by("pilot_id", "due_on", "pk")
    )
    # (pilot, assignee) -> (reference, [(title, due_on), ...]), soonest first.
    soon: dict[tuple[int, int], tuple[str, list[tuple[str, date]]]] = {}
    for pilot, reference, assignee, title, status, due_on in rows:
        if rules.task_due_soon(status=status, due_on=due_on, today=day, rules=sweep.rules):
            soon.setdefault((pilot, assignee), (reference, []))[1].append((title, due_on))
    due = []
    for (pilot, assignee), (reference, tasks) in soon.items():
        title, due_on = tasks[0]
        more = f" ({plural(len(tasks), 'task')} due soon)" if len(tasks) > 1 else ""
        due.append(
            Due(
                pilot,
                ReminderKind.TASK_DUE_SOON,
                assignee,
                f"Your knowledge-transfer task “{title[:80]}” of {reference} is due "
                f"{when((due_on - day).days)} ({formats.day(due_on)}){more}.",
                "Finish it and add its evidence, or agree a new due date with the business owner.",
                sweep.links.detail(reference, "handover"),
            )
        )
    return due


def pilot_ending(sweep: Sweep) -> list[Due]:
    """A running pilot's planned end within the ending days: to the sponsor and the
    business owner (once accepted), to prepare the final decision."""
    day = sweep.day
    rows = (
        sweep.scope(Pilot.objects.all(), "pk")
        .filter(
            stage=Stage.RUNNING,
            planned_end__gte=day,
            planned_end__lte=day + timedelta(days=sweep.rules.ending_days),
        )
        .values_list(
            "pk", "reference", "stage", "planned_end", "sponsor_id", "owner_id", "owner_status"
        )
        .order_by("pk")
    )
    due = []
    for pk, reference, stage, end, sponsor, owner, owner_status in rows:
        if not rules.pilot_ending(stage=stage, planned_end=end, today=day, rules=sweep.rules):
            continue
        reason = (
            f"{reference} ends {when((end - day).days)} ({formats.day(end)}): "
            "the graduate or stop decision is due then."
        )
        accepted = owner if owner_status == OwnershipStatus.ACCEPTED else None
        for recipient in dict.fromkeys(r for r in (sponsor, accepted) if r is not None):
            due.append(
                Due(
                    pk,
                    ReminderKind.PILOT_ENDING,
                    recipient,
                    reason,
                    "Prepare the decision: finish the handover and operations' acceptance to "
                    "graduate it, or write the lessons to stop it; or extend it with a reason.",
                    sweep.links.detail(reference, "decision"),
                )
            )
    return due


def target_date_near(sweep: Sweep) -> list[Due]:
    """The primary metric's target date within the target-date days, the target not
    reached by its latest reading: to the business owner of the running pilot."""
    day = sweep.day
    latest = MetricReading.objects.filter(metric=OuterRef("pk")).order_by("-observed_on")
    rows = (
        sweep.scope(Metric.objects.all(), "pilot_id")
        .filter(
            kind=MetricKind.PRIMARY,
            pilot__stage=Stage.RUNNING,
            pilot__owner_status=OwnershipStatus.ACCEPTED,
            target_date__gte=day,
            target_date__lte=day + timedelta(days=sweep.rules.target_date_days),
        )
        .exclude(direction="")
        .annotate(last_value=Subquery(latest.values("value")[:1]))
        .values_list(
            "pilot_id",
            "pilot__reference",
            "pilot__stage",
            "pilot__owner_id",
            "name",
            "unit",
            "direction",
            "target",
            "target_date",
            "last_value",
        )
        .order_by("pilot_id")
    )
    due = []
    for pilot, reference, stage, owner, name, unit, direction, target, target_date, last in rows:
        if not rules.target_date_near(
            stage=stage,
            target_date=target_date,
            increasing=direction == Direction.INCREASE,
            target=target,
            latest_value=last,
            today=day,
            rules=sweep.rules,
        ):
            continue
        now = (
            f"the latest reading is {formats.quantity(last, unit)}"
            if last is not None
            else ("it has no reading yet")
        )
        due.append(
            Due(
                pilot,
                ReminderKind.TARGET_DATE_NEAR,
                owner,
                f"The primary metric “{name[:80]}” of {reference} should reach "
                f"{formats.quantity(target, unit)} {when((target_date - day).days)} "
                f"({formats.day(target_date)}); {now}.",
                "Record the latest reading, and tell the sponsor now if the target will be missed.",
                sweep.links.detail(reference, "metrics"),
            )
        )
    return due


def start_overdue(sweep: Sweep) -> list[Due]:
    """An approved pilot past its planned start (+ grace), not started: to the sponsor."""
    day = sweep.day
    rows = (
        sweep.scope(Pilot.objects.all(), "pk")
        .filter(
            stage=Stage.APPROVED,
            planned_start__lt=rules.start_overdue_if_planned_before(today=day, rules=sweep.rules),
            planned_end__gte=rules.decision_overdue_if_end_before(today=day, rules=sweep.rules),
        )
        .values_list("pk", "reference", "stage", "planned_start", "planned_end", "sponsor_id")
        .order_by("pk")
    )
    return [
        Due(
            pk,
            ReminderKind.START_OVERDUE,
            sponsor,
            f"{reference} was planned to start on {formats.day(start)} "
            f"({plural((day - start).days, 'day')} ago) and has not started.",
            "Start it now, or move the planned start (a change to the approved contract, "
            "with its reason).",
            sweep.links.detail(reference, "decision"),
        )
        for pk, reference, stage, start, end, sponsor in rows
        if rules.start_overdue(
            stage=stage, planned_start=start, planned_end=end, today=day, rules=sweep.rules
        )
    ]


def review_overdue(sweep: Sweep) -> list[Due]:
    """A pilot waiting for its gate decision more than the review days: to the portfolio
    leads who may decide it (not its sponsor or business owner, accepted or nominated).

    The query keeps the proposed pilots with their latest submission before the
    cutoff's local midnight; ``rules.review_overdue`` decides on its local day.
    """
    day = sweep.day
    cutoff = sweep.local_midnight(
        rules.review_overdue_if_submitted_before(today=day, rules=sweep.rules)
    )
    submitted = (
        GateDecision.objects.filter(pilot=OuterRef("pk"), to_stage=Stage.PROPOSED)
        .order_by("-decided_at")
        .values("decided_at")[:1]
    )
    rows = (
        sweep.scope(Pilot.objects.all(), "pk")
        .filter(stage=Stage.PROPOSED)
        .annotate(submitted_at=Subquery(submitted))
        .filter(submitted_at__lt=cutoff)
        .values_list(
            "pk", "reference", "stage", "submitted_at", "sponsor_id", "owner_id", "owner_status"
        )
        .order_by("pk")
    )
    due = []
    for pk, reference, stage, submitted_at, sponsor, owner, owner_status in rows:
        submitted_on = timezone.localdate(submitted_at, LOCAL())
        if not rules.review_overdue(
            stage=stage, submitted_on=submitted_on, today=day, rules=sweep.rules
        ):
            continue
        reason = (
            f"{reference} was submitted for review on {formats.day(submitted_on)} and has "
            f"waited {plural((day - submitted_on).days, 'day')} for a gate decision."
        )
        for recipient in sweep.deciding_leads(
            sponsor=sponsor, owner=owner, owner_status=owner_status
        ):
            due.append(
                Due(
                    pk,
                    ReminderKind.REVIEW_OVERDUE,
                    recipient,
                    reason,
                    "Review it: approve it with a rationale once its owner has accepted, "
                    "or reject it with what to fix.",
                    sweep.links.detail(reference, "decision"),
                )
            )
    return due
