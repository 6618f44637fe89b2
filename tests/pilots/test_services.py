"""Registration, ownership and handover services: rules, permissions, audit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from pilots.enums import InfrastructureItem, OwnershipStatus, TaskStatus
from pilots.errors import NotAllowed
from pilots.models import OperatingPlan, Pilot, PilotEvent
from pilots.services import handover, ownership, registration
from tests import factories


def actions(pilot: Pilot) -> list[str]:
    return list(pilot.events.order_by("at", "id").values_list("action", flat=True))


# --- registration ------------------------------------------------------------------


def test_only_sponsors_and_leads_register_pilots(sponsor, lead, outsider):
    assert registration.pilot_create(by=sponsor, title="A").sponsor == sponsor
    assert registration.pilot_create(by=lead, title="B").sponsor == lead
    with pytest.raises(NotAllowed):
        registration.pilot_create(by=outsider, title="C")
    assert Pilot.objects.count() == 2


def test_create_refuses_end_before_start_and_writes_nothing(sponsor):
    with pytest.raises(ValidationError) as error:
        registration.pilot_create(
            by=sponsor, title="X", planned_start=date(2026, 3, 1), planned_end=date(2026, 2, 1)
        )
    assert "The planned end cannot be before the planned start." in error.value.messages
    assert not Pilot.objects.exists()
    assert not PilotEvent.objects.exists()


def test_update_records_before_and_after(draft, sponsor):
    registration.pilot_update(pilot=draft, by=sponsor, planned_end=date(2026, 8, 1), title="New")

    event = draft.events.get(action=PilotEvent.Action.UPDATED)
    assert event.changes == {
        "planned_end": ["2026-07-05", "2026-08-01"],
        "title": [event.changes["title"][0], "New"],
    }
    assert event.actor == sponsor


def test_update_with_no_change_records_nothing(draft, sponsor):
    registration.pilot_update(pilot=draft, by=sponsor, title=draft.title)
    assert not draft.events.filter(action=PilotEvent.Action.UPDATED).exists()


def test_proposed_pilot_cannot_be_edited(proposed, sponsor):
    with pytest.raises(ValidationError) as error:
        registration.pilot_update(pilot=proposed, by=sponsor, title="Changed")
    assert error.value.code == "stage_locked"
    assert Pilot.objects.get(pk=proposed.pk).title == proposed.title


def test_running_pilot_start_date_is_history(running, sponsor):
    with pytest.raises(ValidationError) as error:
        registration.pilot_update(pilot=running, by=sponsor, planned_start=date(2026, 1, 1))
    assert "planned_start" in error.value.message_dict


def test_moving_the_end_of_a_running_pilot_is_recorded_with_reason(running, sponsor):
    registration.pilot_update(
        pilot=running, by=sponsor, planned_end=date(2026, 9, 1), reason="Data arrived late"
    )
    event = running.events.filter(action=PilotEvent.Action.UPDATED).get()
    assert (event.changes, event.reason) == (
        {"planned_end": ["2026-07-05", "2026-09-01"]},
        "Data arrived late",
    )


@pytest.mark.parametrize("who", ["owner", "member", "ops", "outsider"])
def test_only_sponsor_or_lead_edit(draft, who, request):
    with pytest.raises(NotAllowed):
        registration.pilot_update(pilot=draft, by=request.getfixturevalue(who), title="X")


def test_changing_operations_owner_clears_its_acceptance(running, ops, sponsor):
    ownership.operations_accept(pilot=running, by=ops)
    registration.pilot_update(
        pilot=running, by=sponsor, operations_owner=factories.UserFactory(), reason="Reorganised."
    )

    running.refresh_from_db()
    assert running.operations_accepted_at is None


def test_infrastructure_answer_upserts_and_requires_evidence_for_yes(draft, sponsor):
    with pytest.raises(ValidationError) as error:
        registration.infrastructure_answer(
            pilot=draft, by=sponsor, item=InfrastructureItem.CI_CD, answer="yes", evidence_url=""
        )
    assert "A 'yes' needs an evidence link." in error.value.messages

    registration.infrastructure_answer(
        pilot=draft,
        by=sponsor,
        item=InfrastructureItem.CI_CD,
        answer="planned",
        planned_on=date(2026, 2, 1),
    )
    assert draft.infrastructure.get(item=InfrastructureItem.CI_CD).answer == "planned"
    assert draft.infrastructure.count() == len(InfrastructureItem)


def test_operating_plan_rejects_negative_cost(draft, sponsor):
    with pytest.raises(ValidationError):
        registration.operating_plan_update(pilot=draft, by=sponsor, run_cost_per_month=Decimal(-1))
    assert OperatingPlan.objects.get(pilot=draft).run_cost_per_month == Decimal("1000")


def test_member_add_twice_is_refused(draft, sponsor, member):
    with pytest.raises(ValidationError):
        registration.member_add(pilot=draft, by=sponsor, user=member)


# --- ownership -------------------------------------------------------------------------


def test_nominee_accepts_and_time_is_recorded(draft, owner):
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        ownership.ownership_accept(pilot=draft, by=owner)

    draft.refresh_from_db()
    assert draft.owner_status == OwnershipStatus.ACCEPTED
    assert draft.owner_responded_at.isoformat() == "2026-03-02T09:00:00+00:00"
    assert actions(draft)[-1] == PilotEvent.Action.OWNER_ACCEPTED


def test_decline_needs_reason_and_keeps_it(draft, owner):
    with pytest.raises(ValidationError) as error:
        ownership.ownership_decline(pilot=draft, by=owner, reason="  ")
    assert "reason" in error.value.message_dict

    ownership.ownership_decline(pilot=draft, by=owner, reason="Not my process")
    draft.refresh_from_db()
    assert (draft.owner_status, draft.owner_decline_reason) == (
        OwnershipStatus.DECLINED,
        "Not my process",
    )


def test_only_the_nominee_answers_once(draft, owner, sponsor):
    with pytest.raises(NotAllowed):
        ownership.ownership_accept(pilot=draft, by=sponsor)
    ownership.ownership_accept(pilot=draft, by=owner)
    with pytest.raises(ValidationError):
        ownership.ownership_decline(pilot=draft, by=owner, reason="Changed my mind")


def test_renomination_after_decline_resets_the_answer(draft, owner, sponsor):
    ownership.ownership_decline(pilot=draft, by=owner, reason="No")
    other = factories.UserFactory()

    ownership.owner_nominate(pilot=draft, by=sponsor, owner=other)

    draft.refresh_from_db()
    assert (draft.owner, draft.owner_status, draft.owner_decline_reason) == (
        other,
        OwnershipStatus.PENDING,
        "",
    )
    assert draft.owner_responded_at is None


def test_nominating_the_current_owner_again_is_refused(draft, sponsor, owner):
    with pytest.raises(ValidationError):
        ownership.owner_nominate(pilot=draft, by=sponsor, owner=owner)


def test_inactive_user_cannot_be_nominated(draft, sponsor):
    with pytest.raises(ValidationError):
        ownership.owner_nominate(
            pilot=draft, by=sponsor, owner=factories.UserFactory(is_active=False)
        )


def test_operations_accept_only_by_operations_owner_while_running(running, approved, ops, owner):
    with pytest.raises(NotAllowed):
        ownership.operations_accept(pilot=running, by=owner)
    ownership.operations_accept(pilot=running, by=ops)
    with pytest.raises(ValidationError):
        ownership.operations_accept(pilot=running, by=ops)


# --- handover ---------------------------------------------------------------------------


def test_task_create_appends_in_order_and_records(running, owner, member):
    first = handover.task_create(
        pilot=running,
        by=owner,
        title="Runbook",
        kind="runbook",
        assignee=member,
        receiver_team="Ops",
        due_on=date(2026, 6, 1),
    )
    second = handover.task_create(
        pilot=running,
        by=owner,
        title="Training",
        kind="training",
        assignee=member,
        receiver_team="Ops",
        due_on=date(2026, 6, 2),
    )
    assert (first.position, second.position) == (1, 2)
    assert actions(running).count(PilotEvent.Action.TASK_ADDED) == 2


def test_task_create_refused_for_member_and_validates(running, owner, member):
    with pytest.raises(NotAllowed):
        handover.task_create(
            pilot=running,
            by=member,
            title="X",
            kind="runbook",
            assignee=member,
            receiver_team="Ops",
            due_on=date(2026, 6, 1),
        )
    with pytest.raises(ValidationError) as error:
        handover.task_create(
            pilot=running,
            by=owner,
            title="X",
            kind="runbook",
            assignee=member,
            due_on=date(2026, 6, 1),
        )
    assert "Name who receives the knowledge: a person or a team." in error.value.messages


def test_task_complete_needs_evidence_and_assignee_or_owner(running, owner, member, ops):
    task = factories.TaskFactory(pilot=running, assignee=member)
    with pytest.raises(NotAllowed):
        handover.task_complete(task=task, by=ops, evidence_url="https://x.example.com")
    with pytest.raises(ValidationError) as error:
        handover.task_complete(task=task, by=member)
    assert "evidence_url" in error.value.message_dict

    handover.task_complete(task=task, by=member, evidence_url="https://wiki.example.com/rb")

    task.refresh_from_db()
    assert (task.status, task.completed_by) == (TaskStatus.WAITING, member)
    with pytest.raises(ValidationError):
        handover.task_complete(task=task, by=member)


def test_task_reopen_clears_completion(running, owner, member):
    task = factories.TaskFactory(pilot=running, assignee=member)
    handover.task_complete(task=task, by=owner, evidence_url="https://wiki.example.com/rb")

    handover.task_reopen(task=task, by=owner)

    task.refresh_from_db()
    assert (task.status, task.completed_at) == (TaskStatus.IN_PROGRESS, None)


def test_task_reorder_needs_every_task_once(running, owner, member):
    a, b, c = (factories.TaskFactory(pilot=running, assignee=member, position=i) for i in (1, 2, 3))
    with pytest.raises(ValidationError):
        handover.task_reorder(pilot=running, by=owner, task_ids=[a.pk, b.pk])

    handover.task_reorder(pilot=running, by=owner, task_ids=[c.pk, a.pk, b.pk])

    assert list(running.tasks.order_by("position").values_list("pk", flat=True)) == [
        c.pk,
        a.pk,
        b.pk,
    ]
