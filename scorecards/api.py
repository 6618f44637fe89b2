"""The portfolio in the API: the dashboard's scorecards, its summary, and one pilot's scorecard.

Everything the portfolio dashboard shows, with the same visibility (leads see
every pilot, others their own: ``dashboard_scorecards``) and the same filters
(``DashboardFilter``). Risk levels are stored as integers (worst highest) and
published as slugs: ``on_track``, ``watch``, ``at_risk``, ``critical``, both in
the responses and in the ``risk`` filter.
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from pilots.enums import Stage
from pilots.frame.api.serializers import BusinessUnitSerializer, UserSummarySerializer
from pilots.frame.api.views import ApiView
from pilots.models import Pilot
from pilots.permissions import sees_every_pilot
from scorecards.evidence import OUTCOMES, PRACTICES, Evidence, Side, Split
from scorecards.filters import RISK_CHOICES, DashboardFilter
from scorecards.models import Scorecard, ScorecardSnapshot
from scorecards.scoring import PRACTICE_LABELS, REASON_CODES, Practice, Risk
from scorecards.selectors import (
    DASHBOARD_ORDER,
    Summary,
    TrendWeek,
    dashboard_scorecards,
    dashboard_summary,
    risk_trend,
    scorecard_for_pilot,
    scorecard_history,
)

REASON_CHOICES = sorted(REASON_CODES.items())
PRACTICE_CHOICES = [(practice.value, PRACTICE_LABELS[practice]) for practice in Practice]


# --- Filters ---------------------------------------------------------------------------------


class PortfolioListFilter(DashboardFilter):
    sort = django_filters.OrderingFilter(
        fields=(
            ("risk", "risk"),
            ("overall", "overall"),
            ("pilot__reference", "reference"),
            ("pilot__title", "title"),
        ),
        help_text="Default: the dashboard's order (worst risk, then the soonest date that "
        "bites); ties always follow it.",
    )

    def filter_queryset(self, queryset: QuerySet[Scorecard]) -> QuerySet[Scorecard]:
        """Filter, then end with the dashboard's order so pages never repeat or skip a pilot."""
        queryset = super().filter_queryset(queryset)
        chosen = self.form.cleaned_data.get("sort") or []
        return queryset.order_by(
            *(self.filters["sort"].get_ordering_value(param) for param in chosen),
            *DASHBOARD_ORDER,
        )


# --- Output ---------------------------------------------------------------------------------


class RiskField(serializers.ChoiceField):
    """A risk level (stored as an integer, worst highest) as its slug."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=RISK_CHOICES, **kwargs)

    def to_representation(self, value: int | str) -> str:
        # Stored as an integer; ChoiceField is typed for str values.
        return Risk(int(value)).slug


class PortfolioPilotSerializer(serializers.ModelSerializer):
    business_unit = BusinessUnitSerializer(read_only=True, allow_null=True)
    sponsor = UserSummarySerializer(read_only=True)
    owner = UserSummarySerializer(
        read_only=True, allow_null=True, help_text="Nominated or accepted: see owner_status."
    )

    class Meta:
        model = Pilot
        fields = [
            "reference",
            "title",
            "stage",
            "business_unit",
            "sponsor",
            "owner",
            "owner_status",
        ]
        read_only_fields = fields


class ScoresSerializer(serializers.Serializer):
    """Each practice out of 100."""

    infrastructure = serializers.IntegerField(min_value=0, max_value=100)
    metric = serializers.IntegerField(min_value=0, max_value=100)
    ownership = serializers.IntegerField(min_value=0, max_value=100)
    handover = serializers.IntegerField(min_value=0, max_value=100)


class ReasonSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=REASON_CHOICES, help_text="Stable; the rules are in the README."
    )
    practice = serializers.ChoiceField(choices=PRACTICE_CHOICES)
    points = serializers.IntegerField(help_text="Taken off the practice's score.")
    risk = RiskField()
    sentence = serializers.CharField()
    link = serializers.CharField(help_text="Path of the web page where it is fixed.")


class SparklinePointSerializer(serializers.Serializer):
    day = serializers.DateField()
    value = serializers.CharField(help_text="A decimal, as a string.")

    def to_representation(self, instance: list[str]) -> dict[str, Any]:
        day, value = instance  # stored as [ISO day, value]
        return super().to_representation({"day": day, "value": value})


class PortfolioItemSerializer(serializers.ModelSerializer):
    """One row of the dashboard: a pilot's stored scorecard."""

    pilot = PortfolioPilotSerializer(read_only=True)
    risk = RiskField(read_only=True)
    scores = ScoresSerializer(source="*", read_only=True)
    reasons = ReasonSerializer(many=True, read_only=True, help_text="Worst first.")
    next_date = serializers.DateField(
        read_only=True, allow_null=True, help_text="The soonest date that bites."
    )
    sparkline = SparklinePointSerializer(
        many=True, read_only=True, help_text="The primary metric's latest readings, oldest first."
    )

    class Meta:
        model = Scorecard
        fields = [
            "pilot",
            "risk",
            "overall",
            "scores",
            "reasons",
            "next_date",
            "sparkline",
            "computed_for",
            "computed_at",
        ]
        read_only_fields = fields


class SnapshotSerializer(serializers.ModelSerializer):
    risk = RiskField(read_only=True)
    scores = ScoresSerializer(source="*", read_only=True)
    reason_codes = serializers.ListField(
        child=serializers.ChoiceField(choices=REASON_CHOICES), read_only=True
    )

    class Meta:
        model = ScorecardSnapshot
        fields = ["week", "overall", "risk", "scores", "reason_codes"]
        read_only_fields = fields


class ScorecardSerializer(PortfolioItemSerializer):
    """A pilot's stored scorecard, with its weekly history."""

    history = serializers.SerializerMethodField(
        help_text="One snapshot per ISO week (its Monday), oldest first."
    )

    class Meta(PortfolioItemSerializer.Meta):
        fields = [*PortfolioItemSerializer.Meta.fields, "history"]
        read_only_fields = fields

    @extend_schema_field(SnapshotSerializer(many=True))
    def get_history(self, scorecard: Scorecard) -> list[dict[str, Any]]:
        # many=True makes a ListSerializer, whose data is a list (the stubs type
        # .data as one object's).
        return cast(
            list[dict[str, Any]],
            SnapshotSerializer(self.context.get("history", []), many=True).data,
        )


StageCountsSerializer = type(
    "StageCounts",
    (serializers.Serializer,),
    {
        "__doc__": "Pilots per stage.",
        **{stage: serializers.IntegerField(min_value=0) for stage in Stage.values},
    },
)


class RiskCountsSerializer(serializers.Serializer):
    """Pilots per risk level."""

    on_track = serializers.IntegerField(min_value=0)
    watch = serializers.IntegerField(min_value=0)
    at_risk = serializers.IntegerField(min_value=0)
    critical = serializers.IntegerField(min_value=0)

    def to_representation(self, instance: dict[int, int]) -> dict[str, Any]:
        return super().to_representation({Risk(k).slug: n for k, n in instance.items()})


class TrendWeekSerializer(serializers.Serializer):
    """Pilots per risk level in one weekly snapshot."""

    week = serializers.DateField(help_text="Monday of the ISO week.")
    on_track = serializers.IntegerField(min_value=0)
    watch = serializers.IntegerField(min_value=0)
    at_risk = serializers.IntegerField(min_value=0)
    critical = serializers.IntegerField(min_value=0)

    def to_representation(self, instance: TrendWeek) -> dict[str, Any]:
        counts = {Risk(k).slug: n for k, n in instance.per_risk.items()}
        return super().to_representation({"week": instance.week, **counts})


def _share(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(
        min_value=0, max_value=1, allow_null=True, help_text=f"{help_text} Null when undefined."
    )


class OutcomeMeasureSerializer(serializers.Serializer):
    """One outcome over the decided pilots of one side."""

    measured = serializers.IntegerField(min_value=0, help_text="Pilots with a value.")
    total = serializers.FloatField(
        help_text="The sum of their values (graduation: 1 for each graduated; share of "
        "target: 0 to 1 each; realised value per month: money in the currency, below 0 "
        "when the metric got worse)."
    )
    mean = serializers.FloatField(
        allow_null=True,
        help_text="total / measured; null when either side has fewer than minimum_per_side "
        "pilots measured (too few to compare).",
    )


class EvidenceSideSerializer(serializers.Serializer):
    """The decided pilots on one side of a practice, and each outcome over them."""

    decided = serializers.IntegerField(min_value=0)

    # A field per outcome compared (scorecards.evidence.OUTCOMES).

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for outcome in OUTCOMES:
            fields[outcome.key] = OutcomeMeasureSerializer(help_text=outcome.heading)
        return fields

    def to_representation(self, side: Side) -> dict[str, Any]:
        return super().to_representation(
            {
                "decided": side.decided,
                **{
                    measure.outcome.key: {
                        "measured": measure.n,
                        "total": measure.total,
                        "mean": measure.mean,
                    }
                    for measure in side.measures
                },
            }
        )


class PracticeEvidenceSerializer(serializers.Serializer):
    practice = serializers.ChoiceField(choices=[(p.key, p.label) for p in PRACTICES])
    name = serializers.CharField(help_text="The practice, in words.")
    followed_means = serializers.CharField(help_text="What following the practice means.")
    comparable = serializers.BooleanField(
        help_text="Both sides have at least minimum_per_side decided pilots."
    )
    followed = EvidenceSideSerializer()
    not_followed = EvidenceSideSerializer()
    not_known = serializers.IntegerField(
        min_value=0, help_text="Decided pilots whose fact could not be known (on neither side)."
    )

    def to_representation(self, split: Split) -> dict[str, Any]:
        return super().to_representation(
            {
                "practice": split.practice.key,
                "name": split.practice.label,
                "followed_means": split.practice.followed,
                "comparable": split.comparable,
                "followed": split.followed,
                "not_followed": split.not_followed,
                "not_known": split.unknown,
            }
        )


class EvidenceSerializer(serializers.Serializer):
    """The decided pilots (graduated or stopped) split by each practice followed or not."""

    decided = serializers.IntegerField(min_value=0, help_text="Decided pilots shown.")
    minimum_per_side = serializers.IntegerField(
        min_value=1, help_text="PILOTGATE_EVIDENCE_MIN_PILOTS: fewer on a side, no means."
    )
    practices = PracticeEvidenceSerializer(many=True)

    def to_representation(self, evidence: Evidence) -> dict[str, Any]:
        return super().to_representation(
            {
                "decided": evidence.decided,
                "minimum_per_side": evidence.minimum,
                "practices": evidence.splits,
            }
        )


class PortfolioSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField(min_value=0, help_text="Pilots shown.")
    per_stage = StageCountsSerializer()
    per_risk = RiskCountsSerializer()
    graduation_rate = _share("Of the decided pilots (graduated or stopped), the share graduated.")
    accepted_owner_share = _share("Share with an accepted business owner.")
    primary_metric_share = _share("Share with a primary business metric.")
    planned_early_share = _share(
        "Of the pilots whose handover window has opened, the share with tasks before it opened."
    )
    trend = TrendWeekSerializer(many=True, help_text="Pilots per risk level, weekly, oldest first.")
    evidence = EvidenceSerializer(
        help_text="The organisation's evidence that the practices matter: the decided pilots "
        "that followed each practice against those that did not."
    )

    def to_representation(self, instance: tuple[Summary, list[TrendWeek]]) -> dict[str, Any]:
        summary, trend = instance
        return super().to_representation(
            {
                "total": summary.total,
                "per_stage": summary.per_stage,
                "per_risk": summary.per_risk,
                "graduation_rate": summary.graduation_rate,
                "accepted_owner_share": summary.accepted_owner_share,
                "primary_metric_share": summary.primary_metric_share,
                "planned_early_share": summary.planned_early_share,
                "trend": trend,
                "evidence": summary.evidence,
            }
        )


# --- Views ------------------------------------------------------------------------------------


class PortfolioList(ApiView, generics.ListAPIView):
    """The portfolio dashboard's rows: at-risk pilots first."""

    serializer_class = PortfolioItemSerializer
    filterset_class = PortfolioListFilter

    def get_queryset(self) -> QuerySet[Scorecard]:
        return dashboard_scorecards(self.request.user)

    @extend_schema(
        summary="Scorecards of the pilots you can see, at-risk first",
        description="Portfolio leads see every pilot; others the pilots they sponsor, own, "
        "operate or work on. The same filters as the portfolio dashboard.",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class PortfolioSummary(ApiView):
    serializer_class = PortfolioSummarySerializer
    filterset_class = DashboardFilter

    def get_queryset(self) -> QuerySet[Scorecard]:
        return dashboard_scorecards(self.request.user)

    @extend_schema(
        summary="The portfolio's summary figures and risk trend",
        description="For exactly the pilots the same filters select in the portfolio list.",
        filters=True,
    )
    def get(self, request: Request) -> Response:
        scorecards = self.filter_queryset(self.get_queryset())
        summary = dashboard_summary(scorecards)
        filtered = any(request.query_params.get(name) for name in DashboardFilter.base_filters)
        trend = risk_trend(
            scorecards,
            today=timezone.localdate(),
            whole_portfolio=sees_every_pilot(request.user) and not filtered,
        )
        return Response(self.get_serializer((summary, trend)).data)


class PilotScorecard(ApiView):
    serializer_class = ScorecardSerializer

    @extend_schema(summary="A pilot's readiness scorecard, with its weekly history")
    def get(self, request: Request, reference: str) -> Response:
        pilot = self.pilot  # 404 unless visible
        scorecard = scorecard_for_pilot(pilot.pk)
        if scorecard is None:
            raise NotFound(
                f"{pilot.reference} has no scorecard yet: it is computed shortly after "
                "any change to the pilot, and nightly."
            )
        scorecard.pilot = pilot  # already fetched with its people
        return Response(
            ScorecardSerializer(scorecard, context={"history": scorecard_history(pilot)}).data
        )
