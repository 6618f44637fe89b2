"""Reads of the scorecards app: the dashboard's rows, its summary and its trend.

Every read starts from ``dashboard_scorecards(user)``, which applies the same
visibility as the rest of the product: leads see every pilot, others their own.
Each function below is one query whatever the size of the portfolio (the summary two: its
counts, then its evidence per practice).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from pilots.enums import Stage
from pilots.models import BusinessUnit, Pilot
from pilots.permissions import AnyUser, sees_every_pilot
from pilots.selectors.pilots import pilots_visible_to
from scorecards.evidence import EVIDENCE_KEYS, Evidence, evidence_from
from scorecards.models import (
    PortfolioTotals,
    PortfolioWeek,
    RiskLevel,
    Scorecard,
    ScorecardSnapshot,
)
from scorecards.services import summary_counts, week_of

# The order of the dashboard: worst risk first, then the soonest date that bites.
DASHBOARD_ORDER = ("-risk", F("next_date").asc(nulls_last=True), "pilot__reference")
TREND_WEEKS = 12


def dashboard_scorecards(user: AnyUser) -> QuerySet[Scorecard]:
    """The scorecards of the pilots this user may see, with what a row shows, in order."""
    queryset = Scorecard.objects.select_related(
        "pilot", "pilot__business_unit", "pilot__sponsor", "pilot__owner"
    )
    if not sees_every_pilot(user):
        queryset = queryset.filter(pilot__in=pilots_visible_to(user).values("pk"))
    return queryset.order_by(*DASHBOARD_ORDER)


# What a row of the dashboard shows, as values (no model instances): the floor's columns.
ROW_FIELDS = (
    "pilot_id",
    "risk",
    "overall",
    "infrastructure",
    "metric",
    "ownership",
    "handover",
    "reasons",
    "next_date",
    "sparkline",
    "pilot__reference",
    "pilot__title",
    "pilot__stage",
    "pilot__owner_status",
    "pilot__sponsor_id",
    "pilot__business_unit__name",
    "pilot__sponsor__first_name",
    "pilot__sponsor__last_name",
    "pilot__sponsor__username",
    "pilot__owner__first_name",
    "pilot__owner__last_name",
    "pilot__owner__username",
)


def dashboard_rows(scorecards: QuerySet[Scorecard]) -> QuerySet:
    """These scorecards (in their order) as the values a dashboard row shows: slice it."""
    return scorecards.values(*ROW_FIELDS)


def scorecard_for_pilot(pilot_id: int) -> Scorecard | None:
    return Scorecard.objects.filter(pilot_id=pilot_id).first()


def scorecard_history(pilot: Pilot, *, weeks: int | None = None) -> list[ScorecardSnapshot]:
    """The pilot's weekly snapshots, oldest first (the last ``weeks`` of them), one query."""
    latest = ScorecardSnapshot.objects.filter(pilot=pilot).order_by("-week")
    return list(reversed(latest[:weeks] if weeks else latest))


@dataclass(frozen=True)
class FilterChoices:
    business_units: list[tuple[int, str]]
    sponsors: list[tuple[int, str]]
    owners: list[tuple[int, str]]


def filter_choices(user: AnyUser) -> FilterChoices:
    """The business units, and the sponsors and owners of the pilots this user sees: 2 queries."""
    pilots = pilots_visible_to(user)
    people = (
        get_user_model()
        .objects.annotate(
            sponsors=Exists(pilots.filter(sponsor=OuterRef("pk"))),
            owns=Exists(pilots.filter(owner=OuterRef("pk"))),
        )
        .filter(Q(sponsors=True) | Q(owns=True))
        .order_by("first_name", "last_name", "username")
        .values_list("pk", "first_name", "last_name", "username", "sponsors", "owns")
    )
    sponsors, owners = [], []
    for pk, first, last, username, sponsors_one, owns_one in people:
        name = f"{first} {last}".strip() or username
        if sponsors_one:
            sponsors.append((pk, name))
        if owns_one:
            owners.append((pk, name))
    return FilterChoices(
        business_units=list(BusinessUnit.objects.order_by("name").values_list("pk", "name")),
        sponsors=sponsors,
        owners=owners,
    )


@dataclass(frozen=True)
class Summary:
    total: int
    per_stage: dict[str, int]
    per_risk: dict[int, int]
    graduated: int
    stopped: int
    with_accepted_owner: int
    with_primary_metric: int
    window_reached: int  # pilots whose handover window has opened
    planned_before_window: int  # ... that had tasks before it opened
    evidence: Evidence  # the decided pilots, split by each practice followed or not

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def graduation_rate(self) -> float | None:
        """Of the decided pilots (graduated or stopped), the share that graduated."""
        return self.share(self.graduated, self.graduated + self.stopped)

    @property
    def accepted_owner_share(self) -> float | None:
        return self.share(self.with_accepted_owner, self.total)

    @property
    def primary_metric_share(self) -> float | None:
        return self.share(self.with_primary_metric, self.total)

    @property
    def planned_early_share(self) -> float | None:
        return self.share(self.planned_before_window, self.window_reached)

    @property
    def funnel(self) -> list[tuple[str, str, int]]:
        funnel = [Stage(value) for value in Stage.FUNNEL]
        return [(stage.value, stage.label, self.per_stage.get(stage, 0)) for stage in funnel]


def dashboard_summary(scorecards: QuerySet[Scorecard], *, whole_portfolio: bool = False) -> Summary:
    """The summary figures of exactly these (filtered) scorecards, in two queries: with the
    evidence of their decided pilots (``scorecards.evidence``).

    ``whole_portfolio`` (a lead, no filter: ``scorecards`` is every scorecard)
    reads the totals the last recompute counted instead, one row.
    """
    figures = None
    if whole_portfolio:
        figures = PortfolioTotals.objects.values_list("figures", flat=True).first()
    if figures is None or not figures.keys() >= EVIDENCE_KEYS:
        # Not asked, or no recompute has counted them (all of them) yet.
        figures = summary_counts(scorecards)
    per_stage = {stage: figures[f"stage_{stage}"] for stage in Stage.values}
    return Summary(
        total=figures["total"],
        per_stage=per_stage,
        per_risk={risk: figures[f"risk_{risk}"] for risk in RiskLevel.values},
        graduated=per_stage[Stage.GRADUATED],
        stopped=per_stage[Stage.STOPPED],
        with_accepted_owner=figures["with_accepted_owner"],
        with_primary_metric=figures["with_primary_metric"],
        window_reached=figures["window_reached"],
        planned_before_window=figures["planned_before_window"],
        evidence=evidence_from(
            figures,
            decided=per_stage[Stage.GRADUATED] + per_stage[Stage.STOPPED],
            minimum=settings.PILOTGATE_EVIDENCE_MIN_PILOTS,
        ),
    )


@dataclass(frozen=True)
class TrendWeek:
    week: date
    per_risk: dict[int, int]  # every level, 0 when none

    @property
    def total(self) -> int:
        return sum(self.per_risk.values())


def risk_trend(
    scorecards: QuerySet[Scorecard],
    *,
    today: date,
    weeks: int = TREND_WEEKS,
    whole_portfolio: bool = False,
) -> list[TrendWeek]:
    """Pilots per risk level in each of the last ``weeks`` weekly snapshots, oldest first.

    Limited to the pilots of ``scorecards`` (the dashboard's filters), one query.
    ``whole_portfolio`` (a lead, no filter) reads the weekly totals written with
    the snapshots instead of counting every pilot's snapshot.
    """
    last = week_of(today)
    first = last - timedelta(weeks=weeks - 1)
    counts: dict[date, dict[int, int]] = {
        first + timedelta(weeks=n): dict.fromkeys(RiskLevel.values, 0) for n in range(weeks)
    }
    rows: Iterable[Mapping[str, Any]]
    if whole_portfolio:
        rows = PortfolioWeek.objects.filter(week__gte=first, week__lte=last).values(
            "week", "risk", n=F("pilots")
        )
    else:
        rows = (
            ScorecardSnapshot.objects.filter(
                week__gte=first,
                week__lte=last,
                pilot_id__in=scorecards.order_by().values("pilot_id"),
            )
            .values("week", "risk")
            .annotate(n=Count("pk"))
            .order_by()
        )
    for row in rows:
        counts[row["week"]][row["risk"]] = row["n"]
    return [TrendWeek(week=week, per_risk=per_risk) for week, per_risk in counts.items()]


def with_scorecards(pilots: QuerySet[Pilot]) -> QuerySet[Pilot]:
    """These pilots with their scorecard (``pilot.scorecard``, absent until first scored).

    Joined in the same query, so a list of pilots shows each one's risk at no
    cost per row.
    """
    return pilots.select_related("scorecard")
