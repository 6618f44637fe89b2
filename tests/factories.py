"""factory_boy factories: each builds a valid object with the fewest fields."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from pilots.enums import (
    PORTFOLIO_LEADS_GROUP,
    SPONSORS_GROUP,
    BudgetStatus,
    Cadence,
    Confidence,
    Direction,
    InfrastructureAnswerValue,
    InfrastructureItem,
    MetricKind,
    OwnershipStatus,
    ReadingSource,
    Stage,
    TaskKind,
)
from pilots.models import (
    BusinessUnit,
    CheckIn,
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    OperatingPlan,
    Pilot,
    PilotEvent,
    PilotMembership,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pw")

    @factory.post_generation
    def groups(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        for name in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=name)[0])


def sponsor_user(username: str = "sponsor") -> object:
    return UserFactory(username=username, groups=[SPONSORS_GROUP])


def lead_user(username: str = "lead") -> object:
    return UserFactory(username=username, groups=[PORTFOLIO_LEADS_GROUP])


class BusinessUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessUnit
        django_get_or_create = ("name",)

    name = factory.Iterator(["Finance", "Operations", "Customer Service"])


class PilotFactory(factory.django.DjangoModelFactory):
    """A draft pilot. Use the services (or ``ready_pilot``) to move it on."""

    class Meta:
        model = Pilot

    title = factory.Sequence(lambda n: f"Pilot {n}")
    problem_statement = "Agents re-key data by hand."
    business_unit = factory.SubFactory(BusinessUnitFactory)
    sponsor = factory.SubFactory(UserFactory)
    planned_start = date(2026, 1, 5)
    planned_end = date(2026, 7, 5)
    reference = factory.Sequence(lambda n: f"PIL-{n + 9000:04d}")


class MetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Metric

    pilot = factory.SubFactory(PilotFactory)
    name = factory.Sequence(lambda n: f"Metric {n}")
    kind = MetricKind.PRIMARY
    # A primary metric in "%" is a rate: the default policy (PILOTGATE_SEGMENT_METRIC_
    # REQUIRED=rates) then needs a critical-segment metric before submission. Tests of
    # that rule say unit="%"; the rest get a count.
    unit = factory.LazyAttribute(lambda m: "cases a day" if m.kind == MetricKind.PRIMARY else "%")
    direction = Direction.INCREASE
    baseline = Decimal("10")
    target = Decimal("40")
    target_date = factory.LazyAttribute(lambda m: m.pilot.planned_end)
    cadence = Cadence.WEEKLY
    data_source = "Warehouse"
    # Provenance by default, so a complete registration passes the gate; tests of its
    # absence pass baseline_measured_on=None, baseline_method="", baseline_source="".
    baseline_measured_on = factory.LazyAttribute(
        lambda m: min(m.pilot.planned_start or date.max, timezone.localdate()) - timedelta(days=14)
    )
    baseline_method = "4-week average of the ledger"
    baseline_source = "Claims DB"


class ReadingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MetricReading

    metric = factory.SubFactory(MetricFactory)
    observed_on = date(2026, 2, 1)
    value = Decimal("12")
    source = ReadingSource.WEB


class CheckInFactory(factory.django.DjangoModelFactory):
    """A check-in by the pilot's owner (written directly: the service checks the rules)."""

    class Meta:
        model = CheckIn

    pilot = factory.SubFactory(PilotFactory)
    author = factory.LazyAttribute(lambda c: c.pilot.owner)
    confidence = Confidence.ON_TRACK
    narrative = "Volumes are up and the team is confident."


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KnowledgeTransferTask

    pilot = factory.SubFactory(PilotFactory)
    title = factory.Sequence(lambda n: f"Handover task {n}")
    kind = TaskKind.RUNBOOK
    assignee = factory.SubFactory(UserFactory)
    receiver_team = "Operations"
    due_on = factory.LazyAttribute(lambda t: t.pilot.planned_end - timedelta(days=7))


def complete_registration(
    pilot: Pilot,
    *,
    owner: object | None = None,
    budget_holder: object | None = None,
    budget_status: str = BudgetStatus.ACCEPTED,
) -> Pilot:
    """Fill in everything submission requires (owner nominated, pending), with a budget
    holder (a new user unless given) who accepted the run cost unless told."""
    if not pilot.metrics.filter(kind=MetricKind.PRIMARY).exists():
        MetricFactory(pilot=pilot)
    for item in InfrastructureItem:
        InfrastructureAnswer.objects.get_or_create(
            pilot=pilot,
            item=item,
            defaults={
                "answer": InfrastructureAnswerValue.YES,
                "evidence_url": f"https://example.com/{item}",
            },
        )
    OperatingPlan.objects.update_or_create(
        pilot=pilot,
        defaults={
            "run_cost_per_month": Decimal("1000"),
            "support_model": "Business hours",
            "monitoring_plan": "Dashboards",
            "incident_process": "Service desk",
            "model_maintenance": "Quarterly retraining",
            "budget_holder": budget_holder or UserFactory(),
            "budget_status": budget_status,
            "budget_named_at": timezone.now(),
            "budget_responded_at": timezone.now()
            if budget_status in (BudgetStatus.ACCEPTED, BudgetStatus.DECLINED)
            else None,
            "budget_decline_reason": "Not in this year's budget."
            if budget_status == BudgetStatus.DECLINED
            else "",
        },
    )
    if owner is not None:
        pilot.owner = owner
        pilot.owner_status = OwnershipStatus.PENDING
    pilot.receiving_team = pilot.receiving_team or "Finance operations"
    pilot.save()
    return pilot


def add_member(pilot: Pilot, user: object) -> PilotMembership:
    return PilotMembership.objects.create(pilot=pilot, user=user, role="Engineer")


def due_portfolio(n: int, *, sponsor: object, owner: object, assignee: object) -> list[Pilot]:
    """``n`` running pilots (5 Jan to 5 Jul 2026) with reminders due on 6 Jul 2026.

    Each has a task overdue (to the assignee and the owner), a primary metric
    never read (stale, to the owner) and no final decision (to the sponsor and
    every portfolio lead). Its owner checked in on 1 Jul 2026 (an audited change, the event alone),
    so it is not orphaned: these are the reminders due, and only these.
    """
    pilots = []
    for _ in range(n):
        pilot = PilotFactory(
            sponsor=sponsor,
            owner=owner,
            owner_status=OwnershipStatus.ACCEPTED,
            owner_responded_at=datetime(2026, 1, 2, tzinfo=UTC),
            stage=Stage.RUNNING,
            started_on=date(2026, 1, 5),
            receiving_team="Operations",
        )
        MetricFactory(pilot=pilot)
        TaskFactory(pilot=pilot, assignee=assignee, due_on=date(2026, 6, 1))
        pilots.append(pilot)
    PilotEvent.objects.bulk_create(
        PilotEvent(
            pilot=pilot,
            actor=owner,
            at=datetime(2026, 7, 1, 12, tzinfo=UTC),
            action=PilotEvent.Action.CHECKIN_RECORDED,
            subject="Checked in.",
        )
        for pilot in pilots
    )
    return pilots


def graduate(pilot: Pilot, *, owner: object, ops: object, lead: object) -> Pilot:
    """Graduate a running pilot through the gate (a confirmed task, operations' acceptance)."""
    from pilots.services import gates, handover, ownership

    task = TaskFactory(pilot=pilot, assignee=owner)
    handover.task_complete(task=task, by=owner, evidence_url="https://wiki.example.com/r")
    handover.task_confirm(task=task, by=ops)
    ownership.operations_accept(pilot=pilot, by=ops)
    gates.pilot_graduate(pilot=pilot, by=lead, rationale="Live.")
    pilot.refresh_from_db()
    return pilot
