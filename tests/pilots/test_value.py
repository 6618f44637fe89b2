"""The money math (pilots/value.py): plain values in, no database."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pilots import value
from pilots.enums import Direction

amounts = st.decimals(min_value=-10_000, max_value=10_000, places=2, allow_nan=False)
positive = st.decimals(min_value=Decimal("0.01"), max_value=10_000, places=2, allow_nan=False)
directions = st.sampled_from([Direction.INCREASE, Direction.DECREASE])


def test_improvement_follows_the_direction() -> None:
    up = value.improvement(direction=Direction.INCREASE, baseline=Decimal(10), level=Decimal(14))
    down = value.improvement(direction=Direction.DECREASE, baseline=Decimal(10), level=Decimal(14))
    assert (up, down) == (Decimal(4), Decimal(-4))


@given(baseline=amounts, level=amounts, per_unit=positive)
def test_the_two_directions_are_mirror_images(
    baseline: Decimal, level: Decimal, per_unit: Decimal
) -> None:
    up = value.value_per_month(
        direction=Direction.INCREASE, baseline=baseline, level=level, value_per_unit=per_unit
    )
    down = value.value_per_month(
        direction=Direction.DECREASE, baseline=baseline, level=level, value_per_unit=per_unit
    )
    assert up == -down  # type: ignore[operator]


@given(direction=directions, baseline=amounts, per_unit=positive)
def test_no_change_is_worth_nothing(direction: str, baseline: Decimal, per_unit: Decimal) -> None:
    assert value.realised_per_month(
        direction=direction, baseline=baseline, latest=baseline, value_per_unit=per_unit
    ) == Decimal("0.00")


@given(direction=directions, baseline=amounts, level=amounts, per_unit=positive)
def test_a_better_level_is_positive_and_a_worse_one_negative(
    direction: str, baseline: Decimal, level: Decimal, per_unit: Decimal
) -> None:
    worth = value.value_per_month(
        direction=direction, baseline=baseline, level=level, value_per_unit=per_unit
    )
    better = level > baseline if direction == Direction.INCREASE else level < baseline
    worse = level < baseline if direction == Direction.INCREASE else level > baseline
    assert worth is not None
    assert (worth > 0) == better or worth == 0  # a cent's rounding may leave zero
    assert not (worse and worth > 0)


def test_a_worse_level_is_a_negative_value_not_clipped() -> None:
    worth = value.realised_per_month(
        direction=Direction.DECREASE,
        baseline=Decimal(30),
        latest=Decimal(35),
        value_per_unit=Decimal(100),
    )
    assert worth == Decimal("-500.00")


@given(direction=directions, baseline=amounts, level=amounts)
def test_no_value_per_unit_means_no_money(
    direction: str, baseline: Decimal, level: Decimal
) -> None:
    assert (
        value.value_per_month(
            direction=direction, baseline=baseline, level=level, value_per_unit=None
        )
        is None
    )


@given(direction=directions, baseline=amounts, per_unit=positive)
def test_no_readings_means_no_realised_value(
    direction: str, baseline: Decimal, per_unit: Decimal
) -> None:
    assert (
        value.realised_per_month(
            direction=direction, baseline=baseline, latest=None, value_per_unit=per_unit
        )
        is None
    )


def test_no_baseline_or_direction_means_no_money() -> None:
    assert (
        value.value_per_month(
            direction=Direction.INCREASE, baseline=None, level=Decimal(1), value_per_unit=Decimal(1)
        )
        is None
    )
    assert (
        value.value_per_month(
            direction="", baseline=Decimal(0), level=Decimal(1), value_per_unit=Decimal(1)
        )
        is None
    )


def test_committed_is_the_target_against_the_baseline() -> None:
    committed = value.committed_per_month(
        direction=Direction.DECREASE,
        baseline=Decimal("42.5"),
        target=Decimal("30"),
        value_per_unit=Decimal("12.40"),
    )
    assert committed == Decimal("155.00")


@given(realised=amounts, run_cost=positive, committed=amounts)
def test_net_is_realised_less_run_cost(
    realised: Decimal, run_cost: Decimal, committed: Decimal
) -> None:
    figures = value.payback(realised=realised, run_cost=run_cost, committed=committed)
    assert figures.net == realised - run_cost
    assert figures.pays_back == (realised >= run_cost)
    assert figures.short_of_commitment == committed - realised


def test_payback_unknown_when_a_figure_is_missing() -> None:
    no_value = value.payback(realised=None, run_cost=Decimal(100), committed=Decimal(200))
    no_cost = value.payback(realised=Decimal(100), run_cost=None, committed=None)
    assert (no_value.net, no_value.pays_back, no_value.short_of_commitment) == (None, None, None)
    assert (no_cost.net, no_cost.pays_back, no_cost.short_of_commitment) == (None, None, None)


def test_a_negative_value_never_pays_back() -> None:
    figures = value.payback(realised=Decimal(-50), run_cost=Decimal(0), committed=Decimal(10))
    assert (figures.net, figures.pays_back) == (Decimal("-50.00"), False)


@given(st.lists(st.tuples(st.none() | amounts, st.none() | positive), max_size=8))
def test_totals_count_only_pilots_with_both_figures(
    rows: list[tuple[Decimal | None, Decimal | None]],
) -> None:
    paybacks = [value.payback(realised=r, run_cost=c, committed=None) for r, c in rows]
    known = [(r, c) for r, c in rows if r is not None and c is not None]
    result = value.totals(paybacks)
    assert result.counted == len(known)
    assert result.uncounted == len(rows) - len(known)
    assert result.realised == sum((r for r, _ in known), Decimal(0))
    assert result.run_cost == sum((c for _, c in known), Decimal(0))
    assert result.net == result.realised - result.run_cost
