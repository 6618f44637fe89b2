"""Metrics, the lock on the primary metric's goalposts, and readings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pilots.enums import MetricKind, ReadingSource, Stage
from pilots.errors import NotAllowed
from pilots.frame import formats
from pilots.models import Metric, MetricReading, Pilot, PilotEvent
from pilots.permissions import EDITORS, READING_RECORDERS, Role, pilot_roles
from pilots.services import gates
from pilots.services.access import lock_in_stage, require_role
from pilots.services.audit import (
    apply_changes,
    changes_between,
    created_values,
    event_record,
    plain,
)
from pilots.services.contract import contract_guarded

METRIC_FIELDS = frozenset(
    {
        "name",
        "kind",
        "unit",
        "direction",
        "baseline",
        "target",
        "target_date",
        "cadence",
        "data_source",
        *Metric.PROVENANCE_FIELDS,
        "guardrail",
        "value_per_unit",
    }
)
# Once a pilot runs, these fields of its primary metric are the goalposts:
# changing one needs a reason and is recorded as a locked change.
LOCKED_FIELDS = frozenset({"kind", "baseline", "target", "target_date"})


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - METRIC_FIELDS
    if unknown:
        raise TypeError(f"unexpected metric fields: {sorted(unknown)}")


@transaction.atomic
def metric_create(*, pilot: Pilot, by: User, reason: str = "", **fields: Any) -> Metric:
    """Add a metric. Once approved, a counted metric is part of the contract: it needs a reason."""
    require_role(by, pilot, EDITORS, "define its metrics")
    lock_in_stage(pilot, Stage.METRICS, "add a metric")
    _check_fields(fields)
    if fields.get("kind") == MetricKind.PRIMARY and pilot.stage in Stage.STARTED:
        raise ValidationError(
            {"kind": "The primary metric is locked while the pilot runs; it cannot be replaced."}
        )
    with contract_guarded(pilot=pilot, by=by, reason=reason):
        metric = Metric(pilot=pilot, **fields)
        metric.full_clean()
        metric.save()
        gates.require_complete_registration(pilot)
    event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.METRIC_ADDED,
        subject=f"{metric.name} ({metric.get_kind_display()})",
        changes=created_values(metric, sorted(METRIC_FIELDS)),
        reason=reason.strip(),
    )
    return metric


@transaction.atomic
def metric_update(*, metric: Metric, by: User, reason: str = "", **fields: Any) -> Metric:
    """Change a metric. Moving an approved pilot's goalposts needs a written reason
    (``contract``); a running pilot's primary metric's is recorded as a locked change."""
    pilot = metric.pilot
    require_role(by, pilot, EDITORS, "change its metrics")
    lock_in_stage(pilot, Stage.METRICS, "change a metric")
    metric.refresh_from_db()  # compare with what is stored, not with a form's edited copy
    _check_fields(fields)
    was_primary = metric.kind == MetricKind.PRIMARY
    becomes_primary = fields.get("kind", metric.kind) == MetricKind.PRIMARY
    diff = changes_between(metric, fields)
    if not diff:
        return metric
    locked = (was_primary or becomes_primary) and pilot.stage in Stage.STARTED
    moved = sorted(set(diff) & LOCKED_FIELDS)
    if locked and moved:
        if "kind" in diff:
            raise ValidationError({"kind": "A running pilot's primary metric stays primary."})
        if not reason.strip():
            raise ValidationError(
                {
                    "reason": "The primary metric's baseline, target and target date are "
                    "locked while the pilot runs: give the reason for changing "
                    + ", ".join(field.replace("_", " ") for field in moved)
                    + "."
                }
            )
    removed = [
        name
        for name in Metric.PROVENANCE_FIELDS
        if name in diff and diff[name][0] not in (None, "") and diff[name][1] in (None, "")
    ]
    if removed and pilot.stage != Stage.DRAFT:
        # The gate checks provenance at submission; past it, correct it, never erase it.
        raise ValidationError(
            dict.fromkeys(
                removed, "Past the draft, the baseline's provenance can be corrected, not removed."
            )
        )
    with contract_guarded(pilot=pilot, by=by, reason=reason):
        apply_changes(metric, fields)
        metric.full_clean()
        metric.save()
        gates.require_complete_registration(pilot)
    event_record(
        pilot=pilot,
        actor=by,
        action=(
            PilotEvent.Action.METRIC_LOCKED_CHANGE
            if locked and moved
            else PilotEvent.Action.METRIC_CHANGED
        ),
        subject=metric.name,
        changes=diff,
        reason=reason.strip(),
    )
    return metric


@transaction.atomic
def reading_record(
    *,
    metric: Metric,
    by: User,
    observed_on: date,
    value: Decimal,
    note: str = "",
    source: ReadingSource = ReadingSource.WEB,
) -> MetricReading:
    """Record the value of a metric on a day; recording the same day again updates it.

    Each write is in the pilot's history with the value before and after.
    """
    pilot = metric.pilot
    require_role(by, pilot, READING_RECORDERS, "record its readings")
    lock_in_stage(pilot, Stage.READINGS, "record a reading")
    reading = MetricReading(metric=metric, observed_on=observed_on)
    reading.clean_fields(exclude=["value", "note", "source", "recorded_by"])  # parse the date
    existing = (
        MetricReading.objects.select_for_update()
        .filter(metric=metric, observed_on=reading.observed_on)
        .first()
    )
    reading = existing or reading
    before = existing.value if existing else None
    note_before = existing.note if existing else ""
    reading.value, reading.note, reading.recorded_by, reading.source = value, note, by, source
    reading.full_clean(validate_unique=existing is None)
    if reading.observed_on > timezone.localdate():
        raise ValidationError({"observed_on": "A reading cannot be dated in the future."})
    reading.save()
    if before != reading.value or note_before != reading.note or existing is None:
        # The value always (the history's readings), the note when it was written or changed.
        changes = {"value": [plain(before), plain(reading.value)]}
        if note_before != reading.note:
            changes["note"] = [note_before or None, reading.note or None]
        event_record(
            pilot=pilot,
            actor=by,
            action=PilotEvent.Action.READING_RECORDED,
            subject=f"{metric.name} on {formats.day(reading.observed_on)}",
            changes=changes,
        )
    return reading


def _require_own_reading(reading: MetricReading, by: User, action: str) -> None:
    """Team members change their own readings; the business owner changes any."""
    pilot = reading.metric.pilot
    require_role(by, pilot, READING_RECORDERS, action)
    if reading.recorded_by_id != by.pk and Role.OWNER not in pilot_roles(by, pilot):
        raise NotAllowed(f"Only whoever recorded this reading or the business owner may {action}.")


@transaction.atomic
def reading_update(
    *, reading: MetricReading, by: User, value: Decimal, note: str = ""
) -> MetricReading:
    """Correct a reading's value or note (its day stays: record another day instead)."""
    _require_own_reading(reading, by, "change this reading")
    return reading_record(
        metric=reading.metric,
        by=by,
        observed_on=reading.observed_on,
        value=value,
        note=note,
        source=ReadingSource(reading.source),
    )


@transaction.atomic
def reading_delete(*, reading: MetricReading, by: User) -> None:
    metric = reading.metric
    pilot = metric.pilot
    _require_own_reading(reading, by, "delete this reading")
    lock_in_stage(pilot, Stage.READINGS, "delete a reading")
    reading.delete()
    event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.READING_DELETED,
        subject=f"{metric.name} on {formats.day(reading.observed_on)}",
        changes={"value": [plain(reading.value), None]}
        | ({"note": [reading.note, None]} if reading.note else {}),
    )
