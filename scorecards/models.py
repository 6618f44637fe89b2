"""Stored readiness scorecards, their reasons, and weekly snapshots for trends.

A scorecard is derived data: ``scorecards.services`` writes it from the rules
in ``scorecards.scoring``; nothing else does. It is denormalised for the
dashboard, which reads one row per pilot and never the readings themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from pilots.enums import Stage
from pilots.models import Pilot
from scorecards.scoring import Practice, Risk


class RiskLevel(models.IntegerChoices):
    ON_TRACK = Risk.ON_TRACK, "On track"
    WATCH = Risk.WATCH, "Watch"
    AT_RISK = Risk.AT_RISK, "At risk"
    CRITICAL = Risk.CRITICAL, "Critical"


class Scorecard(models.Model):
    pilot = models.OneToOneField(
        Pilot, on_delete=models.CASCADE, primary_key=True, related_name="scorecard"
    )
    infrastructure = models.PositiveSmallIntegerField()
    metric = models.PositiveSmallIntegerField()
    ownership = models.PositiveSmallIntegerField()
    handover = models.PositiveSmallIntegerField()
    overall = models.PositiveSmallIntegerField()
    risk = models.PositiveSmallIntegerField(choices=RiskLevel.choices)
    # The pilot's stage when it was scored (the recompute follows every change): the
    # dashboard's summary and stage filter read it here, with no join to the pilots.
    stage = models.CharField(max_length=10, choices=Stage.choices)
    # [{code, practice, points, risk, sentence, link}], worst first: what the pages show.
    reasons = models.JSONField(default=list)
    next_date = models.DateField(null=True, blank=True, help_text="The soonest date that bites.")
    has_accepted_owner = models.BooleanField()
    has_primary_metric = models.BooleanField()
    handover_planned_early = models.BooleanField(
        null=True, help_text="Tasks existed before the window opened (unknown until it opens)."
    )
    # The primary metric's latest readings, oldest first: [[ISO day, value], ...].
    sparkline = models.JSONField(default=list)
    # A decided pilot's practices and outcome, for the portfolio's evidence that the
    # practices matter (``scorecards.evidence``); empty for a pilot not decided yet, and
    # a practice empty when its fact cannot be known.
    owner_accepted_at_start = models.BooleanField(
        null=True, help_text="Decided pilots: the owner had accepted when it started."
    )
    infrastructure_yes_at_start = models.BooleanField(
        null=True, help_text="Decided pilots: every checklist item was “yes” when it started."
    )
    handover_before_window = models.BooleanField(
        null=True, help_text="Decided pilots: a task existed before the handover window opened."
    )
    segment_metric_defined = models.BooleanField(
        null=True, help_text="Decided pilots: a critical-segment metric is defined."
    )
    target_share = models.FloatField(
        null=True,
        help_text="Decided pilots: the primary metric's latest reading as a share of the way "
        "from baseline to target (0 to 1).",
    )
    value_per_month = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        help_text="Decided pilots: the value realised per month in the currency (a graduated "
        "pilot's primary-metric improvement times its value per unit; a stopped one's 0).",
    )
    computed_for = models.DateField(help_text="The day the rules were evaluated for.")
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The dashboard's order: worst risk, then the soonest date (PostgreSQL puts
            # NULLs last in ascending order, as the dashboard wants).
            models.Index(fields=["-risk", "next_date", "pilot"], name="scorecard_dashboard_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(risk__in=RiskLevel.values), name="scorecard_risk_valid"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{practice}__lte": 100}), name=f"scorecard_{practice}_max"
                )
                for practice in (*Practice, "overall")
            ),
            models.CheckConstraint(
                condition=Q(target_share__isnull=True)
                | Q(target_share__gte=0, target_share__lte=1),
                name="scorecard_target_share_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pilot_id}: {self.get_risk_display()} ({self.overall})"

    def score_of(self, practice: Practice) -> int:
        return getattr(self, practice.value)


class ScorecardReason(models.Model):
    """One reason of a current scorecard, as a row: what the reason filter queries."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="reason_rows")
    code = models.CharField(max_length=40)
    risk = models.PositiveSmallIntegerField(choices=RiskLevel.choices)

    class Meta:
        indexes = [models.Index(fields=["code", "scorecard"], name="scorecard_reason_code")]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "code"], name="scorecard_reason_once")
        ]

    def __str__(self) -> str:
        return self.code


class ScorecardSnapshot(models.Model):
    """A pilot's scorecard as it stood in one ISO week (the first evaluation of the week)."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="scorecard_snapshots")
    week = models.DateField(help_text="Monday of the ISO week.")
    infrastructure = models.PositiveSmallIntegerField()
    metric = models.PositiveSmallIntegerField()
    ownership = models.PositiveSmallIntegerField()
    handover = models.PositiveSmallIntegerField()
    overall = models.PositiveSmallIntegerField()
    risk = models.PositiveSmallIntegerField(choices=RiskLevel.choices)
    reason_codes = models.JSONField(default=list)

    class Meta:
        ordering = ["pilot", "week"]
        indexes = [models.Index(fields=["week", "risk"], name="snapshot_week_risk")]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "week"], name="snapshot_once_per_week")
        ]

    def __str__(self) -> str:
        return f"{self.pilot_id} {self.week}: {self.get_risk_display()}"


class PortfolioWeek(models.Model):
    """How many pilots stood at each risk level in one week's snapshot (all pilots).

    Written with the snapshot, so the unfiltered dashboard draws its trend from a
    few rows instead of counting every pilot's snapshot on every request.
    """

    week = models.DateField()
    risk = models.PositiveSmallIntegerField(choices=RiskLevel.choices)
    pilots = models.PositiveIntegerField()

    class Meta:
        ordering = ["week", "risk"]
        constraints = [models.UniqueConstraint(fields=["week", "risk"], name="portfolio_week_once")]

    def __str__(self) -> str:
        return f"{self.week} {self.get_risk_display()}: {self.pilots}"


class PortfolioTotals(models.Model):
    """The dashboard's summary of every scorecard, as one row (``key`` is always 1).

    Recounted by every recompute, in its transaction, so a lead's unfiltered
    dashboard reads its figures instead of counting every scorecard on each view.
    ``figures`` holds what ``scorecards.selectors.dashboard_summary`` counts.
    """

    key = models.PositiveSmallIntegerField(primary_key=True, default=1)
    figures = models.JSONField()
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "portfolio totals"
        constraints = [models.CheckConstraint(condition=Q(key=1), name="portfolio_totals_one")]

    def __str__(self) -> str:
        return f"Portfolio totals at {self.computed_at:%Y-%m-%d %H:%M}"


class SavedView(models.Model):
    """A user's named set of portfolio filters: the query string ``/portfolio/`` opens with.

    Written by ``scorecards.saved_views.saved_view_save`` only, which keeps the
    portfolio's filter parameters and drops everything else.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_view_name_once"),
            models.CheckConstraint(condition=~Q(name=""), name="saved_view_named"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"
