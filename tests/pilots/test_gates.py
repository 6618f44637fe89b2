"""Every gate transition, allowed and refused, with the missing items named."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from pilots.enums import (
    PORTFOLIO_LEADS_GROUP,
    InfrastructureItem,
    OwnershipStatus,
    Stage,
    TaskStatus,
)
from pilots.errors import NotAllowed, TransitionRefused
from pilots.models import (
    GateDecision,
    InfrastructureAnswer,
    Metric,
    OperatingPlan,
    Pilot,
    PilotEvent,
)
from pilots.permissions import SPONSOR_AS_OWNER_RULE
from pilots.services import gates, handover, ownership
from tests import factories


def codes(refused: pytest.ExceptionInfo[TransitionRefused]) -> list[str]:
    return [item.code for item in refused.value.missing]


def stage_of(pilot: Pilot) -> str:
    return Pilot.objects.values_list("stage", flat=True).get(pk=pilot.pk)


# --- submit -----------------------------------------------------------------------


def test_submit_complete_draft_moves_to_proposed_and_records_decision(draft, sponsor):
    decision = gates.pilot_submit(pilot=draft, by=sponsor)

    assert stage_of(draft) == Stage.PROPOSED
    assert (decision.from_stage, decision.to_stage, decision.decided_by) == (
        Stage.DRAFT,
        Stage.PROPOSED,
        sponsor,
    )
    event = PilotEvent.objects.get(pilot=draft, action=PilotEvent.Action.STAGE_CHANGED)
    assert event.changes == {"stage": ["draft", "proposed"]}
    assert event.actor == sponsor


def test_submit_empty_draft_names_every_missing_item_at_once(sponsor):
    pilot = factories.PilotFactory(sponsor=sponsor, planned_start=None, planned_end=None)

    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_submit(pilot=pilot, by=sponsor)

    assert codes(refused) == [
        "planned_start",
        "planned_end",
        "primary_metric",
        "owner",
        "operations",
        *[f"infrastructure_{item.value}" for item in InfrastructureItem],
        "operating_plan",
    ]
    assert {item.section for item in refused.value.missing} == {
        "basics",
        "metric",
        "owner",
        "operations",
        "infrastructure",
        "plan",
    }
    assert stage_of(pilot) == Stage.DRAFT
    assert not GateDecision.objects.filter(pilot=pilot).exists()


def test_submit_names_each_missing_part_of_the_primary_metric_and_plan(draft, sponsor):
    Metric.objects.filter(pilot=draft).update(unit="", baseline=None, target_date=None)
    OperatingPlan.objects.filter(pilot=draft).update(
        support_model="", budget_holder=None, budget_status="none"
    )
    InfrastructureAnswer.objects.filter(pilot=draft, item=InfrastructureItem.MONITORING).delete()

    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_submit(pilot=draft, by=sponsor)

    messages = [item.message for item in refused.value.missing]
    assert messages == [
        "The primary business metric has no unit.",
        "The primary business metric has no baseline.",
        "The primary business metric has no target date.",
        f"Answer the infrastructure question: {InfrastructureItem.MONITORING.label}.",
        "The 12-month operating plan has no support model.",
        "Name the budget holder who will accept the 12-month run cost.",
    ]


def test_submit_refuses_target_date_not_after_start(draft, sponsor):
    Metric.objects.filter(pilot=draft).update(target_date=draft.planned_start)

    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_submit(pilot=draft, by=sponsor)

    assert codes(refused) == ["primary_metric_target_date"]


def test_submit_refuses_declined_owner(draft, sponsor, owner):
    ownership.ownership_decline(pilot=draft, by=owner, reason="Not my process.")

    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_submit(pilot=draft, by=sponsor)

    assert [i.message for i in refused.value.missing] == [
        "The nominated business owner declined: nominate another."
    ]


def test_submit_accepts_receiving_team_instead_of_operations_owner(draft, sponsor):
    Pilot.objects.filter(pk=draft.pk).update(operations_owner=None, receiving_team="Finance ops")
    draft.refresh_from_db()

    gates.pilot_submit(pilot=draft, by=sponsor)

    assert stage_of(draft) == Stage.PROPOSED


def test_submit_twice_is_refused_with_the_stage(proposed, sponsor):
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_submit(pilot=proposed, by=sponsor)

    assert codes(refused) == ["stage"]
    assert "only a draft pilot can be submitted" in refused.value.missing[0].message


@pytest.mark.parametrize("who", ["owner", "member", "ops", "outsider"])
def test_submit_by_anyone_but_sponsor_or_lead_is_not_allowed(draft, who, request):
    with pytest.raises(NotAllowed):
        gates.pilot_submit(pilot=draft, by=request.getfixturevalue(who))
    assert stage_of(draft) == Stage.DRAFT


# --- approve / reject ------------------------------------------------------------------


def test_approve_needs_accepted_owner_and_rationale(proposed, lead):
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_approve(pilot=proposed, by=lead, rationale="  ")

    assert codes(refused) == ["owner_not_accepted", "rationale"]
    assert refused.value.missing[0].message == (
        "The nominated business owner has not accepted ownership yet."
    )
    assert stage_of(proposed) == Stage.PROPOSED


def test_approve_with_accepted_owner(proposed, owner, lead):
    ownership.ownership_accept(pilot=proposed, by=owner)

    decision = gates.pilot_approve(pilot=proposed, by=lead, rationale="Credible.")

    assert stage_of(proposed) == Stage.APPROVED
    assert (decision.rationale, decision.decided_by) == ("Credible.", lead)


@pytest.mark.parametrize("who", ["sponsor", "owner", "ops", "member", "admin_user"])
def test_approve_is_for_portfolio_leads_only(proposed, owner, who, request):
    ownership.ownership_accept(pilot=proposed, by=owner)
    with pytest.raises(NotAllowed):
        gates.pilot_approve(pilot=proposed, by=request.getfixturevalue(who), rationale="Yes")
    assert stage_of(proposed) == Stage.PROPOSED


def test_lead_cannot_approve_a_pilot_they_sponsor(lead, owner):
    pilot = factories.PilotFactory(sponsor=lead, receiving_team="Ops")
    factories.complete_registration(pilot, owner=owner)
    gates.pilot_submit(pilot=pilot, by=lead)
    ownership.ownership_accept(pilot=pilot, by=owner)

    with pytest.raises(NotAllowed, match=INDEPENDENCE):
        gates.pilot_approve(pilot=pilot, by=lead, rationale="Mine")


def test_reject_sends_back_to_draft_with_reason(proposed, lead, sponsor):
    decision = gates.pilot_reject(pilot=proposed, by=lead, reason="Baseline from one region.")

    assert stage_of(proposed) == Stage.DRAFT
    assert (decision.from_stage, decision.to_stage, decision.rationale) == (
        Stage.PROPOSED,
        Stage.DRAFT,
        "Baseline from one region.",
    )
    # The sponsor can fix and resubmit.
    gates.pilot_submit(pilot=proposed, by=sponsor)
    assert stage_of(proposed) == Stage.PROPOSED


def test_reject_needs_a_reason(proposed, lead):
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_reject(pilot=proposed, by=lead, reason="")
    assert codes(refused) == ["rationale"]


def test_reject_a_draft_is_refused(draft, lead):
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_reject(pilot=draft, by=lead, reason="No")
    assert codes(refused) == ["stage"]


# --- start ------------------------------------------------------------------------------


def test_start_before_planned_start_is_refused(approved, sponsor):
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_start(pilot=approved, by=sponsor, today=date(2026, 1, 4))

    assert codes(refused) == ["before_planned_start"]
    assert stage_of(approved) == Stage.APPROVED


def test_start_on_or_after_planned_start_records_the_day(approved, owner):
    gates.pilot_start(pilot=approved, by=owner, today=date(2026, 1, 9))

    approved.refresh_from_db()
    assert (approved.stage, approved.started_on) == (Stage.RUNNING, date(2026, 1, 9))


def test_start_needs_owner_still_accepted(approved, sponsor, outsider):
    ownership.owner_nominate(pilot=approved, by=sponsor, owner=outsider, reason="Moved on.")

    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_start(pilot=approved, by=sponsor, today=date(2026, 2, 1))

    assert codes(refused) == ["owner_not_accepted"]


@pytest.mark.parametrize("who", ["member", "ops", "outsider"])
def test_start_refused_for_other_roles(approved, who, request):
    with pytest.raises(NotAllowed):
        gates.pilot_start(pilot=approved, by=request.getfixturevalue(who), today=date(2026, 2, 1))


def test_start_a_proposed_pilot_is_refused(proposed, sponsor):
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_start(pilot=proposed, by=sponsor, today=date(2026, 2, 1))
    assert codes(refused) == ["stage"]


# --- graduate -------------------------------------------------------------------------------


def test_graduate_names_open_and_unconfirmed_tasks_missing_acceptance_and_rationale(
    running, owner, member, ops, lead
):
    done = factories.TaskFactory(pilot=running, assignee=member, title="Runbook")
    waiting = factories.TaskFactory(pilot=running, assignee=member, title="Training")
    factories.TaskFactory(pilot=running, assignee=member, title="Shadowing")
    handover.task_complete(task=done, by=owner, evidence_url="https://wiki.example.com/rb")
    handover.task_confirm(task=done, by=ops)
    handover.task_complete(task=waiting, by=member, evidence_url="https://wiki.example.com/tr")

    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_graduate(pilot=running, by=lead, rationale="")

    assert [i.message for i in refused.value.missing] == [
        "Knowledge-transfer task waiting for its receiver's confirmation: Training.",
        "Knowledge-transfer task not completed: Shadowing.",
        "Operations has not accepted the system yet.",
        "Write the rationale for graduating.",
    ]
    assert codes(refused)[:2] == ["task_unconfirmed", "task_open"]
    assert stage_of(running) == Stage.RUNNING


def test_graduate_without_any_task_is_refused(running, ops, lead):
    ownership.operations_accept(pilot=running, by=ops)

    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_graduate(pilot=running, by=lead, rationale="Live")

    assert codes(refused) == ["handover_plan"]


def test_graduate_when_handover_confirmed_and_operations_accepted(
    running, owner, member, ops, lead
):
    task = factories.TaskFactory(pilot=running, assignee=member)
    handover.task_complete(task=task, by=member, evidence_url="https://wiki.example.com/rb")
    handover.task_confirm(task=task, by=ops)
    ownership.operations_accept(pilot=running, by=ops)

    decision = gates.pilot_graduate(pilot=running, by=lead, rationale="Target held 6 weeks.")

    assert stage_of(running) == Stage.GRADUATED
    assert (decision.from_stage, decision.to_stage) == (Stage.RUNNING, Stage.GRADUATED)
    assert task.status == TaskStatus.DONE


def test_graduate_is_not_for_the_owner(running, owner):
    with pytest.raises(NotAllowed):
        gates.pilot_graduate(pilot=running, by=owner, rationale="Mine")


# --- independent decisions: a lead who neither sponsors nor owns the pilot ----------------


def make_lead(user) -> None:
    """Put ``user`` in the portfolio leads (and forget the groups their object remembers)."""
    user.groups.add(Group.objects.get_or_create(name=PORTFOLIO_LEADS_GROUP)[0])
    vars(user).pop("_pilotgate_groups", None)


INDEPENDENCE = "neither this pilot's sponsor nor its business owner"


@pytest.mark.parametrize("decision", ["graduate", "stop"])
def test_the_sponsor_alone_may_not_take_the_final_decision(running, sponsor, decision):
    with pytest.raises(NotAllowed, match=INDEPENDENCE):
        gates.TRANSITIONS[decision].run(
            running, sponsor, gates.Words(rationale="Mine", lessons_learned="Some")
        )
    assert stage_of(running) == Stage.RUNNING
    assert not running.decisions.filter(to_stage=Stage(gates.TRANSITIONS[decision].to)).exists()


@pytest.mark.parametrize("decision", ["graduate", "stop"])
def test_a_lead_who_sponsors_the_pilot_may_not_take_the_final_decision(running, lead, decision):
    running.sponsor = lead
    running.save(update_fields=["sponsor"])
    with pytest.raises(NotAllowed, match=f"{INDEPENDENCE} must record its"):
        gates.TRANSITIONS[decision].run(
            running, lead, gates.Words(rationale="Mine", lessons_learned="Some")
        )
    assert stage_of(running) == Stage.RUNNING


@pytest.mark.parametrize("decision", ["graduate", "stop"])
def test_a_lead_who_owns_the_pilot_may_not_take_the_final_decision(running, owner, decision):
    make_lead(owner)
    with pytest.raises(NotAllowed, match=INDEPENDENCE):
        gates.TRANSITIONS[decision].run(
            running, owner, gates.Words(rationale="Mine", lessons_learned="Some")
        )
    assert stage_of(running) == Stage.RUNNING


def test_a_lead_who_owns_the_pilot_may_not_approve_it(sponsor, owner):
    make_lead(owner)
    pilot = factories.PilotFactory(sponsor=sponsor, receiving_team="Ops")
    factories.complete_registration(pilot, owner=owner)
    gates.pilot_submit(pilot=pilot, by=sponsor)
    ownership.ownership_accept(pilot=pilot, by=owner)

    with pytest.raises(NotAllowed, match=f"{INDEPENDENCE} must approve it"):
        gates.pilot_approve(pilot=pilot, by=owner, rationale="Mine")
    assert stage_of(pilot) == Stage.PROPOSED


def test_a_lead_nominated_as_owner_may_not_reject_it(sponsor, owner):
    make_lead(owner)
    pilot = factories.PilotFactory(sponsor=sponsor, receiving_team="Ops")
    factories.complete_registration(pilot, owner=owner)
    gates.pilot_submit(pilot=pilot, by=sponsor)  # nominated, not answered

    with pytest.raises(NotAllowed, match=f"{INDEPENDENCE} must reject it"):
        gates.pilot_reject(pilot=pilot, by=owner, reason="Not mine")
    assert stage_of(pilot) == Stage.PROPOSED


def test_the_sponsor_may_not_nominate_themselves_as_owner(sponsor):
    pilot = factories.PilotFactory(sponsor=sponsor)
    with pytest.raises(ValidationError) as refused:
        ownership.owner_nominate(pilot=pilot, by=sponsor, owner=sponsor)
    assert refused.value.message_dict["owner"] == [SPONSOR_AS_OWNER_RULE]
    pilot.refresh_from_db()
    assert pilot.owner_id is None


def test_a_lead_may_not_nominate_the_sponsor_as_owner(sponsor, lead):
    pilot = factories.PilotFactory(sponsor=sponsor)
    with pytest.raises(ValidationError, match="sponsor cannot be its business owner"):
        ownership.owner_nominate(pilot=pilot, by=lead, owner=sponsor)


def test_a_small_organisation_may_let_the_sponsor_own_the_pilot(sponsor, settings):
    settings.PILOTGATE_ALLOW_SPONSOR_AS_OWNER = True
    pilot = factories.PilotFactory(sponsor=sponsor)
    ownership.owner_nominate(pilot=pilot, by=sponsor, owner=sponsor)
    pilot.refresh_from_db()
    assert pilot.owner_id == sponsor.pk


# --- stop ------------------------------------------------------------------------------------


def test_stop_requires_rationale_and_lessons(running, lead):
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_stop(pilot=running, by=lead, rationale="", lessons_learned=" ")

    assert codes(refused) == ["rationale", "lessons_learned"]
    assert stage_of(running) == Stage.RUNNING


@pytest.mark.parametrize("fixture", ["approved", "running"])
def test_stop_from_approved_or_running(fixture, lead, request):
    pilot = request.getfixturevalue(fixture)

    decision = gates.pilot_stop(
        pilot=pilot,
        by=lead,
        rationale="Data never reached quality.",
        lessons_learned="Fund data first.",
    )

    assert stage_of(pilot) == Stage.STOPPED
    assert decision.lessons_learned == "Fund data first."


def test_stop_a_draft_is_refused(draft, lead):
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_stop(pilot=draft, by=lead, rationale="x", lessons_learned="y")
    assert codes(refused) == ["stage"]


def test_closed_pilot_cannot_move_again(running, sponsor, lead):
    gates.pilot_stop(pilot=running, by=lead, rationale="Done", lessons_learned="Lessons")
    with pytest.raises(TransitionRefused):
        gates.pilot_graduate(pilot=running, by=lead, rationale="Actually live")
    with pytest.raises(ValidationError):
        ownership.owner_nominate(pilot=running, by=sponsor, owner=factories.UserFactory())


def test_transition_uses_the_stored_stage_not_a_stale_instance(draft, sponsor):
    stale_copy = Pilot.objects.get(pk=draft.pk)
    gates.pilot_submit(pilot=draft, by=sponsor)

    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_submit(pilot=stale_copy, by=sponsor)

    assert codes(refused) == ["stage"]
    assert GateDecision.objects.filter(pilot=draft).count() == 1


def test_every_decision_records_who_when_from_to_why(running, lead, sponsor):
    history = list(
        GateDecision.objects.filter(pilot=running)
        .order_by("decided_at", "id")
        .values_list("from_stage", "to_stage", "decided_by__username")
    )
    assert history == [
        ("draft", "proposed", "sponsor"),
        ("proposed", "approved", "lead"),
        ("approved", "running", "sponsor"),
    ]
    assert all(d.decided_at is not None for d in GateDecision.objects.filter(pilot=running))
    assert running.owner_status == OwnershipStatus.ACCEPTED
