"""Reads of the approved contract: its versions, and the drift since the latest.

``contract_of`` (the contract now) lives with the rule on changing it, in
``pilots.services.contract``; it is re-exported here for readers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from pilots.models import ContractChange, ContractSnapshot, Metric, Pilot
from pilots.services.contract import contract_diff, contract_of


def latest_snapshot(pilot: Pilot) -> ContractSnapshot | None:
    return ContractSnapshot.objects.filter(pilot=pilot).order_by("-version").first()


def snapshots_of(pilot: Pilot) -> QuerySet[ContractSnapshot]:
    return ContractSnapshot.objects.filter(pilot=pilot).select_related("approved_by")


def open_changes(pilot: Pilot) -> QuerySet[ContractChange]:
    """The changes no lead has acknowledged yet, oldest first."""
    return (
        ContractChange.objects.filter(pilot=pilot, acknowledged_at__isnull=True)
        .select_related("changed_by")
        .order_by("changed_at", "pk")
    )


@dataclass(frozen=True)
class DriftedField:
    """One contract field changed since the approved version: approved | now, and why."""

    key: str
    label: str
    approved: Any
    now: Any
    changes: tuple[ContractChange, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Drift:
    snapshot: ContractSnapshot | None
    fields: tuple[DriftedField, ...]

    @property
    def labels(self) -> list[str]:
        return [f.label for f in self.fields]


def drift_of(pilot: Pilot, changes: Iterable[ContractChange] | None = None) -> Drift:
    """The open changes, grouped by field: the approved value (the latest snapshot's)
    beside the value now, with each change's reason, who and when."""
    pending = list(open_changes(pilot) if changes is None else changes)
    if not pending:  # one query for a pilot without drift (the pilot page's usual case)
        return Drift(snapshot=None, fields=())
    snapshot = latest_snapshot(pilot)
    approved = snapshot.data if snapshot else {}
    now = contract_of(pilot)
    grouped: dict[str, list[ContractChange]] = {}
    for change in pending:
        grouped.setdefault(change.key, []).append(change)
    fields = tuple(
        DriftedField(
            key=key,
            label=(now.get(key) or approved.get(key) or {"label": rows[-1].label})["label"],
            approved=approved.get(key, {}).get("value"),
            now=now.get(key, {}).get("value"),
            changes=tuple(rows),
        )
        for key, rows in grouped.items()
    )
    return Drift(snapshot=snapshot, fields=fields)


def changes_of(pilot: Pilot) -> QuerySet[ContractChange]:
    """Every change since approval, acknowledged or not, newest first."""
    return (
        ContractChange.objects.filter(pilot=pilot)
        .select_related("changed_by", "acknowledged_by")
        .order_by("-changed_at", "-pk")
    )


def contract_overview(pilot: Pilot) -> dict[str, Any]:
    """What the API's ``contract/`` answers: versions, the contract now, the drift."""
    snapshots = list(snapshots_of(pilot))
    drift = drift_of(pilot)
    return {
        "reference": pilot.reference,
        "approved_version": snapshots[0].version if snapshots else None,
        "acknowledged": not drift.fields,
        "current": contract_of(pilot),
        "drift": [
            {
                "key": f.key,
                "label": f.label,
                "approved": f.approved,
                "now": f.now,
                "changes": list(f.changes),
            }
            for f in drift.fields
        ],
        "snapshots": snapshots,
        "changes": list(changes_of(pilot)),
    }


@dataclass(frozen=True)
class Promise:
    """For the final decision: what was first approved beside what is delivered now."""

    snapshot: ContractSnapshot
    target: Any  # the primary metric's approved target and target date (None: none then)
    target_date: Any
    unit: Any
    changed: tuple[tuple[str, Any, Any], ...]  # (label, first approved, now) that differ


def promise_of(pilot: Pilot, primary: Metric | None) -> Promise | None:
    """What the first approved version promised, and every field that differs now
    (None before approval)."""
    first = ContractSnapshot.objects.filter(pilot=pilot).order_by("version").first()
    if first is None:
        return None
    data = first.data
    key = f"metric.{primary.pk}." if primary is not None else "-"
    return Promise(
        snapshot=first,
        target=data.get(key + "target", {}).get("value"),
        target_date=data.get(key + "target_date", {}).get("value"),
        unit=data.get(key + "unit", {}).get("value"),
        changed=tuple(
            (label, old, new) for _, label, old, new in contract_diff(data, contract_of(pilot))
        ),
    )


__all__ = [
    "Drift",
    "DriftedField",
    "Promise",
    "changes_of",
    "contract_of",
    "contract_overview",
    "drift_of",
    "latest_snapshot",
    "open_changes",
    "promise_of",
    "snapshots_of",
]
