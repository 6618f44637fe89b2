"""The doors and writes of the audit test (test_audit_every_path.py): the table's parts.

A ``Path`` is one write through one door: who makes it on which fixture pilot,
how, and the event it must leave with its before and after values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from django.urls import reverse
from django.utils import timezone

from pilots.enums import BudgetStatus, TaskKind
from pilots.models import (
    InfrastructureAnswer,
    Metric,
    OperatingPlan,
    Pilot,
    PilotEvent,
    PilotMembership,
)
from pilots.services import handover, metrics, ownership

A = PilotEvent.Action
Cast = SimpleNamespace
Expect = Callable[[Pilot, Cast], dict[str, list[Any]]]


@dataclass(frozen=True)
class Path:
    door: str  # web, api, admin, import
    name: str
    pilot: str  # the fixture: draft, proposed, approved, running
    actor: str  # who writes: a fixture user
    write: Callable[[Any, Pilot, Cast], Any]  # returns the response
    action: str
    expect: Expect  # {field: [before, after]}, read before the write
    setup: Callable[[Pilot, Cast], None] = field(default=lambda pilot, cast: None)
    route: str = ""  # the API's URL name: every API write is in the table (checked)


def web(url: Callable[[Pilot, Cast], str], data: Callable[[Pilot, Cast], dict] | None = None):
    return lambda client, pilot, cast: client.post(
        url(pilot, cast), data(pilot, cast) if data else {}
    )


def api(method: str, rest: Callable[[Pilot, Cast], str], body: Callable[[Pilot, Cast], Any]):
    def write(client, pilot, cast):
        path = rest(pilot, cast)
        url = path if path.startswith("/") else f"/api/v1/pilots/{pilot.reference}/{path}"
        return getattr(client, method)(url, body(pilot, cast), format="json")

    write.method = method  # type: ignore[attr-defined]
    return write


def pilots_url(name: str, *more: Callable[[Pilot, Cast], Any]):
    return lambda pilot, cast: reverse(
        f"pilots:{name}", args=[pilot.reference, *(arg(pilot, cast) for arg in more)]
    )


def add_reading(pilot: Pilot, cast: Cast) -> None:
    cast.reading = metrics.reading_record(
        metric=pilot.metrics.get(), by=cast.owner, observed_on=date(2026, 2, 1), value=12
    )


def graduable(pilot: Pilot, cast: Cast) -> None:
    """Handover done (confirmed by the receiver) and operations accepted: the running
    pilot may graduate."""
    complete_task(pilot, cast)
    handover.task_confirm(task=cast.task, by=cast.ops)
    ownership.operations_accept(pilot=pilot, by=cast.ops)


def add_task(pilot: Pilot, cast: Cast) -> None:
    cast.task = handover.task_create(
        pilot=pilot,
        by=cast.owner,
        title="Walk the desk through the runbook",
        kind=TaskKind.RUNBOOK,
        assignee=cast.member,
        receiver_team="Service desk",
        due_on=date(2026, 6, 1),
    )


def add_tasks(pilot: Pilot, cast: Cast) -> None:
    add_task(pilot, cast)
    cast.first = cast.task
    cast.task = handover.task_create(
        pilot=pilot,
        by=cast.owner,
        title="Rota",
        kind=TaskKind.RUNBOOK,
        assignee=cast.owner,
        receiver_team="Desk",
        due_on=date(2026, 6, 2),
    )


def complete_task(pilot: Pilot, cast: Cast) -> None:
    """Completed by the owner for the member: it waits for the receiving team's operations
    owner (ops)."""
    add_task(pilot, cast)
    handover.task_complete(task=cast.task, by=cast.owner, evidence_url="https://wiki.example/rb")


def membership(pilot: Pilot, cast: Cast) -> None:
    cast.membership = PilotMembership.objects.get(pilot=pilot, user=cast.member)


def primary(pilot: Pilot) -> Metric:
    return pilot.metrics.get()


def csv_text(pilot: Pilot) -> str:
    name = primary(pilot).name
    return f"metric,observed_on,value,note\n{name},2026-02-09,17.5,From the warehouse\n"


def admin_lead(pilot: Pilot, cast: Cast) -> None:
    """A portfolio lead who is also staff: the admin's gate decisions are theirs to make."""
    accept(pilot, cast)
    cast.lead.is_staff = cast.lead.is_superuser = True
    cast.lead.save()


def budget_asked(pilot: Pilot, cast: Cast) -> None:
    """The team member named budget holder, asked to accept the run cost."""
    OperatingPlan.objects.filter(pilot=pilot).update(
        budget_holder=cast.member,
        budget_status=BudgetStatus.PENDING,
        budget_named_at=timezone.now(),
        budget_responded_at=None,
    )


def accept(pilot: Pilot, cast: Cast) -> None:
    ownership.ownership_accept(pilot=pilot, by=cast.owner)


def pending_waiver(pilot: Pilot, cast: Cast) -> None:
    """Monitoring "no" under a waiver the sponsor renewed after approval: awaiting a lead."""
    InfrastructureAnswer.objects.filter(pilot=pilot, item="monitoring").update(
        answer="no",
        evidence_url="",
        waiver_reason="The team watches the dashboard daily.",
        waiver_expires_on=date(2026, 3, 31),
        waiver_requested_by=cast.sponsor,
        waiver_requested_at=timezone.now(),
    )


def waiver_approved(pilot: Pilot, cast: Cast) -> dict[str, list[Any]]:
    return {
        "waiver_approved_by": [None, "lead"],
        "waiver_approved_at": [None, "2026-03-01T12:00:00+00:00"],
        "waiver_reason": [None, "The team watches the dashboard daily."],
        "waiver_expires_on": [None, "2026-03-31"],
    }


def drifted(pilot: Pilot, cast: Cast) -> None:
    """The sponsor moved the approved target, with a reason: a change waiting for a lead."""
    metric = primary(pilot)
    metrics.metric_update(
        metric=metric, by=cast.sponsor, target=metric.target + 5, reason="Scope grew."
    )


def acknowledged(pilot: Pilot, cast: Cast) -> dict[str, list[Any]]:
    """What acknowledging ``drifted``'s change records: the field, approved and now."""
    metric = primary(pilot)
    now = metric.target.normalize()
    return {f"“{metric.name}”: target": [format(now - 5, "f"), format(now, "f")]}


def in_operation(pilot: Pilot, cast: Cast) -> None:
    """Graduated on 1 Nov 2025: its 90-day value review is due on 1 Mar 2026 (the day
    these writes run)."""
    from datetime import UTC, datetime

    from pilots.services import gates

    graduable(pilot, cast)
    gates.pilot_graduate(
        pilot=pilot,
        by=cast.lead,
        rationale="Live.",
        decided_at=datetime(2025, 11, 1, 12, tzinfo=UTC),
    )


def value_review(pilot: Pilot, cast: Cast, proposal: str = "sustain") -> None:
    """In operation, its 90-day value review recorded by the owner."""
    from pilots.services import operation

    in_operation(pilot, cast)
    cast.review = operation.value_review_record(
        pilot=pilot,
        by=cast.owner,
        still_used=True,
        worth_cost=proposal != "retire",
        narrative="Used daily.",
        proposal=proposal,
        metric_value=12,
        lessons_learned="Retire what nobody owns." if proposal == "retire" else "",
    )


def retire_signed_by_sponsor(pilot: Pilot, cast: Cast) -> None:
    """A recorded "retire" review the sponsor has signed off: the lead's sign-off ends it."""
    from pilots.services import operation

    value_review(pilot, cast, "retire")
    operation.value_review_sign(
        review=cast.review, by=cast.sponsor, role="sponsor", decision="sign"
    )


def successor_named(pilot: Pilot, cast: Cast) -> None:
    """The sponsor named the outsider to succeed the operations owner: it waits for them."""
    from pilots.services.succession import succession_nominate

    cast.succession = succession_nominate(
        pilot=pilot, by=cast.sponsor, role="operations", successor=cast.outsider, reason="Moved."
    )


def handed_on(pilot: Pilot, cast: Cast) -> dict[str, list[Any]]:
    return {"operations_owner": ["ops", "outsider"]}


def declined(pilot: Pilot, cast: Cast) -> dict[str, list[Any]]:
    return {"Successor's answer": ["Awaiting the successor's acceptance", "Declined"]}
