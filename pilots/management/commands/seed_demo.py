"""A demo portfolio: about 25 pilots over every stage and every risk situation.

Idempotent: users are updated in place and a pilot that already exists (by
title) is left as it is, so a second run changes nothing. Every pilot is built
through the services, exactly as the web app would build it; dates are set
relative to the day of the first run so each risk situation is live.

It queues no scorecard refresh (one per service call would be ~700 tasks):
`make seed` recomputes every scorecard right after it (`recompute_scorecards
--history 8`), and on its own the worker's catch-up job scores new pilots
within 15 minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from pilots.enums import (
    PORTFOLIO_LEADS_GROUP,
    SPONSORS_GROUP,
    Cadence,
    Direction,
    InfrastructureAnswerValue,
    InfrastructureItem,
    MetricKind,
    ReadingSource,
    TaskKind,
)
from pilots.models import BusinessUnit, KnowledgeTransferTask, Pilot
from pilots.services import gates, handover, metrics, ownership, registration
from pilots.services.audit import refresh_skipped

DEMO_PASSWORD = "pilotgate-demo"

# username: (first name, last name, groups, superuser)
USERS = {
    "sponsor": ("Priya", "Sharma", [SPONSORS_GROUP], False),
    "sponsor2": ("Tom", "Becker", [SPONSORS_GROUP], False),
    "owner": ("Maria", "Lopez", [], False),
    "owner2": ("James", "Okafor", [], False),
    "owner3": ("Lena", "Fischer", [], False),
    "member": ("Alex", "Chen", [], False),
    "member2": ("Nora", "Haddad", [], False),
    "ops": ("Daniel", "Kim", [], False),
    "ops2": ("Grace", "Mensah", [], False),
    "lead": ("Helen", "Murray", [PORTFOLIO_LEADS_GROUP], False),
    "admin": ("Site", "Administrator", [], True),
}


@dataclass
class Spec:
    """One demo pilot: what it is, and how far along its life it has come."""

    title: str
    unit: str
    problem: str
    metric: tuple[str, str, str, str, str]  # name, unit, direction, baseline, target
    start: int  # days from today
    end: int
    stage: str = "draft"
    sponsor: str = "sponsor"
    owner: str | None = "owner"
    owner_answer: str = "accept"  # accept | decline | pending
    nominated_days_ago: int = 0  # a pending nomination this old (reminders chase it)
    ops: str | None = "ops"
    member: str | None = "member"
    complete: bool = True  # registration complete (checklist and plan)
    progress: float = 1.0  # reached share of the straight line (1.0 on track)
    last_reading: int = 0  # days ago of the most recent reading
    # title, kind, due, done
    tasks: Sequence[tuple[str, str, int, bool]] = field(default_factory=list)
    segment: tuple[str, str, str, str, str] | None = None
    model_metric: bool = False
    rejected_once: bool = False
    operations_accepted: bool = False
    lessons: str = ""


HANDOVER_TASKS = [
    ("Runbook for the nightly scoring job", TaskKind.RUNBOOK, -20, True),
    ("Train the service desk on override handling", TaskKind.TRAINING, -5, True),
    ("Two weeks of shadowed on-call", TaskKind.SHADOWING, 10, False),
    ("Transfer cloud project ownership", TaskKind.ACCESS_TRANSFER, 20, False),
]
ALL_DONE = [(title, kind, due, True) for title, kind, due, _ in HANDOVER_TASKS]

SPECS = [
    Spec(
        "Invoice data extraction",
        "Finance",
        "Accounts payable re-keys 40k invoices a month.",
        ("Invoices processed without manual touch", "%", "increase", "12", "70"),
        start=20,
        end=140,
        owner=None,
        ops=None,
        complete=False,
    ),
    Spec(
        "Supplier risk early warning",
        "Supply Chain",
        "Supplier failures surface weeks after the signals were visible.",
        ("Supplier disruptions caught 30 days ahead", "%", "increase", "15", "50"),
        start=30,
        end=150,
        owner=None,
    ),
    Spec(
        "Contract clause review assistant",
        "Risk & Compliance",
        "Legal reviews every NDA by hand; turnaround is nine days.",
        ("NDA review turnaround", "days", "decrease", "9", "3"),
        start=25,
        end=115,
        owner="owner3",
        owner_answer="decline",
    ),
    Spec(
        "Churn propensity for broadband",
        "Sales",
        "Retention calls go to customers who were never going to leave.",
        ("Monthly churn of contacted customers", "%", "decrease", "2.4", "1.8"),
        start=21,
        end=201,
        stage="draft",
        rejected_once=True,
        owner="owner2",
    ),
    Spec(
        "Claims triage for home insurance",
        "Customer Service",
        "Simple claims wait in the same queue as complex ones.",
        ("Median days to settle simple claims", "days", "decrease", "14", "5"),
        start=14,
        end=134,
        stage="proposed",
        owner="owner2",
        owner_answer="pending",
    ),
    Spec(
        "Demand forecast for fresh produce",
        "Supply Chain",
        "Fresh produce waste is 8% of purchases.",
        ("Fresh produce waste", "% of purchases", "decrease", "8", "5"),
        start=10,
        end=190,
        stage="proposed",
        owner="owner",
    ),
    Spec(
        "HR policy question answering",
        "HR",
        "The HR helpdesk answers the same 200 questions every month.",
        ("HR tickets resolved without an agent", "%", "increase", "5", "40"),
        start=30,
        end=120,
        stage="proposed",
        owner="owner3",
        owner_answer="pending",
        nominated_days_ago=5,
        sponsor="sponsor2",
    ),
    Spec(
        "Fraud screening for card payments",
        "Risk & Compliance",
        "Manual fraud review holds 3% of good payments.",
        ("Good payments held for review", "%", "decrease", "3", "1.2"),
        start=12,
        end=192,
        stage="approved",
        owner="owner2",
        segment=("Fraud caught on payments over £5,000", "%", "increase", "82", "95"),
    ),
    Spec(
        "Warehouse pick-path optimisation",
        "Operations",
        "Pickers walk 11 km a shift.",
        ("Picks per labour hour", "picks", "increase", "92", "120"),
        start=-3,
        end=117,
        stage="approved",
        owner="owner",
    ),
    Spec(
        "Ticket routing for IT service desk",
        "Customer Service",
        "A third of tickets are routed to the wrong resolver group.",
        ("Tickets resolved by the first group", "%", "increase", "66", "85"),
        start=-21,
        end=159,
        stage="running",
        segment=("P1 incidents routed within 15 minutes", "%", "increase", "71", "98"),
        model_metric=True,
        last_reading=2,
    ),
    Spec(
        "Collections call prioritisation",
        "Finance",
        "Collectors call in alphabetical order.",
        ("Cash collected within 30 days", "% of arrears", "increase", "41", "55"),
        start=-60,
        end=120,
        stage="running",
        owner="owner2",
        progress=0.3,
        last_reading=3,
    ),
    Spec(
        "Product description generation",
        "Sales",
        "Listing a new product takes 45 minutes of copywriting.",
        ("Minutes to list a product", "minutes", "decrease", "45", "10"),
        start=-70,
        end=110,
        stage="running",
        sponsor="sponsor2",
        owner="owner3",
        last_reading=45,
    ),
    Spec(
        "Meeting notes summariser",
        "Operations",
        "Managers spend four hours a week writing up meetings.",
        ("Manager hours on write-ups per week", "hours", "decrease", "4", "1.5"),
        start=-70,
        end=50,
        stage="running",
        owner="owner",
        last_reading=5,
    ),
    Spec(
        "Call transcription quality scoring",
        "Customer Service",
        "Quality assurance samples 2% of calls.",
        ("Calls quality-scored", "%", "increase", "2", "60"),
        start=-110,
        end=40,
        stage="running",
        owner="owner2",
        ops="ops2",
        last_reading=4,
    ),
    Spec(
        "Spare parts reorder advisor",
        "Operations",
        "Engineers wait for parts that should have been in stock.",
        ("Jobs delayed for parts", "%", "decrease", "9", "4"),
        start=-150,
        end=30,
        stage="running",
        owner="owner",
        last_reading=6,
        tasks=[*HANDOVER_TASKS[:2], ("Write the support rota", TaskKind.SUPPORT_ROTA, -2, False)],
    ),
    Spec(
        "Mortgage document checks",
        "Risk & Compliance",
        "Underwriters check 60 pages per application by hand.",
        ("Underwriter minutes per application", "minutes", "decrease", "95", "40"),
        start=-125,
        end=-5,
        stage="running",
        owner="owner3",
        sponsor="sponsor2",
        last_reading=8,
        tasks=HANDOVER_TASKS,
    ),
    Spec(
        "Energy use anomaly detection",
        "Operations",
        "Site energy waste is found on the quarterly bill.",
        ("Energy cost per site per month", "£", "decrease", "18400", "15500"),
        start=-170,
        end=10,
        stage="running",
        owner="owner2",
        progress=1.15,
        last_reading=1,
        tasks=ALL_DONE,
        operations_accepted=True,
    ),
    Spec(
        "Returns reason classification",
        "Customer Service",
        "Returns reasons are free text nobody reads.",
        ("Returns with an actionable reason code", "%", "increase", "18", "80"),
        start=-120,
        end=60,
        stage="running",
        owner="owner",
        member="member2",
        last_reading=6,
        tasks=HANDOVER_TASKS,
    ),
    Spec(
        "Payroll query chatbot",
        "HR",
        "Payroll queries spike every month-end.",
        ("Payroll queries needing an agent", "per month", "decrease", "2300", "900"),
        start=-400,
        end=-220,
        stage="graduated",
        owner="owner3",
        progress=1.1,
        last_reading=3,
        tasks=ALL_DONE,
        operations_accepted=True,
    ),
    Spec(
        "Delivery slot pricing",
        "Sales",
        "Van capacity is wasted on cheap slots at peak times.",
        ("Van utilisation at peak", "%", "increase", "74", "88"),
        start=-330,
        end=-150,
        stage="graduated",
        owner="owner",
        progress=1.05,
        last_reading=5,
        tasks=ALL_DONE,
        operations_accepted=True,
        ops="ops2",
    ),
    Spec(
        "Credit memo matching",
        "Finance",
        "Credit memos are matched to invoices by hand at quarter end.",
        ("Credit memos matched automatically", "%", "increase", "0", "75"),
        start=-300,
        end=-120,
        stage="graduated",
        owner="owner2",
        progress=1.2,
        last_reading=7,
        tasks=ALL_DONE,
        operations_accepted=True,
    ),
    Spec(
        "Store shelf gap detection",
        "Operations",
        "Empty shelves are spotted by customers first.",
        ("Shelf gaps fixed within an hour", "%", "increase", "35", "80"),
        start=-240,
        end=-60,
        stage="stopped",
        owner="owner3",
        progress=0.2,
        last_reading=70,
        lessons="Camera coverage in older stores was too patchy; the data pipeline never "
        "reached production quality. Fund the camera refresh before a second attempt.",
    ),
    Spec(
        "Recruiter CV screening",
        "HR",
        "Recruiters screen 300 CVs per role.",
        ("Recruiter hours per hire", "hours", "decrease", "22", "12"),
        start=10,
        end=190,
        stage="stopped",
        owner="owner",
        sponsor="sponsor2",
        lessons="The fairness review showed the pilot could not meet our hiring policy "
        "with the data available. Stopped before any candidate was affected.",
    ),
    Spec(
        "Route planning for field engineers",
        "Operations",
        "Engineers drive 20% more than a planned route needs.",
        ("Miles per completed job", "miles", "decrease", "31", "24"),
        start=-40,
        end=80,
        stage="running",
        owner="owner",
        ops=None,
        member="member2",
        last_reading=1,
        progress=1.0,
    ),
    Spec(
        "Email intent detection for banking",
        "Customer Service",
        "Customer emails wait two days for a first reply.",
        ("Hours to first reply", "hours", "decrease", "48", "8"),
        start=-2,
        end=178,
        stage="approved",
        owner="owner3",
        sponsor="sponsor2",
    ),
]

STAGE_ORDER = ["draft", "proposed", "approved", "running", "graduated", "stopped"]


class Command(BaseCommand):
    help = "Create the demo users and a demo portfolio of about 25 pilots (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        today = timezone.localdate()
        with refresh_skipped(), transaction.atomic():
            users = self._users()
            created = 0
            for spec in SPECS:
                if not Pilot.objects.filter(title=spec.title).exists():
                    self._build(spec, users, today)
                    created += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo portfolio ready: {Pilot.objects.count()} pilots ({created} new)."
            )
        )
        self.stdout.write(
            f"Demo logins (password for all: {DEMO_PASSWORD}): " + ", ".join(USERS) + "."
        )

    def _users(self) -> dict[str, User]:
        user_model = get_user_model()
        users = {}
        for username, (first, last, groups, superuser) in USERS.items():
            user, created = user_model.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                    "is_staff": superuser,
                    "is_superuser": superuser,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            for name in groups:
                user.groups.add(Group.objects.get_or_create(name=name)[0])
            users[username] = user
        return users

    def _build(self, spec: Spec, users: dict[str, User], today: date) -> None:
        sponsor, lead = users[spec.sponsor], users["lead"]
        owner = users[spec.owner] if spec.owner else None
        start = today + timedelta(days=spec.start)
        end = today + timedelta(days=spec.end)
        unit = BusinessUnit.objects.get_or_create(name=spec.unit)[0]
        pilot = registration.pilot_create(
            by=sponsor,
            title=spec.title,
            problem_statement=spec.problem,
            business_unit=unit,
            planned_start=start,
            planned_end=end,
            operations_owner=users[spec.ops] if spec.ops else None,
            receiving_team="" if spec.ops else f"{spec.unit} operations",
        )
        if spec.member:
            registration.member_add(
                pilot=pilot, by=sponsor, user=users[spec.member], role="ML engineer"
            )
        name, unit_label, direction, baseline, target = spec.metric
        primary = metrics.metric_create(
            pilot=pilot,
            by=sponsor,
            name=name,
            kind=MetricKind.PRIMARY,
            unit=unit_label,
            direction=direction,
            baseline=Decimal(baseline),
            target=Decimal(target),
            target_date=end,
            cadence=Cadence.WEEKLY,
            data_source="Production data warehouse, nightly load",
        )
        tracked = [(primary, spec.progress)]
        if spec.segment:
            s_name, s_unit, s_dir, s_base, s_target = spec.segment
            segment = metrics.metric_create(
                pilot=pilot,
                by=sponsor,
                name=s_name,
                kind=MetricKind.CRITICAL_SEGMENT,
                unit=s_unit,
                direction=s_dir,
                baseline=Decimal(s_base),
                target=Decimal(s_target),
                target_date=end,
                cadence=Cadence.WEEKLY,
                data_source="Service desk event stream",
            )
            tracked.append((segment, 0.6))
        if spec.model_metric:
            model = metrics.metric_create(
                pilot=pilot,
                by=sponsor,
                name="Classifier accuracy",
                kind=MetricKind.MODEL,
                unit="%",
                direction=Direction.INCREASE,
                baseline=Decimal("88"),
                target=Decimal("95"),
                target_date=end,
                cadence=Cadence.WEEKLY,
                data_source="Offline evaluation set",
            )
            tracked.append((model, 1.2))
        if spec.complete:
            for item in InfrastructureItem:
                planned = item == InfrastructureItem.SECURITY_REVIEW and spec.stage == "draft"
                registration.infrastructure_answer(
                    pilot=pilot,
                    by=sponsor,
                    item=item,
                    answer=InfrastructureAnswerValue.PLANNED
                    if planned
                    else InfrastructureAnswerValue.YES,
                    evidence_url=f"https://intranet.example.com/evidence/{pilot.reference}/{item}",
                    notes="Booked with the security team for week 2." if planned else "",
                )
            registration.operating_plan_update(
                pilot=pilot,
                by=sponsor,
                run_cost_per_month=Decimal("4200.00"),
                support_model="Business-hours support by the receiving team; "
                "out-of-hours on the existing platform on-call rota.",
                monitoring_plan="Input drift, error rate and the primary metric on the "
                "production dashboard, alerting to the team channel.",
                incident_process="Raised in the service desk as a P2 against the application.",
                model_maintenance="Quarterly retraining on the last 12 months of data, with a "
                "re-validation sign-off by the business owner.",
                budget_holder=f"{spec.unit} director",
            )
        if owner:
            ownership.owner_nominate(pilot=pilot, by=sponsor, owner=owner)
            if spec.owner_answer == "decline":
                ownership.ownership_decline(
                    pilot=pilot,
                    by=owner,
                    reason="I do not run this process; try the legal operations manager.",
                )
            elif spec.owner_answer == "accept":
                ownership.ownership_accept(pilot=pilot, by=owner)
            elif spec.nominated_days_ago:
                # History, not a new action: the nomination was made days ago.
                Pilot.objects.filter(pk=pilot.pk).update(
                    owner_nominated_at=timezone.now() - timedelta(days=spec.nominated_days_ago)
                )
        if spec.rejected_once:
            gates.pilot_submit(pilot=pilot, by=sponsor)
            gates.pilot_reject(
                pilot=pilot,
                by=lead,
                reason="The baseline is from one region only; measure it across all regions.",
            )
        target_index = STAGE_ORDER.index(spec.stage)
        if target_index >= 1:
            gates.pilot_submit(pilot=pilot, by=sponsor)
        if target_index >= 2:
            gates.pilot_approve(
                pilot=pilot,
                by=lead,
                rationale="Metric, owner and operating plan are credible; production rails "
                "are in place.",
            )
        if target_index >= 3 and not (spec.stage == "stopped" and spec.start > 0):
            gates.pilot_start(pilot=pilot, by=sponsor, today=start)
            self._readings(pilot, tracked, start, today, spec, users)
        for title, kind, due, done in spec.tasks:
            assert owner is not None, "the business owner writes the handover plan"
            task = handover.task_create(
                pilot=pilot,
                by=owner,
                title=title,
                kind=kind,
                assignee=users[spec.member or "member"],
                receiver=users[spec.ops] if spec.ops else None,
                receiver_team="" if spec.ops else f"{spec.unit} operations",
                due_on=min(end, today + timedelta(days=due)),
            )
            # History: the plan was written in the pilot's first weeks, not today.
            KnowledgeTransferTask.objects.filter(pk=task.pk).update(
                created_at=timezone.make_aware(
                    datetime.combine(min(today, start + timedelta(days=14)), time(10))
                )
            )
            if done:
                handover.task_complete(
                    task=task,
                    by=owner,
                    evidence_url=f"https://wiki.example.com/{pilot.reference}/handover/{task.pk}",
                )
        if spec.operations_accepted:
            ownership.operations_accept(pilot=pilot, by=users[spec.ops] if spec.ops else lead)
        if spec.stage == "graduated":
            gates.pilot_graduate(
                pilot=pilot,
                by=lead,
                rationale="Target reached and held for six weeks; operations runs it.",
            )
        elif spec.stage == "stopped":
            gates.pilot_stop(
                pilot=pilot,
                by=lead,
                rationale="Decided with the sponsor at the gate review.",
                lessons_learned=spec.lessons,
            )

    def _readings(self, pilot, tracked, start, today, spec, users) -> None:
        """Weekly readings from the start up to ``last_reading`` days ago."""
        recorder = users[spec.owner]
        last = today - timedelta(days=spec.last_reading)
        for metric, progress in tracked:
            span = max((metric.target_date - start).days, 1)
            day = start
            while day <= last:
                share = Decimal(str(round(min((day - start).days / span * progress, 1.3), 4)))
                value = metric.baseline + (metric.target - metric.baseline) * share
                metrics.reading_record(
                    metric=metric,
                    by=recorder,
                    observed_on=day,
                    value=value.quantize(Decimal("0.01")),
                    source=ReadingSource.API,
                )
                day += timedelta(days=7)
