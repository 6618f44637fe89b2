"""The approved contract: what it is now, the rule on changing it, and acknowledgement.

A pilot's contract is what a portfolio lead approves: its metric definitions
(with the baseline's provenance and a segment's guardrail), its planned dates,
its business and operations owners and receiving team, its infrastructure
answers and its operating plan (with its budget holder; the primary metric's
value per unit is one of the metric's terms, so the value committed at approval
is read from the snapshot: ``pilots.value``). ``contract_of`` writes it as plain JSON data,
``{key: {"label": ..., "value": ...}}``, in a fixed order; a snapshot stores
exactly that, so two versions compare key by key.

Approval freezes it (``snapshot_take``, called by ``gates.pilot_approve``). After
that, every service that may change a contract field reads ``contract_of``
before it writes and calls ``contract_changes_record`` after: a change without a
written reason is refused (the whole write rolls back), a change with one is
recorded field by field until a portfolio lead acknowledges it
(``contract_acknowledge``, which freezes the next version).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from pilots.enums import InfrastructureItem, MetricKind, Stage
from pilots.errors import NotAllowed
from pilots.models import (
    ContractChange,
    ContractSnapshot,
    InfrastructureAnswer,
    Metric,
    OperatingPlan,
    Pilot,
    PilotEvent,
)
from pilots.permissions import independent_decision_refusal, pilot_roles
from pilots.services.access import lock_pilot
from pilots.services.audit import event_record, plain

Contract = dict[str, dict[str, Any]]

# The pilot's own contract fields, with their labels.
PILOT_FIELDS = {
    "planned_start": "Planned start",
    "planned_end": "Planned end",
    "owner": "Business owner",
    "operations_owner": "Operations owner",
    "receiving_team": "Receiving team",
}
# Each metric's contract fields: its definition, the baseline's provenance, the guardrail.
METRIC_FIELDS = {
    "name": "name",
    "kind": "kind",
    "direction": "direction",
    "unit": "unit",
    "baseline": "baseline",
    "target": "target",
    "target_date": "target date",
    **{name: name.replace("_", " ") for name in Metric.PROVENANCE_FIELDS},
    "guardrail": "segment guardrail",
    "value_per_unit": "value per unit",
}
_KIND_ORDER: dict[str, int] = {
    MetricKind.PRIMARY: 0,
    MetricKind.BUSINESS: 1,
    MetricKind.CRITICAL_SEGMENT: 2,
}


def _value(value: Any) -> Any:
    return None if value in (None, "") else plain(value)


def contract_of(pilot: Pilot) -> Contract:
    """The pilot's contract as it stands now (read from the database, never a cache).

    Model metrics are shown, never counted as success: they are not part of it.
    """
    contract: Contract = {
        f"pilot.{name}": {"label": label, "value": _value(getattr(pilot, name))}
        for name, label in PILOT_FIELDS.items()
    }
    metrics = sorted(
        Metric.objects.filter(pilot_id=pilot.pk).exclude(kind=MetricKind.MODEL),
        key=lambda m: (_KIND_ORDER.get(m.kind, 9), m.pk),
    )
    for metric in metrics:
        for name, label in METRIC_FIELDS.items():
            value = (
                getattr(metric, f"get_{name}_display")()
                if name in ("kind", "direction")
                else (getattr(metric, name))
            )
            contract[f"metric.{metric.pk}.{name}"] = {
                "label": f"“{metric.name}”: {label}",
                "value": _value(value),
            }
    answers = {
        answer.item: answer.get_answer_display()
        for answer in InfrastructureAnswer.objects.filter(pilot_id=pilot.pk)
    }
    for item in InfrastructureItem:
        contract[f"infrastructure.{item.value}"] = {
            "label": f"Infrastructure: {item.label}",
            "value": answers.get(item.value),
        }
    plan = OperatingPlan.objects.filter(pilot_id=pilot.pk).first()
    for name in OperatingPlan.CONTRACT_FIELDS:
        verbose = str(
            cast("models.Field[Any, Any]", OperatingPlan._meta.get_field(name)).verbose_name
        )
        contract[f"plan.{name}"] = {
            "label": f"Operating plan: {verbose}",
            "value": _value(getattr(plan, name)) if plan else None,
        }
    return contract


def contract_diff(before: Contract, after: Contract) -> list[tuple[str, str, Any, Any]]:
    """``(key, label, before, after)`` for every field that differs, in contract order
    (a field only in one of them: its metric was added or removed)."""
    keys = list(after) + [key for key in before if key not in after]
    diff = []
    for key in keys:
        old = before.get(key, {}).get("value")
        new = after.get(key, {}).get("value")
        if old != new:
            label = (after.get(key) or before[key])["label"]
            diff.append((key, label, old, new))
    return diff


# The changed fields the rule's sentence names before "and N more".
RULE_NAMES_AT_MOST = 4


def contract_rule(pilot: Pilot, labels: list[str]) -> str:
    """The rule a change without a reason breaks, naming what it would change."""
    named = ", ".join(labels[:RULE_NAMES_AT_MOST])
    if len(labels) > RULE_NAMES_AT_MOST:
        named += f" and {len(labels) - RULE_NAMES_AT_MOST} more"
    return (
        f"The approved contract of {pilot.reference} can change only with a written reason: "
        f"give the reason for changing {named}. A portfolio lead will be asked to "
        "acknowledge it."
    )


def contract_locked(pilot: Pilot) -> bool:
    """Past approval (and not stopped), the contract changes only with a reason."""
    return pilot.stage in Stage.APPROVED_OR_LATER


def snapshot_take(
    *, pilot: Pilot, by: User | None, origin: str = ContractSnapshot.Origin.APPROVAL
) -> ContractSnapshot:
    """Freeze the pilot's contract as it stands now as its next version (1, 2, ...)."""
    latest = ContractSnapshot.objects.filter(pilot=pilot).order_by("-version").first()
    return ContractSnapshot.objects.create(
        pilot=pilot,
        version=(latest.version + 1) if latest else 1,
        data=contract_of(pilot),
        origin=origin,
        approved_by=by,
    )


def contract_changes_record(
    *, pilot: Pilot, by: User, before: Contract, reason: str
) -> list[ContractChange]:
    """Compare the contract now with ``before`` (read by the caller before it wrote) and
    record one row per changed field, with the reason.

    The one entry point for every service that may change a contract field, inside
    its transaction: before approval it records nothing; after it, a change with
    no written reason raises a ValidationError on ``reason`` (code
    ``contract_locked``) and the caller's whole write rolls back.
    """
    if not contract_locked(pilot):
        return []
    snapshot = ContractSnapshot.objects.filter(pilot=pilot).order_by("-version").first()
    if snapshot is None:  # built around the gates (a test's fixture): nothing was approved
        return []
    diff = contract_diff(before, contract_of(pilot))
    if not diff:
        return []
    if not reason.strip():
        raise ValidationError(
            {
                "reason": ValidationError(
                    contract_rule(pilot, [d[1] for d in diff]), "contract_locked"
                )
            }
        )
    now = timezone.now()
    return ContractChange.objects.bulk_create(
        ContractChange(
            pilot=pilot,
            version=snapshot.version,
            key=key[:120],
            label=label[:300],
            before=old,
            after=new,
            reason=reason.strip(),
            changed_by=by,
            changed_at=now,
        )
        for key, label, old, new in diff
    )


@transaction.atomic
def contract_acknowledge(*, pilot: Pilot, by: User, note: str = "") -> ContractSnapshot:
    """A portfolio lead who neither sponsors nor owns the pilot acknowledges every open
    change: they are closed, and the contract as it stands becomes the next version."""
    lock_pilot(pilot)
    refusal = independent_decision_refusal(pilot_roles(by, pilot), "acknowledge")
    if refusal:
        raise NotAllowed(refusal)
    if not contract_locked(pilot):
        raise ValidationError(
            f"Only an approved pilot's contract changes are acknowledged; {pilot.reference} is "
            f"{pilot.get_stage_display().lower()}.",
            code="stage_locked",
        )
    pending = list(ContractChange.objects.filter(pilot=pilot, acknowledged_at__isnull=True))
    if not pending:
        raise ValidationError(
            f"No change to {pilot.reference}'s approved contract is waiting for acknowledgement.",
            code="stage_locked",  # nothing to do in this state: a 409 in the API
        )
    previous = ContractSnapshot.objects.filter(pilot=pilot).order_by("-version").first()
    approved = previous.data if previous else {}
    now = timezone.now()
    ContractChange.objects.filter(pk__in=[c.pk for c in pending]).update(
        acknowledged_by=by, acknowledged_at=now, acknowledgement_note=note.strip()
    )
    snapshot = snapshot_take(pilot=pilot, by=by, origin=ContractSnapshot.Origin.ACKNOWLEDGEMENT)
    labels = list(dict.fromkeys(change.label for change in pending))
    event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.CONTRACT_ACKNOWLEDGED,
        subject=f"Version {snapshot.version}: " + ", ".join(labels),
        changes={
            change.label: [
                approved.get(change.key, {}).get("value"),
                snapshot.data.get(change.key, {}).get("value"),
            ]
            for change in pending
        },
        reason=note.strip(),
    )
    return snapshot


@contextmanager
def contract_guarded(*, pilot: Pilot, by: User, reason: str) -> Iterator[None]:
    """Around a service's write, on its locked pilot: read the contract before, and
    record (or refuse, without a reason) what the write changed in it."""
    before = contract_of(pilot) if contract_locked(pilot) else None
    yield
    if before is not None:
        contract_changes_record(pilot=pilot, by=by, before=before, reason=reason)
