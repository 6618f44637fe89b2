"""Invariants the database itself enforces, whatever code writes the rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from pilots.enums import (
    InfrastructureAnswerValue,
    InfrastructureItem,
    MetricKind,
    OwnershipStatus,
    Stage,
    TaskStatus,
)
from pilots.models import GateDecision, InfrastructureAnswer, Pilot
from tests import factories


def violates(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


@pytest.mark.django_db
def test_one_primary_metric_per_pilot():
    metric = factories.MetricFactory()
    factories.MetricFactory(pilot=metric.pilot, kind=MetricKind.BUSINESS)
    factories.MetricFactory(pilot=metric.pilot, kind=MetricKind.MODEL)

    violates(lambda: factories.MetricFactory(pilot=metric.pilot, kind=MetricKind.PRIMARY))


@pytest.mark.django_db
def test_metric_names_unique_within_a_pilot():
    metric = factories.MetricFactory(name="Cycle time")
    factories.MetricFactory(name="Cycle time")  # other pilot: fine

    violates(
        lambda: factories.MetricFactory(pilot=metric.pilot, name="Cycle time", kind="business")
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("direction", "baseline", "target", "ok"),
    [
        ("increase", "10", "20", True),
        ("increase", "10", "10", False),
        ("increase", "10", "5", False),
        ("decrease", "10", "5", True),
        ("decrease", "10", "15", False),
    ],
)
def test_target_lies_beyond_baseline_in_the_metric_direction(direction, baseline, target, ok):
    def make():
        factories.MetricFactory(
            direction=direction, baseline=Decimal(baseline), target=Decimal(target)
        )

    if ok:
        make()
    else:
        violates(make)


@pytest.mark.django_db
def test_one_reading_per_metric_and_day():
    reading = factories.ReadingFactory()

    violates(
        lambda: factories.ReadingFactory(metric=reading.metric, observed_on=reading.observed_on)
    )


@pytest.mark.django_db
def test_planned_end_not_before_start():
    violates(
        lambda: factories.PilotFactory(planned_start=date(2026, 3, 1), planned_end=date(2026, 2, 1))
    )
    factories.PilotFactory(planned_start=date(2026, 3, 1), planned_end=date(2026, 3, 1))


@pytest.mark.django_db
def test_owner_status_matches_owner():
    violates(lambda: factories.PilotFactory(owner=None, owner_status=OwnershipStatus.PENDING))
    violates(lambda: factories.PilotFactory(owner=factories.UserFactory()))  # status "none"


@pytest.mark.django_db
def test_decline_needs_reason_and_time():
    user = factories.UserFactory()
    violates(
        lambda: factories.PilotFactory(
            owner=user,
            owner_status=OwnershipStatus.DECLINED,
            owner_responded_at=None,
            owner_decline_reason="x",
        )
    )


@pytest.mark.django_db
def test_reference_unique():
    factories.PilotFactory(reference="PIL-0001")
    violates(lambda: factories.PilotFactory(reference="PIL-0001"))


@pytest.mark.django_db
def test_done_task_needs_evidence_and_completion_time():
    violates(lambda: factories.TaskFactory(status=TaskStatus.DONE, evidence_url=""))


@pytest.mark.django_db
def test_task_needs_a_receiver():
    violates(lambda: factories.TaskFactory(receiver=None, receiver_team=""))


@pytest.mark.django_db
def test_infrastructure_yes_needs_evidence_and_one_answer_per_item():
    pilot = factories.PilotFactory()
    violates(
        lambda: InfrastructureAnswer.objects.create(
            pilot=pilot, item=InfrastructureItem.CI_CD, answer=InfrastructureAnswerValue.YES
        )
    )
    InfrastructureAnswer.objects.create(
        pilot=pilot, item=InfrastructureItem.CI_CD, answer=InfrastructureAnswerValue.NO
    )
    violates(
        lambda: InfrastructureAnswer.objects.create(
            pilot=pilot, item=InfrastructureItem.CI_CD, answer=InfrastructureAnswerValue.NO
        )
    )


@pytest.mark.django_db
def test_stage_is_a_known_value_and_running_needs_start():
    violates(lambda: factories.PilotFactory(stage="launched"))
    violates(lambda: factories.PilotFactory(stage=Stage.RUNNING, started_on=None))


@pytest.mark.django_db
def test_graduated_needs_operations_acceptance():
    violates(lambda: factories.PilotFactory(stage=Stage.GRADUATED, started_on=date(2026, 1, 5)))


@pytest.mark.django_db
def test_gate_decision_needs_rationale_and_stop_needs_lessons():
    pilot = factories.PilotFactory()
    user = pilot.sponsor
    violates(
        lambda: GateDecision.objects.create(
            pilot=pilot, decided_by=user, from_stage="draft", to_stage="proposed", rationale=""
        )
    )
    violates(
        lambda: GateDecision.objects.create(
            pilot=pilot, decided_by=user, from_stage="running", to_stage="stopped", rationale="x"
        )
    )
    violates(
        lambda: GateDecision.objects.create(
            pilot=pilot, decided_by=user, from_stage="draft", to_stage="draft", rationale="x"
        )
    )


@pytest.mark.django_db
def test_pilot_create_assigns_reference(sponsor):
    from pilots.services.registration import pilot_create

    pilot = pilot_create(by=sponsor, title="Invoice extraction")

    assert pilot.reference == f"PIL-{pilot.pk:04d}"
    assert Pilot.objects.get(pk=pilot.pk).stage == Stage.DRAFT
