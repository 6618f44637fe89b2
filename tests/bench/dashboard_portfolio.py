"""The dashboard benchmark's scratch portfolio, every row in bulk (``build_portfolio``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone
from psycopg import sql

from pilots.enums import (
    Cadence,
    Direction,
    InfrastructureAnswerValue,
    InfrastructureItem,
    MetricKind,
    OwnershipStatus,
    ReadingSource,
    Stage,
    TaskKind,
    TaskStatus,
)
from pilots.models import (
    BusinessUnit,
    GateDecision,
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    Pilot,
)
from scorecards.models import Scorecard, ScorecardReason, ScorecardSnapshot
from scorecards.selectors import (
    TREND_WEEKS,
)
from scorecards.services import week_of
from tests.bench.common import (
    accepted_owner,
    assign_references,
    declined_owner,
    vacuum,
)

METRICS_PER_PILOT = 4
READINGS_PER_METRIC = 25  # 10,000 pilots: 40,000 metrics, 1,000,000 readings
UNITS = 8


@dataclass
class Plan:
    """One scratch pilot: its fields and what to build around it."""

    fields: dict[str, Any]
    tasks: list[tuple[str, date]]  # (status, due on), in position order
    model_only: bool  # four model metrics and no primary one
    cadence: str  # of the primary metric
    lag: int  # days since the last reading
    curve: tuple[Decimal, Decimal, Decimal, date | None]  # primary: a + b * progress, + c after g
    infrastructure_yes: int
    decision: tuple[str, date] | None  # (to stage, local day)


def touched_models() -> list[Any]:
    """The tables a run writes to (and vacuums after building and after deleting)."""
    User = get_user_model()
    return [
        Pilot,
        BusinessUnit,
        Metric,
        MetricReading,
        KnowledgeTransferTask,
        InfrastructureAnswer,
        GateDecision,
        ScorecardSnapshot,
        Scorecard,
        ScorecardReason,
        User,
        User.groups.through,
        Session,
    ]


def unit_prefix(run: str) -> str:
    return f"Bench dashboard {run} unit "


def build_portfolio(
    size: int, *, run: str, group: Group, readings_per_metric: int
) -> tuple[dict[str, int], Any]:
    """The scratch portfolio, every row in bulk; the counts of what it made, and the lead."""
    User = get_user_model()
    day = timezone.localdate()
    now = timezone.now()
    zone = timezone.get_current_timezone()
    unusable = make_password(None)

    def user(role: str, number: int, *, active: bool = True) -> Any:
        return User(
            username=f"bench-dashboard-{run}-{role}-{number}",
            first_name=role.capitalize(),
            last_name=str(number),
            email=f"{role}{number}@bench.invalid",
            password=unusable,
            is_active=active,
        )

    units = BusinessUnit.objects.bulk_create(
        [BusinessUnit(name=f"{unit_prefix(run)}{n}") for n in range(UNITS)]
    )
    people = User.objects.bulk_create(
        [user("sponsor", n) for n in range(25)]
        # Owners 7, 57, 107 and 157 are deactivated (OWNER_INACTIVE).
        + [user("owner", n, active=n % 50 != 7) for n in range(200)]
        + [user("operator", n) for n in range(20)]
        + [user("assignee", n) for n in range(40)]
        + [user("lead", 0)]
    )
    sponsors, owners = people[:25], people[25:225]
    operators, assignees, lead = people[225:245], people[245:285], people[285]
    group.user_set.add(lead)

    def ago(days: int) -> date:
        return day - timedelta(days=days)

    def local(on: date, hour: int = 12) -> datetime:
        return datetime.combine(on, clock(hour), tzinfo=zone)

    def owner_of(i: int) -> Any:
        owner = owners[(i * 7) % len(owners)]
        return owner if owner.is_active else owners[(i * 7 + 1) % len(owners)]

    def accepted(owner: Any) -> dict[str, Any]:
        return accepted_owner(owner, now)

    def pending(owner: Any, days: int) -> dict[str, Any]:
        return {
            "owner": owner,
            "owner_status": OwnershipStatus.PENDING,
            "owner_nominated_at": now - timedelta(days=days),
            "owner_responded_at": None,
        }

    nobody = {
        "owner": None,
        "owner_status": OwnershipStatus.NONE,
        "owner_nominated_at": None,
        "owner_responded_at": None,
    }

    def declined(owner: Any) -> dict[str, Any]:
        return declined_owner(owner, now)

    def planned(start: date | None, end: date | None, stage: str) -> dict[str, Any]:
        return {"stage": stage, "planned_start": start, "planned_end": end}

    def running(started: int, end: int) -> dict[str, Any]:
        """Started ``started`` days ago, ends in ``end`` days (negative: ended)."""
        return {**planned(ago(started), ago(-end), Stage.RUNNING), "started_on": ago(started)}

    def closed(stage: str, started: int, ended: int, operator: Any) -> dict[str, Any]:
        fields = {**planned(ago(started), ago(ended), stage), "started_on": ago(started)}
        if stage == Stage.GRADUATED:
            fields |= {
                "operations_owner": operator,
                "operations_accepted_at": now - timedelta(days=ended),
                "operations_accepted_by": operator,
            }
        return fields

    def future(count: int, first: int = 5) -> list[tuple[str, date]]:
        return [(TaskStatus.TODO, ago(-(first + 7 * p))) for p in range(count)]

    def done(count: int, first: int = 20) -> list[tuple[str, date]]:
        return [(TaskStatus.DONE, ago(first - p)) for p in range(count)]

    line = (Decimal(105), Decimal(100), Decimal(0), None)  # ahead of its trajectory

    def plan(i: int) -> Plan:
        k, j = i % 20, i // 20
        s = j % 30
        owner = owner_of(i)
        fields: dict[str, Any] = {
            "sponsor": sponsors[i % len(sponsors)],
            "business_unit": units[i % UNITS],
            **accepted(owner),
        }
        if j % 2 == 0:
            fields["operations_owner"] = operators[j % len(operators)]
        else:
            fields["receiving_team"] = "Bench operations"
        tasks = done(2, 10) + future(4)
        curve, lag, yes, decision = line, 1, 6 if j % 9 else 5, None
        cadence = Cadence.DAILY if j % 5 == 0 else Cadence.MONTHLY if j % 7 == 1 else Cadence.WEEKLY
        model_only = False
        if k == 0:  # draft, nobody nominated, no operations owner, few rails yet
            fields |= planned(ago(-(20 + s)), ago(-(140 + s)), Stage.DRAFT) | nobody
            fields |= {"operations_owner": None, "receiving_team": ""}
            tasks, yes = future(6, 60), 2 + j % 3
        elif k == 1:  # draft, nomination pending, no dates yet
            fields |= planned(None, None, Stage.DRAFT) | pending(owner, 2 + s % 5)
            tasks, yes = future(6, 60), 2 + j % 3
        elif k == 2:  # proposed, starts in 10 to 39 days
            fields |= planned(ago(-(10 + s)), ago(-(100 + s)), Stage.PROPOSED)
            tasks, yes = future(6, 40), 4 + j % 3
        elif k == 3:  # approved, starts in 5 to 14 days
            fields |= planned(ago(-(5 + s % 10)), ago(-(95 + s)), Stage.APPROVED)
            tasks = future(6, 30)
        elif k == 4:  # approved late: window opens in 4 to 8 days, no tasks
            fields |= planned(ago(40), ago(-(26 + s % 5)), Stage.APPROVED)
            tasks = []
        elif k == 5:  # running, window open, 2 or 3 tasks overdue
            fields |= running(60 + s % 10, 30)
            overdue = 3 if j % 4 == 0 else 2
            tasks = [(TaskStatus.TODO, ago(2 + p)) for p in range(overdue)]
            tasks += future(6 - overdue, 10)
        elif k == 6:  # running, window open 2 or 20+ days, no tasks
            fields |= running(62, 28) if j % 3 == 0 else running(80, 10 - s % 5)
            tasks = []
        elif k == 7:  # running, primary metric silent for 20 to 39 days
            fields |= running(100, 60 + s)
            cadence, lag = Cadence.WEEKLY, 20 + s % 20
        elif k == 8:  # running, primary metric behind its trajectory
            fields |= running(90, 90 + s)
            curve = (
                (Decimal(100), Decimal(20), Decimal(0), None)
                if j % 2 == 0
                else (Decimal(90), Decimal(100), Decimal(0), None)
            )
        elif k == 9:  # running, ended 1 to 10 days ago, no decision
            fields |= running(120, -(1 + s % 10))
            tasks = done(6)
        elif k == 10:  # running, the accepted owner's account is deactivated
            fields |= running(50, 100 + s) | accepted(owners[7 + 50 * (j % 4)])
        elif k == 11:  # running, only model metrics
            fields |= running(30, 90)
            model_only = True
        elif k == 12:  # graduated 6 days ago, the metric has fallen back since
            fields |= closed(Stage.GRADUATED, 200, 10, operators[j % len(operators)])
            curve = (Decimal(200), Decimal(0), Decimal(-20), ago(6))
            tasks, decision = done(6), (Stage.GRADUATED, ago(6))
        elif k == 13:  # graduated a while ago, holding its level
            fields |= closed(Stage.GRADUATED, 300, 100, operators[j % len(operators)])
            curve = (Decimal(205), Decimal(0), Decimal(0), None)
            tasks, decision = done(6, 120), (Stage.GRADUATED, ago(60 + s))
        elif k == 14:  # stopped
            fields |= closed(Stage.STOPPED, 150, 30, None)
            tasks, decision = done(6, 60), (Stage.STOPPED, ago(30))
        elif k == 15:  # running, healthy, started recently
            fields |= running(20 + s % 10, 100 + s)
        elif k == 16:  # running, window opens in 4 days, a big plan
            fields |= running(70, 40)
            tasks = done(4, 10) + future(8)
        elif k == 17:  # approved, starts in 3 days, a big plan
            fields |= planned(ago(-3), ago(-(60 + s)), Stage.APPROVED)
            tasks = future(12, 20)
        elif k == 18:  # running, the nominee declined
            fields |= running(30, 100) | declined(owner)
        else:  # running, half the rails and no operations owner
            fields |= running(40, 80)
            fields |= {"operations_owner": None, "receiving_team": ""}
            yes = 3
        return Plan(fields, tasks, model_only, cadence, lag, curve, yes, decision)

    plans = [plan(i) for i in range(size)]
    pilots = Pilot.objects.bulk_create(
        [
            Pilot(
                title=f"Bench dashboard pilot {i}",
                problem_statement="A scratch pilot of make bench, deleted at its end.",
                **p.fields,
            )
            for i, p in enumerate(plans)
        ],
        batch_size=2_000,
    )
    unit_ids = [unit.pk for unit in units]
    assign_references(unit_ids)

    metrics = Metric.objects.bulk_create(
        [
            Metric(
                pilot=pilot,
                name=name,
                kind=kind,
                unit="%",
                direction=Direction.INCREASE,
                baseline=Decimal(100) if kind == MetricKind.PRIMARY else Decimal(50),
                target=Decimal(200) if kind == MetricKind.PRIMARY else Decimal(80),
                target_date=pilot.planned_end if kind == MetricKind.PRIMARY else None,
                cadence=p.cadence if kind == MetricKind.PRIMARY else Cadence.WEEKLY,
            )
            for pilot, p in zip(pilots, plans, strict=True)
            for name, kind in (
                [(f"Model metric {n}", MetricKind.MODEL) for n in range(METRICS_PER_PILOT)]
                if p.model_only
                else [
                    ("Primary outcome", MetricKind.PRIMARY),
                    ("Cases handled", MetricKind.BUSINESS),
                    ("Critical segment accuracy", MetricKind.CRITICAL_SEGMENT),
                    ("Model F1", MetricKind.MODEL),
                ]
            )
        ],
        batch_size=5_000,
    )
    # Readings: one a day up to each pilot's last reading, in one query.
    # Primary: a + b * (share of the way from start to target date) + c after day g.
    plan_of = {pilot.pk: (pilot, p) for pilot, p in zip(pilots, plans, strict=True)}
    columns: dict[str, list[Any]] = {
        key: [] for key in ("ids", "last", "t0", "t1", "a", "b", "c", "g")
    }
    for metric in metrics:
        pilot, p = plan_of[metric.pilot_id]
        primary = metric.kind == MetricKind.PRIMARY
        a, b, c, g = (
            p.curve if primary else (Decimal(50 + pilot.pk % 10), Decimal(0), Decimal(0), None)
        )
        for key, value in (
            ("ids", metric.pk),
            ("last", ago(p.lag)),
            ("t0", pilot.started_on if primary else None),
            ("t1", metric.target_date),
            ("a", a),
            ("b", b),
            ("c", c),
            ("g", g),
        ):
            columns[key].append(value)
    reading_sql = sql.SQL(
        """
        INSERT INTO {reading} (metric_id, observed_on, value, note, source,
                               created_at, updated_at)
        SELECT m.id, m.last_on - n.n,
               round(m.a + m.b * least(1, greatest(0, coalesce(
                   (m.last_on - n.n - m.t0)::numeric / nullif(m.t1 - m.t0, 0), 0)))
                 + CASE WHEN m.last_on - n.n > m.g THEN m.c ELSE 0 END
                 + (n.n %% 3) * 0.1, 4),
               '', %(source)s, %(now)s, %(now)s
        FROM unnest(%(ids)s::bigint[], %(last)s::date[], %(t0)s::date[], %(t1)s::date[],
                    %(a)s::numeric[], %(b)s::numeric[], %(c)s::numeric[], %(g)s::date[])
             AS m (id, last_on, t0, t1, a, b, c, g)
        CROSS JOIN generate_series(0, %(per)s - 1) AS n (n)
        """
    ).format(reading=sql.Identifier(MetricReading._meta.db_table))
    readings_per_metric = readings_per_metric
    with connection.cursor() as cursor:
        cursor.execute(
            reading_sql,
            {
                **columns,
                "source": ReadingSource.IMPORT.value,
                "now": now,
                "per": readings_per_metric,
            },
        )
        readings = cursor.rowcount

    kinds = TaskKind.values
    tasks = KnowledgeTransferTask.objects.bulk_create(
        [
            KnowledgeTransferTask(
                pilot=pilot,
                title=f"Bench task {position}",
                kind=kinds[position % len(kinds)],
                assignee=assignees[(pilot.pk + position) % len(assignees)],
                receiver_team="Bench operations",
                due_on=due_on,
                status=status,
                position=position,
                **(
                    {
                        "evidence_url": "https://bench.invalid/runbook",
                        "completed_at": now - timedelta(days=1),
                        "confirmed_at": now - timedelta(days=1),
                        "completed_by": assignees[(pilot.pk + position) % len(assignees)],
                    }
                    if status == TaskStatus.DONE
                    else {}
                ),
            )
            for pilot, p in zip(pilots, plans, strict=True)
            for position, (status, due_on) in enumerate(p.tasks)
        ],
        batch_size=5_000,
    )
    with connection.cursor() as cursor:
        # Planned when the pilot started (or today, if later): auto_now_add wrote now.
        cursor.execute(
            sql.SQL(
                "UPDATE {task} t SET created_at = (least(coalesce(p.started_on, "
                "p.planned_start, %(day)s), %(day)s) + time '09:00') AT TIME ZONE %(zone)s "
                "FROM {pilot} p WHERE p.id = t.pilot_id AND p.business_unit_id = ANY(%(units)s)"
            ).format(
                task=sql.Identifier(KnowledgeTransferTask._meta.db_table),
                pilot=sql.Identifier(Pilot._meta.db_table),
            ),
            {"day": day, "zone": timezone.get_current_timezone_name(), "units": unit_ids},
        )
    items = InfrastructureItem.values
    answers = InfrastructureAnswer.objects.bulk_create(
        [
            InfrastructureAnswer(
                pilot=pilot,
                item=item,
                answer=(
                    InfrastructureAnswerValue.YES
                    if n < p.infrastructure_yes
                    else InfrastructureAnswerValue.PLANNED
                    if n % 2
                    else InfrastructureAnswerValue.NO
                ),
                evidence_url="https://bench.invalid/evidence" if n < p.infrastructure_yes else "",
                # A "planned" answer has its date (the others have none).
                planned_on=day if n >= p.infrastructure_yes and n % 2 else None,
            )
            for pilot, p in zip(pilots, plans, strict=True)
            for n, item in enumerate(items)
        ],
        batch_size=5_000,
    )
    decisions = GateDecision.objects.bulk_create(
        [
            GateDecision(
                pilot=pilot,
                decided_by=lead,
                decided_at=local(p.decision[1]),
                from_stage=Stage.RUNNING,
                to_stage=p.decision[0],
                rationale="Scratch decision of the dashboard benchmark.",
                lessons_learned="Bench: stopped." if p.decision[0] == Stage.STOPPED else "",
            )
            for pilot, p in zip(pilots, plans, strict=True)
            if p.decision is not None
        ],
        batch_size=5_000,
    )
    # Weekly snapshots, this week and the TREND_WEEKS - 1 before: a spread of risks.
    snapshot_sql = sql.SQL(
        """
        INSERT INTO {snapshot} (pilot_id, week, infrastructure, metric, ownership,
                                handover, overall, risk, reason_codes)
        SELECT p.id, %(monday)s::date - 7 * w.w, 100 - 25 * r.risk, 100 - 25 * r.risk,
               100 - 25 * r.risk, 100 - 25 * r.risk, 100 - 25 * r.risk, r.risk, '[]'::jsonb
        FROM unnest(%(ids)s::bigint[]) AS p (id)
        CROSS JOIN generate_series(0, %(weeks)s - 1) AS w (w)
        CROSS JOIN LATERAL (
            SELECT CASE WHEN x < 3 THEN 3 WHEN x < 7 THEN 2 WHEN x < 11 THEN 1 ELSE 0 END
            FROM (SELECT (p.id * 13 + w.w * 7) %% 20) AS q (x)
        ) AS r (risk)
        """
    ).format(snapshot=sql.Identifier(ScorecardSnapshot._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(
            snapshot_sql,
            {
                "monday": week_of(day),
                "ids": [pilot.pk for pilot in pilots],
                "weeks": TREND_WEEKS,
            },
        )
        snapshots = cursor.rowcount
    # Statistics as a live database would have, and no dead rows left by earlier runs
    # (a deleted scratch portfolio stays in the indexes until vacuumed).
    vacuum(*touched_models())
    portfolio = {
        "pilots": len(pilots),
        "users": len(people),
        "metrics": len(metrics),
        "primary metrics": sum(1 for m in metrics if m.kind == MetricKind.PRIMARY),
        "readings": readings,
        "tasks": len(tasks),
        "infrastructure answers": len(answers),
        "decisions": len(decisions),
        "snapshots": snapshots,
    }
    return portfolio, lead
