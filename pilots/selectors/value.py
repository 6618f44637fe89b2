"""Reads for value in money: the pilot page's "Value" block and the portfolio's figures.

The arithmetic is ``pilots.value`` (pure); this module only gathers its inputs: the
primary metric's baseline, direction, value per unit and latest reading, the
operating plan's run cost, and the approved contract snapshot (what was committed).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery

from pilots import value
from pilots.enums import Direction, MetricKind, Stage
from pilots.models import ContractSnapshot, Metric, MetricReading, OperatingPlan, Pilot


@dataclass(frozen=True)
class PilotValue:
    """A pilot's value per month (``figures``), with what it was computed from."""

    figures: value.Payback
    value_per_unit: Decimal | None
    unit: str
    latest: Decimal | None
    approved_version: int | None  # the snapshot the commitment was read from


def _decimal(raw: Any) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        return None


def committed_in(data: dict[str, dict[str, Any]]) -> Decimal | None:
    """The value per month a contract snapshot committed to: its primary metric's target
    against its baseline, at its value per unit (None if any of them was not set)."""
    primary_label = MetricKind.PRIMARY.label
    prefix = next(
        (
            key.removesuffix("kind")
            for key, entry in data.items()
            if key.startswith("metric.")
            and key.endswith(".kind")
            and entry.get("value") == primary_label
        ),
        None,
    )
    if prefix is None:
        return None
    labels = {d.label: d.value for d in Direction}

    def field(name: str) -> Any:
        return data.get(prefix + name, {}).get("value")

    return value.committed_per_month(
        direction=labels.get(field("direction"), ""),
        baseline=_decimal(field("baseline")),
        target=_decimal(field("target")),
        value_per_unit=_decimal(field("value_per_unit")),
    )


def pilot_value(pilot: Pilot, primary: Metric | None, latest: Decimal | None) -> PilotValue:
    """The pilot page's "Value" block: one query (the approval snapshot) once approved;
    the plan comes with the page's pilot."""
    plan: OperatingPlan | None = getattr(pilot, "operating_plan", None)
    snapshot = (
        ContractSnapshot.objects.filter(pilot=pilot).order_by("version").first()
        if pilot.stage in Stage.APPROVED_OR_LATER
        else None
    )
    per_unit = primary.value_per_unit if primary else None
    realised = (
        value.realised_per_month(
            direction=primary.direction,
            baseline=primary.baseline,
            latest=latest,
            value_per_unit=per_unit,
        )
        if primary
        else None
    )
    return PilotValue(
        figures=value.payback(
            realised=realised,
            run_cost=plan.run_cost_per_month if plan else None,
            committed=committed_in(snapshot.data) if snapshot else None,
        ),
        value_per_unit=per_unit,
        unit=primary.unit if primary else "",
        latest=latest,
        approved_version=snapshot.version if snapshot else None,
    )


@dataclass(frozen=True)
class GraduatedValue:
    """One graduated pilot's row in the portfolio's value table."""

    pk: int
    reference: str
    title: str
    figures: value.Payback


def graduated_values(pilots: QuerySet[Pilot]) -> list[GraduatedValue]:
    """The graduated pilots among ``pilots``, each with its realised value and run cost per
    month: one query, however many."""
    primary = Metric.objects.filter(pilot=OuterRef("pk"), kind=MetricKind.PRIMARY)
    latest = MetricReading.objects.filter(
        metric__pilot=OuterRef("pk"), metric__kind=MetricKind.PRIMARY
    ).order_by("-observed_on", "-pk")
    amount = DecimalField(max_digits=16, decimal_places=4)
    rows = (
        pilots.filter(stage=Stage.GRADUATED)
        .annotate(
            v_direction=Subquery(primary.values("direction")[:1]),
            v_baseline=Subquery(primary.values("baseline")[:1], output_field=amount),
            v_per_unit=Subquery(primary.values("value_per_unit")[:1], output_field=amount),
            v_latest=Subquery(latest.values("value")[:1], output_field=amount),
            v_run_cost=F("operating_plan__run_cost_per_month"),
        )
        .order_by("reference")
        .values(
            "pk",
            "reference",
            "title",
            "v_direction",
            "v_baseline",
            "v_per_unit",
            "v_latest",
            "v_run_cost",
        )
    )
    return [
        GraduatedValue(
            pk=row["pk"],
            reference=row["reference"] or "",
            title=row["title"],
            figures=value.payback(
                realised=value.realised_per_month(
                    direction=row["v_direction"] or "",
                    baseline=_decimal(row["v_baseline"]),
                    latest=_decimal(row["v_latest"]),
                    value_per_unit=_decimal(row["v_per_unit"]),
                ),
                run_cost=_decimal(row["v_run_cost"]),
                committed=None,
            ),
        )
        for row in rows
    ]
