"""A user's calendar: the dates of the pilots they are on, and of the decisions theirs to take.

What each item is, and for whom (the roles are ``pilots.permissions``'; the
dates come from ``pilots.timeline`` and ``pilots.rules``, as the pilot page
and the reminders have them):

=====================  ==========================================  ======================
item                   when (all-day)                              to
=====================  ==========================================  ======================
handover window        the window's first day to the planned end   sponsor, business
                       (approved or running)                       owner, operations
                                                                   owner, team members
planned end            the planned end (approved or running)       the same
planned start          the planned start (approved)                sponsor, business owner
nomination             the day the unanswered nomination is        the nominee
                       chased (``rules.ownership_reminded_on``)
hand over a task       its due date (to do, in progress)           its giver (assignee)
receive a task         its due date (not done yet; "confirm        its receiver
                       receipt" once the giver completed it)       (``task_receiver_refusal``)
gate decision          the last day within the gate's time limit    independent leads
                       (``rules.review_due_by``: the submission +
                       the review days), else the planned start
checkpoint             its deadline (running, undecided)           independent leads
final decision         the end + grace (``rules.decision_due_by``) independent leads
=====================  ==========================================  ======================

Independent leads are the portfolio leads who neither sponsor nor own the
pilot: those who may take its decisions. Closed pilots have no dates left.
Five queries whatever the number of pilots and tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from pilots import rules, timeline
from pilots.enums import BudgetStatus, Stage, TaskStatus
from pilots.frame import formats
from pilots.links import PilotLinks
from pilots.models import (
    CheckpointDecision,
    GateDecision,
    KnowledgeTransferTask,
    Pilot,
    PilotMembership,
)
from pilots.permissions import (
    Role,
    is_independent_lead,
    is_portfolio_lead,
    own_pilots_filter,
    pilot_roles,
    task_receiver_refusal,
)
from pilots.selectors.pilots import rule_settings

# The roles that put a pilot's own dates (its window, its end) in someone's calendar.
ON_THE_PILOT = frozenset({Role.SPONSOR, Role.OWNER, Role.OPERATIONS, Role.MEMBER})
STARTERS = frozenset({Role.SPONSOR, Role.OWNER})


@dataclass(frozen=True)
class CalendarItem:
    """One all-day entry. ``key`` is stable for the thing it is about (a pilot's window,
    a task), so a calendar app updates the entry when its date or words change."""

    key: str
    first_day: date
    last_day: date  # inclusive
    summary: str  # what to do, and on which pilot
    description: str
    link: str  # the site's path (and anchor) where it is done


def _summary(what: str, pilot: Pilot) -> str:
    """What to do, then which pilot: ``Hand over “Runbook” · PIL-0042 Claims triage``."""
    return f"{what} · {pilot.reference} {pilot.title}"


def calendar_items(user: User, *, today: date | None = None) -> list[CalendarItem]:
    """Everything dated for this user, by first day (a fixed number of queries)."""
    today = today or timezone.localdate()
    settings_ = rule_settings()
    links = PilotLinks()
    lead = is_portfolio_lead(user)
    items = [
        *_pilot_items(user, lead=lead, today=today, settings_=settings_, links=links),
        *_task_items(user, lead=lead, links=links),
    ]
    return sorted(items, key=lambda item: (item.first_day, item.key))


def _pilots(user: User, *, lead: bool) -> list[Pilot]:
    latest = CheckpointDecision.objects.filter(pilot=OuterRef("pk")).order_by("-decided_at", "-pk")
    submitted = GateDecision.objects.filter(pilot=OuterRef("pk"), to_stage=Stage.PROPOSED).order_by(
        "-decided_at"
    )
    pilots = Pilot.objects.filter(stage__in=Stage.OPEN)
    if not lead:  # a lead's calendar has the portfolio's decisions; anyone else's, their pilots
        pilots = pilots.filter(own_pilots_filter(user))
    return list(
        pilots.annotate(
            decided_for=Subquery(latest.values("window_opened_on")[:1]),
            decided_at=Subquery(latest.values("decided_at")[:1]),
            submitted_at=Subquery(submitted.values("decided_at")[:1]),
        )
        # Only the user's own membership, and the plan (its budget holder): pilot_roles
        # reads them from here, no query a pilot.
        .select_related("operating_plan")
        .prefetch_related(
            Prefetch("memberships", queryset=PilotMembership.objects.filter(user=user))
        )
        .order_by("pk")
    )


def _pilot_items(
    user: User,
    *,
    lead: bool,
    today: date,
    settings_: rules.RuleSettings,
    links: PilotLinks,
) -> list[CalendarItem]:
    items: list[CalendarItem] = []
    for pilot in _pilots(user, lead=lead):
        roles = pilot_roles(user, pilot)
        reference = pilot.reference or ""
        start = pilot.started_on or pilot.planned_start
        end = pilot.planned_end
        window = (
            timeline.timeline(start=start, end=end, today=today, lead_days=settings_.lead_days)
            if start is not None and end is not None and start <= end
            else None
        )

        if Role.NOMINEE in roles and pilot.owner_nominated_at is not None:
            nominated_on = timezone.localdate(pilot.owner_nominated_at)
            day = rules.ownership_reminded_on(nominated_on=nominated_on, rules=settings_)
            items.append(
                CalendarItem(
                    f"pilot-{pilot.pk}-nomination",
                    day,
                    day,
                    _summary("Answer your nomination as business owner", pilot),
                    "You were nominated business owner of this pilot on "
                    f"{formats.day(nominated_on)}: accept the accountability, or decline "
                    "with a reason.",
                    links.detail(reference, "nomination"),
                )
            )

        plan = getattr(pilot, "operating_plan", None)
        if (
            Role.BUDGET_HOLDER in roles
            and plan is not None
            and plan.budget_status == BudgetStatus.PENDING
            and plan.budget_named_at is not None
        ):
            named_on = timezone.localdate(plan.budget_named_at)
            # Answered as a nomination is: within the same number of days.
            day = rules.ownership_reminded_on(nominated_on=named_on, rules=settings_)
            items.append(
                CalendarItem(
                    f"pilot-{pilot.pk}-budget",
                    day,
                    day,
                    _summary("Accept or decline the run cost as budget holder", pilot),
                    f"You were named budget holder of this pilot on {formats.day(named_on)}: "
                    "accept its 12-month run cost, or decline with a reason.",
                    links.detail(reference, "budget"),
                )
            )

        if pilot.stage in Stage.IN_FLIGHT and roles & ON_THE_PILOT and window is not None:
            items.append(
                CalendarItem(
                    f"pilot-{pilot.pk}-handover-window",
                    window.handover_opens,
                    window.end,
                    _summary("Handover window: hand over to operations", pilot),
                    "The last third of the pilot: knowledge-transfer tasks to the team "
                    "that will run it, not new features.",
                    links.detail(reference, "handover"),
                )
            )
            items.append(
                CalendarItem(
                    f"pilot-{pilot.pk}-end",
                    window.end,
                    window.end,
                    _summary("Planned end: graduate or stop", pilot),
                    "The pilot's planned end. A portfolio lead records the final decision: "
                    "graduate it into production (every handover task done, operations' "
                    "acceptance recorded) or stop it with the lessons.",
                    links.detail(reference, "decision"),
                )
            )
        if pilot.stage == Stage.APPROVED and roles & STARTERS and pilot.planned_start:
            items.append(
                CalendarItem(
                    f"pilot-{pilot.pk}-start",
                    pilot.planned_start,
                    pilot.planned_start,
                    _summary("Planned start: start the pilot", pilot),
                    "The pilot is approved: start it on or after this day.",
                    links.detail(reference, "decision"),
                )
            )

        if not is_independent_lead(roles):
            continue
        submitted_at = pilot.submitted_at  # type: ignore[attr-defined]
        gate_by = (
            rules.review_due_by(submitted_on=timezone.localdate(submitted_at), rules=settings_)
            if submitted_at is not None
            else pilot.planned_start
        )
        if pilot.stage == Stage.PROPOSED and gate_by is not None:
            items.append(
                CalendarItem(
                    f"pilot-{pilot.pk}-gate",
                    gate_by,
                    gate_by,
                    _summary("Gate decision: approve or reject", pilot),
                    "Submitted for review and waiting for a portfolio lead's gate decision: "
                    "after this day the leads are reminded that it waits too long.",
                    links.detail(reference, "decision"),
                )
            )
        checkpoint = rules.checkpoint(
            stage=pilot.stage,
            window=window,
            decided_for=pilot.decided_for,  # type: ignore[attr-defined]
            decided_on=timezone.localdate(pilot.decided_at)  # type: ignore[attr-defined]
            if pilot.decided_at  # type: ignore[attr-defined]
            else None,
            today=today,
            rules=settings_,
        )
        if checkpoint is not None and checkpoint.deadline is not None:
            items.append(
                CalendarItem(
                    f"pilot-{pilot.pk}-checkpoint",
                    checkpoint.deadline,
                    checkpoint.deadline,
                    _summary("Checkpoint: continue, extend or stop", pilot),
                    f"The handover window opens on {formats.day(checkpoint.window_opens)}; "
                    "the checkpoint decision is due by this day.",
                    links.detail(reference, "checkpoint"),
                )
            )
        if pilot.stage in Stage.IN_FLIGHT and end is not None:
            day = rules.decision_due_by(planned_end=end, rules=settings_)
            items.append(
                CalendarItem(
                    f"pilot-{pilot.pk}-final-decision",
                    day,
                    day,
                    _summary("Final decision: graduate or stop", pilot),
                    f"The pilot's planned end is {formats.day(end)}: record whether it "
                    "graduates into production or stops, with the lessons.",
                    links.detail(reference, "decision"),
                )
            )
    return items


def _task_items(user: User, *, lead: bool, links: PilotLinks) -> list[CalendarItem]:
    """The tasks the user gives (still theirs) and receives (not yet confirmed)."""
    receives = Q(receiver=user) | Q(receiver__isnull=True, pilot__operations_owner=user)
    if lead:
        receives |= Q(receiver__isnull=True, pilot__operations_owner__isnull=True)
    tasks = (
        KnowledgeTransferTask.objects.filter(pilot__stage__in=Stage.IN_FLIGHT)
        .filter(
            Q(assignee=user, status__in=TaskStatus.OPEN) | (receives & ~Q(status=TaskStatus.DONE))
        )
        .select_related("pilot", "assignee")
        .order_by("due_on", "pk")
    )
    lead_roles = frozenset({Role.LEAD}) if lead else frozenset()
    items = []
    for task in tasks:
        pilot = task.pilot
        reference = pilot.reference or ""
        link = links.detail(reference, f"task-{task.pk}")
        if task.assignee_id == user.pk:
            if task.status in TaskStatus.OPEN:
                items.append(
                    CalendarItem(
                        f"task-{task.pk}-give",
                        task.due_on,
                        task.due_on,
                        _summary(f"Hand over “{task.title}”", pilot),
                        f"A {task.get_kind_display().lower()} task of the handover plan, "
                        "yours to give: complete it with a link to its evidence.",
                        link,
                    )
                )
            continue
        refusal = task_receiver_refusal(
            user_id=user.pk,
            roles=lead_roles,
            assignee_id=task.assignee_id,
            completed_by_id=task.completed_by_id,
            receiver_id=task.receiver_id,
            operations_owner_id=pilot.operations_owner_id,
        )
        if refusal is not None:
            continue
        giver = task.assignee.get_full_name() or task.assignee.get_username()
        waiting = task.status == TaskStatus.WAITING
        items.append(
            CalendarItem(
                f"task-{task.pk}-receive",
                task.due_on,
                task.due_on,
                _summary(f"{'Confirm receipt of' if waiting else 'Receive'} “{task.title}”", pilot),
                f"{giver} hands this over to you"
                + (
                    " and has completed it: confirm you received it, or decline with a reason."
                    if waiting
                    else "; once they complete it, confirm you received it."
                ),
                link,
            )
        )
    return items
