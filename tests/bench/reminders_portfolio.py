"""The reminder benchmark's scratch portfolio: every rule's situations, in bulk."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from pilots.enums import (
    Cadence,
    MetricKind,
    OwnershipStatus,
    ReadingSource,
    ReminderKind,
    Stage,
    TaskKind,
    TaskStatus,
)
from pilots.models import (
    BusinessUnit,
    GateDecision,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    Pilot,
    Reminder,
    ReminderMute,
)
from tests.bench.common import (
    accepted_owner,
    analyze,
    assign_references,
    declined_owner,
)


def build_portfolio(size: int, *, run: str, group: Group) -> dict[str, int]:
    """The scratch portfolio, every row in bulk; the counts of what it made."""
    User = get_user_model()
    day = timezone.localdate()
    now = timezone.now()
    zone = timezone.get_current_timezone()
    unusable = make_password(None)

    def user(role: str, number: int, *, active: bool = True) -> Any:
        return User(
            username=f"bench-reminders-{run}-{role}-{number}",
            first_name=role.capitalize(),
            last_name=str(number),
            email="" if number == 3 else f"{role}{number}@bench.invalid",
            password=unusable,
            is_active=active,
        )

    business_unit = BusinessUnit.objects.create(name=f"Bench reminders {run}")
    people = User.objects.bulk_create(
        [user("sponsor", n) for n in range(3)]
        # owner 0 is deactivated: nothing goes to them.
        + [user("owner", n, active=n != 0) for n in range(20)]
        + [user("assignee", n) for n in range(10)]
        + [user("lead", n) for n in range(2)]
    )
    sponsors, owners, assignees, leads = people[:3], people[3:23], people[23:33], people[33:]
    group.user_set.add(*leads)
    ReminderMute.objects.bulk_create(
        [
            ReminderMute(user=owners[1], kind=ReminderKind.METRIC_STALE),
            ReminderMute(user=owners[2], kind=ReminderKind.OWNERSHIP_PENDING),
            ReminderMute(user=assignees[0], kind=ReminderKind.TASK_OVERDUE),
        ]
    )

    def ago(days: int) -> date:
        return day - timedelta(days=days)

    def local(on: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(on, clock(hour, minute), tzinfo=zone)

    def accepted(owner: Any) -> dict[str, Any]:
        return accepted_owner(owner, now)

    def pending(owner: Any, nominated_at: datetime) -> dict[str, Any]:
        return {
            "owner": owner,
            "owner_status": OwnershipStatus.PENDING,
            "owner_nominated_at": nominated_at,
        }

    def declined(owner: Any) -> dict[str, Any]:
        return declined_owner(owner, now)

    def dates(start: date | None, end: date | None, **extra: Any) -> dict[str, Any]:
        return {"planned_start": start, "planned_end": end, **extra}

    def running(start: date, end: date, **extra: Any) -> dict[str, Any]:
        return {"stage": Stage.RUNNING, "started_on": start, **dates(start, end), **extra}

    def graduated(start: date, end: date) -> dict[str, Any]:
        return {
            "stage": Stage.GRADUATED,
            "started_on": start,
            "operations_accepted_at": now - timedelta(days=1),
            **dates(start, end),
        }

    # (pilot fields, primary metric (cadence, [days ago of readings]) or None,
    #  tasks [(status, due on, assignee)]) for pilot number i.
    def plan(i: int) -> tuple[dict[str, Any], tuple[str, list[int]] | None, list[Any]]:
        k, j = i % 20, i // 20
        owner, sponsor = owners[j % 20], sponsors[j % 3]
        assignee = assignees[j % 10]
        fields: dict[str, Any] = {"sponsor": sponsor, **accepted(owner)}
        metric = None
        tasks: list[Any] = []
        if k == 0:  # approved, window opens in 4 to 18 days, no tasks
            start = ago(40)
            fields |= {"stage": Stage.APPROVED, **dates(start, start + timedelta(66 + j % 12))}
            if j % 5 == 0:
                fields |= declined(owner)
            elif j % 5 == 1:
                fields |= pending(owner, now - timedelta(days=10))
            elif j % 5 == 2:
                fields |= {"owner": None, "owner_status": OwnershipStatus.NONE}
                fields |= {"owner_nominated_at": None, "owner_responded_at": None}
        elif k == 1:  # running, window opens today to in 6 days, no tasks
            start = ago(60)
            fields |= running(start, start + timedelta(90 + j % 9))
            fields["planned_start"] = start - timedelta(days=j % 3)
        elif k == 2:  # running, window open 4 to 13 days (escalation from 7), no tasks
            start = ago(80)
            fields |= running(start, start + timedelta(100 + j % 15))
            if j % 6 == 0:
                fields |= {"owner": None, "owner_status": OwnershipStatus.NONE}
                fields |= {"owner_nominated_at": None, "owner_responded_at": None}
        elif k == 3:  # running, window open, tasks: one overdue, one done, one not due
            fields |= running(ago(70), ago(-20))
            if j % 6 == 0:
                fields |= pending(owner, now - timedelta(days=1))
            tasks = [
                (TaskStatus.TODO, ago(1 + j % 5), owner if j % 4 == 0 else assignee),
                (TaskStatus.DONE, ago(3), assignees[(j + 1) % 10]),
                (TaskStatus.IN_PROGRESS, ago(0 if j % 3 == 0 else -5), assignee),
            ]
        elif k == 4:  # running, daily metric, last reading 2 to 7 days ago
            fields |= running(ago(100), ago(-100))
            if j % 7 == 0:
                fields |= pending(owner, now - timedelta(days=1))
            last = 2 + j % 6
            metric = (Cadence.DAILY, [last, last + 1, last + 2])
        elif k == 5:  # running, weekly metric, last reading 0 to 13 days ago
            fields |= running(ago(100), ago(-150))
            last = j % 14
            metric = (Cadence.WEEKLY, [last, last + 7, last + 14])
        elif k == 6:  # graduated, monthly metric never read, started 20 to 59 days ago
            start = ago(20 + j % 40)
            fields |= graduated(start, start + timedelta(10))
            metric = (Cadence.MONTHLY, [])
        elif k == 7:  # draft, nominated 0 to 5 days ago (sometimes the sponsor)
            nominee = sponsor if j % 5 == 0 else owner
            fields |= {"stage": Stage.DRAFT, **pending(nominee, local(ago(j % 6), 10))}
        elif k == 8:  # approved, nominated late 2 or 3 days ago (the day boundary)
            fields |= {"stage": Stage.APPROVED, **dates(ago(-60), ago(-120))}
            fields |= pending(owner, local(ago(2 + j % 2), 23, 30))
        elif k == 9:  # running, ended 0 to 3 days ago (sometimes a lead sponsors it)
            fields |= running(ago(120), ago(j % 4))
            if j % 3 == 0:
                fields["sponsor"] = leads[0]
        elif k == 10:  # graduated, nomination long unanswered (closed: nothing due)
            fields |= graduated(ago(200), ago(50))
            fields |= pending(owner, now - timedelta(days=30))
        elif k == 11:  # running, building, fresh weekly metric, tasks not yet due
            fields |= running(ago(10), ago(-200))
            metric = (Cadence.WEEKLY, [1, 8, 15])
            tasks = [(TaskStatus.TODO, ago(-30), assignee)]
        elif k == 12:  # approved, starts in a month
            fields |= {"stage": Stage.APPROVED, **dates(ago(-30), ago(-120))}
        elif k == 13:  # running, started after its planned end (no window at all)
            fields |= running(ago(-10), ago(-5), planned_start=ago(50))
        elif k == 14:  # graduated, fresh monthly metric
            fields |= graduated(ago(300), ago(100))
            metric = (Cadence.MONTHLY, [5, 36])
        elif k == 15:  # draft, nobody nominated
            fields |= {"stage": Stage.DRAFT, "owner": None, "owner_status": "none"}
            fields |= {"owner_nominated_at": None, "owner_responded_at": None}
        elif k == 16:  # running, window open, every task done
            fields |= running(ago(70), ago(-20))
            tasks = [(TaskStatus.DONE, ago(10), assignee), (TaskStatus.DONE, ago(2), owner)]
        elif k == 17:  # approved, starts in 5 days, window in 65
            fields |= {"stage": Stage.APPROVED, **dates(ago(-5), ago(-95))}
        elif k == 18:  # draft, nomination declined
            fields |= {"stage": Stage.DRAFT, **declined(owner)}
        elif j % 2 == 0:  # approved, never started, planned end passed: decision overdue
            fields |= {"stage": Stage.APPROVED, **dates(ago(120), ago(3))}
        else:  # running, building, fresh weekly metric
            fields |= running(ago(30), ago(-60))
            metric = (Cadence.WEEKLY, [3, 10])
        return fields, metric, tasks

    plans = [plan(i) for i in range(size)]
    pilots = Pilot.objects.bulk_create(
        [
            Pilot(
                title=f"Bench reminders pilot {i}",
                problem_statement="A scratch pilot of make bench, deleted at its end.",
                business_unit=business_unit,
                **fields,
            )
            for i, (fields, _, _) in enumerate(plans)
        ],
        batch_size=2_000,
    )
    assign_references([business_unit.pk])
    metrics = Metric.objects.bulk_create(
        [
            Metric(
                pilot=pilot,
                name=name,
                kind=kind,
                unit="%",
                direction="increase",
                baseline=Decimal(10),
                target=Decimal(20),
                cadence=cadence,
            )
            for pilot, (_, metric, _) in zip(pilots, plans, strict=True)
            if metric is not None
            for name, kind, cadence in (
                ("Bench primary metric", MetricKind.PRIMARY, metric[0]),
                # Never read, daily: stale if it counted (only the primary one does).
                ("Bench business metric", MetricKind.BUSINESS, Cadence.DAILY),
            )
        ],
        batch_size=2_000,
    )
    readings_of = iter([metric for _, metric, _ in plans if metric is not None for _ in range(2)])
    readings = MetricReading.objects.bulk_create(
        [
            MetricReading(
                metric=metric,
                observed_on=ago(days),
                value=Decimal(12 + n),
                source=ReadingSource.IMPORT,
            )
            for metric, spec in zip(metrics, readings_of, strict=True)
            if metric.kind == MetricKind.PRIMARY
            for n, days in enumerate(spec[1])
        ],
        batch_size=5_000,
    )
    tasks = KnowledgeTransferTask.objects.bulk_create(
        [
            KnowledgeTransferTask(
                pilot=pilot,
                title=f"Bench task {position}",
                kind=TaskKind.RUNBOOK,
                assignee=assignee,
                receiver_team="Bench operations",
                due_on=due_on,
                status=status,
                position=position,
                **(
                    {
                        "evidence_url": "https://bench.invalid/runbook",
                        "completed_at": now - timedelta(days=1),
                        "confirmed_at": now - timedelta(days=1),
                        "completed_by": assignee,
                    }
                    if status == TaskStatus.DONE
                    else {}
                ),
            )
            for pilot, (_, _, specs) in zip(pilots, plans, strict=True)
            for position, (status, due_on, assignee) in enumerate(specs)
        ],
        batch_size=5_000,
    )
    # Graduation decisions (on the end date): a graduated pilot's metric is chased
    # for 12 months after its graduation, so the rule reads them.
    decisions = GateDecision.objects.bulk_create(
        [
            GateDecision(
                pilot=pilot,
                decided_by=leads[0],
                decided_at=local(pilot.planned_end, 12),
                from_stage=Stage.RUNNING,
                to_stage=Stage.GRADUATED,
                rationale="Scratch graduation of the reminders benchmark.",
            )
            for pilot in pilots
            if pilot.stage == Stage.GRADUATED
        ],
        batch_size=5_000,
    )
    analyze(Pilot, Metric, MetricReading, KnowledgeTransferTask, GateDecision, Reminder)
    return {
        "pilots": len(pilots),
        "users": len(people),
        "metrics": len(metrics),
        "readings": len(readings),
        "tasks": len(tasks),
        "graduations": len(decisions),
    }
