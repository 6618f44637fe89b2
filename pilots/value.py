"""Value in money: what a pilot's primary metric is worth, against what it costs to run.

Pure arithmetic (no ORM, no clock): plain values in, plain values out, so the
pilot page, the portfolio and the value reviews compute money one way.

The unit convention
-------------------

A pilot may set a **value per unit** on its primary metric (``Metric.value_per_unit``,
in ``PILOTGATE_CURRENCY``): *what one unit of improvement of the metric is worth
per month*. The metric's improvement is measured in its own direction, from its
baseline::

    improvement  = level - baseline      (higher is better)
                 = baseline - level      (lower is better)
    value/month  = improvement * value per unit

So a metric that counts a monthly quantity ("hours of manual review per month",
value per unit 40 = the cost of an hour) gives money per month directly; for a
per-case metric ("minutes per claim") the sponsor states what one unit less per
case is worth in a month at the expected volume. Nothing here guesses a volume.

An improvement that went the wrong way is a **negative** value: a pilot that made
things worse is shown as costing money, never clipped to zero.

What is computed
----------------

==========================  ===============================================================
function                    meaning
==========================  ===============================================================
``improvement``             the signed improvement of a level over the baseline, in the
                            metric's direction (None if any input is missing)
``value_per_month``         ``improvement * value_per_unit`` (None without a value per unit)
``realised_per_month``      the latest reading's value per month
``committed_per_month``     the approved target's value per month (from the contract
                            snapshot taken at approval)
``payback``                 realised vs the run cost per month (net value per month) and vs
                            what was committed at approval (``Payback``)
``over_months``             a monthly amount over 12 months (what a budget holder accepts)
``totals``                  the sum of many ``Payback``s (the portfolio), counting only the
                            known figures
==========================  ===============================================================

There is no one-off cost in the data (the operating plan has a run cost per month
only), so there are no "months to pay back": a pilot pays back in the months its
net value is not negative.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from pilots.enums import Direction

CENT = Decimal("0.01")


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT)


def improvement(
    *, direction: str, baseline: Decimal | None, level: Decimal | None
) -> Decimal | None:
    """The improvement of ``level`` over ``baseline`` in the metric's direction.

    Positive is better, negative is worse; None when the direction, the baseline
    or the level is unknown."""
    if baseline is None or level is None:
        return None
    if direction == Direction.INCREASE:
        return level - baseline
    if direction == Direction.DECREASE:
        return baseline - level
    return None


def value_per_month(
    *,
    direction: str,
    baseline: Decimal | None,
    level: Decimal | None,
    value_per_unit: Decimal | None,
) -> Decimal | None:
    """What ``level`` is worth per month against ``baseline``: improvement * value per unit,
    to the cent. None without a value per unit or without an improvement."""
    if value_per_unit is None:
        return None
    gained = improvement(direction=direction, baseline=baseline, level=level)
    if gained is None:
        return None
    return _money(gained * value_per_unit)


def realised_per_month(
    *,
    direction: str,
    baseline: Decimal | None,
    latest: Decimal | None,
    value_per_unit: Decimal | None,
) -> Decimal | None:
    """The value realised per month: the latest reading against the baseline
    (None without readings)."""
    return value_per_month(
        direction=direction, baseline=baseline, level=latest, value_per_unit=value_per_unit
    )


def committed_per_month(
    *,
    direction: str,
    baseline: Decimal | None,
    target: Decimal | None,
    value_per_unit: Decimal | None,
) -> Decimal | None:
    """The value committed per month: the approved target against the approved baseline,
    at the approved value per unit (all three read from the contract snapshot)."""
    return value_per_month(
        direction=direction, baseline=baseline, level=target, value_per_unit=value_per_unit
    )


def over_months(per_month: Decimal | None, months: int = 12) -> Decimal | None:
    """A monthly amount over ``months`` (the 12-month run cost a budget holder accepts)."""
    return None if per_month is None else _money(per_month * months)


@dataclass(frozen=True)
class Payback:
    """A pilot's value per month against its run cost and its commitment (each may be
    unknown: None)."""

    realised: Decimal | None
    run_cost: Decimal | None
    committed: Decimal | None

    @property
    def net(self) -> Decimal | None:
        """Realised value per month less the run cost per month."""
        if self.realised is None or self.run_cost is None:
            return None
        return _money(self.realised - self.run_cost)

    @property
    def pays_back(self) -> bool | None:
        """Whether the realised value covers the run cost (None when either is unknown)."""
        return None if self.net is None else self.net >= 0

    @property
    def short_of_commitment(self) -> Decimal | None:
        """How much less per month is realised than was committed (negative: more)."""
        if self.realised is None or self.committed is None:
            return None
        return _money(self.committed - self.realised)


def payback(
    *, realised: Decimal | None, run_cost: Decimal | None, committed: Decimal | None
) -> Payback:
    """The figures of one pilot's "Value" block."""
    return Payback(
        realised=None if realised is None else _money(realised),
        run_cost=None if run_cost is None else _money(run_cost),
        committed=None if committed is None else _money(committed),
    )


@dataclass(frozen=True)
class Totals:
    """Many pilots' figures added up; ``counted`` pilots had both a realised value and a
    run cost (only those enter the sums, so realised, run cost and net agree)."""

    realised: Decimal
    run_cost: Decimal
    counted: int
    uncounted: int

    @property
    def net(self) -> Decimal:
        return _money(self.realised - self.run_cost)


def totals(paybacks: Iterable[Payback]) -> Totals:
    """Realised value and run cost per month over the pilots whose both are known."""
    realised = run_cost = Decimal(0)
    counted = uncounted = 0
    for figure in paybacks:
        if figure.realised is None or figure.run_cost is None:
            uncounted += 1
            continue
        realised += figure.realised
        run_cost += figure.run_cost
        counted += 1
    return Totals(
        realised=_money(realised), run_cost=_money(run_cost), counted=counted, uncounted=uncounted
    )
