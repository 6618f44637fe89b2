"""The budget holder: named in the operating plan, they accept (or decline) the run cost.

As the business owner accepts ownership (``pilots.services.ownership``), the person
who pays for the 12 months of operation accepts its run cost before a portfolio
lead may approve the pilot (``gates.budget_accepted_item``). Naming them, naming
another, or changing the run cost asks them (again) at once: the operating plan's
editor calls ``budget_answer_reset`` in the transaction that changed the plan,
and the holder is notified (``notifications.event_notify``, never the actor).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pilots import value
from pilots.enums import BudgetStatus, ReminderKind, Stage
from pilots.errors import NotAllowed
from pilots.frame import formats
from pilots.models import OperatingPlan, Pilot, PilotEvent
from pilots.services.access import lock_in_stage
from pilots.services.audit import apply_changes, event_record
from pilots.services.notifications import event_notify

# A change to one of these asks the budget holder again.
ASKED_ON = ("budget_holder", "run_cost_per_month")


def twelve_months(plan: OperatingPlan) -> str:
    """The 12-month run cost the holder is asked to accept, as money."""
    return formats.money(value.over_months(plan.run_cost_per_month))


def budget_answer_reset(*, plan: OperatingPlan, diff: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """After the plan's fields were set (``diff``, unsaved): a new holder or a new run cost
    asks the holder again; no holder, no answer. Returns what it changed."""
    if not any(name in diff for name in ASKED_ON):
        return {}
    if plan.budget_holder_id is None:
        answer: dict[str, Any] = {"budget_status": BudgetStatus.NONE, "budget_named_at": None}
    else:
        answer = {"budget_status": BudgetStatus.PENDING, "budget_named_at": timezone.now()}
    return apply_changes(plan, {**answer, "budget_responded_at": None, "budget_decline_reason": ""})


def budget_ask(*, event: PilotEvent, plan: OperatingPlan) -> None:
    """Tell the (newly asked) budget holder, in the transaction of ``event``."""
    if plan.budget_status == BudgetStatus.PENDING:
        event_notify(event=event, kind=ReminderKind.BUDGET_NAMED, to=[plan.budget_holder_id])


def _pending_plan(pilot: Pilot, by: User) -> OperatingPlan:
    lock_in_stage(pilot, Stage.OPEN, "answer for the run cost")
    plan = OperatingPlan.objects.select_for_update().filter(pilot=pilot).first()
    if plan is None or plan.budget_holder_id != by.pk:
        raise NotAllowed("Only the named budget holder may accept or decline the run cost.")
    if plan.budget_status != BudgetStatus.PENDING:
        raise ValidationError(
            f"The run cost was already answered ({plan.get_budget_status_display().lower()})."
        )
    return plan


@transaction.atomic
def budget_accept(*, pilot: Pilot, by: User) -> OperatingPlan:
    """The budget holder accepts to pay the 12-month run cost."""
    plan = _pending_plan(pilot, by)
    diff = apply_changes(
        plan, {"budget_status": BudgetStatus.ACCEPTED, "budget_responded_at": timezone.now()}
    )
    plan.full_clean()
    plan.save()
    event = event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.BUDGET_ACCEPTED,
        subject=f"{twelve_months(plan)} over 12 months",
        changes=diff,
    )
    event_notify(event=event, kind=ReminderKind.BUDGET_ACCEPTED, to=[pilot.sponsor_id])
    return plan


@transaction.atomic
def budget_decline(*, pilot: Pilot, by: User, reason: str) -> OperatingPlan:
    """The budget holder declines, saying why: the sponsor names another or changes the cost."""
    plan = _pending_plan(pilot, by)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why you decline, so the sponsor can act on it."})
    diff = apply_changes(
        plan,
        {
            "budget_status": BudgetStatus.DECLINED,
            "budget_responded_at": timezone.now(),
            "budget_decline_reason": reason,
        },
    )
    plan.full_clean()
    plan.save()
    event = event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.BUDGET_DECLINED,
        subject=f"{twelve_months(plan)} over 12 months",
        changes=diff,
        reason=reason,
    )
    event_notify(event=event, kind=ReminderKind.BUDGET_DECLINED, to=[pilot.sponsor_id])
    return plan
