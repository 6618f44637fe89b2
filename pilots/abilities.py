"""What a user may do to one pilot now: which buttons and forms a page shows.

A read, built from the same role sets (``pilots.permissions``) and stage
tables (``pilots.services``) the services enforce, so a page never offers an
action the service would refuse for role or stage. The services stay the
authority: a form that is shown may still be refused for missing items.
"""

from __future__ import annotations

from dataclasses import dataclass

from pilots.enums import BudgetStatus, OwnershipStatus, Stage, TaskStatus
from pilots.models import KnowledgeTransferTask, MetricReading, Pilot
from pilots.permissions import (
    CHECKIN_AUTHORS,
    EDITORS,
    HANDOVER_PLANNERS,
    NOT_INDEPENDENT,
    OPERATIONS_ACCEPTORS,
    READING_RECORDERS,
    STARTERS,
    AnyUser,
    Role,
    independent_decision_refusal,
    is_portfolio_lead,
    pilot_roles,
    task_receiver_refusal,
)
from pilots.services.gates import TRANSITIONS


@dataclass(frozen=True)
class Abilities:
    roles: frozenset[Role]
    edit: bool
    submit: bool
    decide_gate: bool  # approve or reject
    start: bool
    close: bool  # graduate or stop
    # Why this user, involved in the pilot, may not take the decision it awaits
    # (approval, or the final decision): the independence rule in words, or "".
    decision_rule: str
    answer_nomination: bool
    # The named budget holder, asked to accept the 12-month run cost.
    answer_budget: bool
    nominate: bool
    edit_metrics: bool
    record_readings: bool
    plan_handover: bool
    accept_operations: bool
    # The accepted owner, on a started pilot (the page also asks ``rules.followed``).
    check_in: bool
    handover_open_stage: bool
    # Approve a waiver requested or renewed after approval (an independent lead).
    approve_waivers: bool
    user_id: int | None
    # The checkpoint (running pilots): an independent lead records it; others involved
    # read who decides.
    checkpoint: bool = False
    checkpoint_rule: str = ""
    # Acknowledge changes to the approved contract: an independent lead, once approved.
    acknowledge_contract: bool = False
    # Name a successor to a role that keeps it alive (``pilots.services.succession``).
    name_successor: bool = False
    # Why this lead may not acknowledge them (the independence rule), or "".
    acknowledge_rule: str = ""
    operations_owner_id: int | None = None

    def complete_task(self, task: KnowledgeTransferTask) -> bool:
        """The assignee or the accepted owner completes (or not) a task while the plan is open."""
        return self.handover_open_stage and (
            Role.OWNER in self.roles or task.assignee_id == self.user_id
        )

    def confirm_task(self, task: KnowledgeTransferTask) -> bool:
        """The task's receiver confirms or declines its receipt once the giver completed it."""
        return (
            self.handover_open_stage
            and task.status == TaskStatus.WAITING
            and task_receiver_refusal(
                user_id=self.user_id,
                roles=self.roles,
                assignee_id=task.assignee_id,
                completed_by_id=task.completed_by_id,
                receiver_id=task.receiver_id,
                operations_owner_id=self.operations_owner_id,
            )
            is None
        )

    def change_reading(self, reading: MetricReading) -> bool:
        """A reading is edited or deleted by whoever recorded it, or by the business owner."""
        return self.record_readings and (
            Role.OWNER in self.roles or reading.recorded_by_id == self.user_id
        )


def may_edit_registration(user: AnyUser, pilot: Pilot) -> bool:
    """``Abilities.edit`` alone, with no query (no membership is read): for lists of pilots.

    The editors are the sponsor and the portfolio leads; a test holds it equal
    to ``pilot_abilities(...).edit``.
    """
    roles = {Role.SPONSOR} if user.is_authenticated and pilot.sponsor_id == user.pk else set()
    if is_portfolio_lead(user):
        roles.add(Role.LEAD)
    return bool(roles & EDITORS) and pilot.stage in Stage.SETUP


def _budget_status(pilot: Pilot) -> str:
    """The budget holder's answer (read only for the holder, whose role read the plan)."""
    plan = getattr(pilot, "operating_plan", None)
    return plan.budget_status if plan is not None else BudgetStatus.NONE


def pilot_abilities(user: AnyUser, pilot: Pilot) -> Abilities:
    roles = pilot_roles(user, pilot)
    stage = pilot.stage
    awaits = (
        "approve"
        if stage in TRANSITIONS["approve"].sources
        else "close"
        if stage in TRANSITIONS["graduate"].sources
        # Approved, never started: stopping is the only final decision it can take.
        else "stop"
        if stage in TRANSITIONS["stop"].sources
        else None
    )
    refusal = independent_decision_refusal(roles, awaits) if awaits else None
    checkpoint_refusal = independent_decision_refusal(roles, "checkpoint")
    acknowledge_refusal = independent_decision_refusal(roles, "acknowledge")
    involved = bool(roles & (NOT_INDEPENDENT | {Role.LEAD}))
    if pilot.operations_owner_id is not None:
        may_accept_operations = Role.OPERATIONS in roles
    else:
        may_accept_operations = bool(roles & OPERATIONS_ACCEPTORS) and bool(pilot.receiving_team)
    return Abilities(
        name_successor=bool(roles & EDITORS) and stage != Stage.STOPPED,
        roles=roles,
        edit=bool(roles & EDITORS) and stage in Stage.SETUP,
        submit=bool(roles & EDITORS) and stage in TRANSITIONS["submit"].sources,
        decide_gate=awaits == "approve" and refusal is None,
        start=bool(roles & STARTERS) and stage in TRANSITIONS["start"].sources,
        close=awaits in ("close", "stop") and refusal is None,
        decision_rule=(refusal or "") if involved else "",
        answer_nomination=Role.NOMINEE in roles
        and pilot.owner_status == OwnershipStatus.PENDING
        and stage in Stage.OPEN,
        answer_budget=Role.BUDGET_HOLDER in roles
        and _budget_status(pilot) == BudgetStatus.PENDING
        and stage in Stage.OPEN,
        nominate=bool(roles & EDITORS) and stage in Stage.OPEN,
        edit_metrics=bool(roles & EDITORS) and stage in Stage.METRICS,
        record_readings=bool(roles & READING_RECORDERS) and stage in Stage.READINGS,
        plan_handover=bool(roles & HANDOVER_PLANNERS) and stage in Stage.SETUP,
        accept_operations=may_accept_operations
        and stage == Stage.RUNNING
        and pilot.operations_accepted_at is None,
        check_in=bool(roles & CHECKIN_AUTHORS) and stage in Stage.STARTED,
        handover_open_stage=stage in Stage.SETUP,
        approve_waivers=stage in Stage.IN_FLIGHT
        and independent_decision_refusal(roles, "approve_waiver") is None,
        user_id=user.pk if user.is_authenticated else None,
        checkpoint=stage == Stage.RUNNING and checkpoint_refusal is None,
        checkpoint_rule=checkpoint_refusal or "",
        acknowledge_contract=stage in Stage.APPROVED_OR_LATER and acknowledge_refusal is None,
        acknowledge_rule=(acknowledge_refusal or "")
        if Role.LEAD in roles and stage in Stage.APPROVED_OR_LATER
        else "",
        operations_owner_id=pilot.operations_owner_id,
    )
