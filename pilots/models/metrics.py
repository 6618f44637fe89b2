"""The business metrics a pilot is judged by, and their readings."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from pilots.enums import Cadence, Direction, MetricKind, ReadingSource
from pilots.models.pilot import Pilot

User = settings.AUTH_USER_MODEL


class Metric(models.Model):
    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=MetricKind.choices)
    unit = models.CharField(max_length=50, blank=True, help_text="e.g. %, minutes, £ per case.")
    direction = models.CharField(max_length=10, choices=Direction.choices, blank=True)
    baseline = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    target_date = models.DateField(null=True, blank=True)
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY)
    guardrail = models.DecimalField(
        max_digits=16,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=(
            "Critical-segment metrics only: the floor (higher is better) or ceiling (lower is "
            "better) this segment must not cross. Empty: the metric's own trajectory from "
            "baseline to target is its guardrail."
        ),
    )
    data_source = models.CharField(
        max_length=300, blank=True, help_text="The production system the readings come from."
    )
    # On the metric, not the pilot: it prices the metric's own unit (replace the
    # metric and its price goes with it), and the contract snapshots it with the
    # metric's other terms. Counted for the primary metric only (``pilots.value``).
    value_per_unit = models.DecimalField(
        "value per unit",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Primary metric only: what one unit of improvement is worth per month, in "
        "money (e.g. the metric counts hours of manual work per month: the cost of an hour). "
        "Empty: the value is not priced.",
    )
    # --- Baseline provenance: when, how and from what the baseline was measured ---
    baseline_measured_on = models.DateField(
        "baseline measured on",
        null=True,
        blank=True,
        help_text="The day the baseline was measured (for an average, its last day). "
        "Not in the future, and before the pilot starts.",
    )
    baseline_method = models.CharField(
        "baseline method",
        max_length=200,
        blank=True,
        default="",
        help_text="How it was measured, e.g. “4-week average of the claims ledger”.",
    )
    baseline_source = models.CharField(
        "baseline source",
        max_length=200,
        blank=True,
        default="",
        help_text="The system or report it came from, e.g. “Claims DB” or “Q1 ops report”.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pilot", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["pilot"],
                condition=Q(kind=MetricKind.PRIMARY),
                name="metric_one_primary_per_pilot",
                violation_error_message="This pilot already has a primary business metric.",
            ),
            models.UniqueConstraint(fields=["pilot", "name"], name="metric_unique_name"),
            models.CheckConstraint(condition=Q(kind__in=MetricKind.values), name="metric_kind"),
            models.CheckConstraint(
                condition=Q(direction__in=[*Direction.values, ""]), name="metric_direction"
            ),
            models.CheckConstraint(
                condition=Q(baseline__isnull=True)
                | Q(target__isnull=True)
                | Q(direction="")
                | (Q(direction=Direction.INCREASE) & Q(target__gt=F("baseline")))
                | (Q(direction=Direction.DECREASE) & Q(target__lt=F("baseline"))),
                name="metric_target_beyond_baseline",
                violation_error_message=(
                    "The target must be above the baseline when higher is better, "
                    "and below it when lower is better."
                ),
            ),
            models.CheckConstraint(
                condition=Q(guardrail__isnull=True)
                | (
                    Q(kind=MetricKind.CRITICAL_SEGMENT)
                    & ~Q(direction="")
                    & (
                        Q(target__isnull=True)
                        | (Q(direction=Direction.INCREASE) & Q(guardrail__lte=F("target")))
                        | (Q(direction=Direction.DECREASE) & Q(guardrail__gte=F("target")))
                    )
                ),
                name="metric_guardrail_segment_short_of_target",
                violation_error_message=(
                    "A guardrail belongs to a critical-segment metric with a direction: a "
                    "floor at or below its target when higher is better, a ceiling at or "
                    "above it when lower is better."
                ),
            ),
            models.CheckConstraint(
                condition=Q(value_per_unit__isnull=True)
                | (Q(kind=MetricKind.PRIMARY) & Q(value_per_unit__gte=0)),
                name="metric_value_per_unit_primary",
                violation_error_message="Only the primary metric has a value per unit, and it "
                "is not negative.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.baseline_measured_on and self.baseline_measured_on > timezone.localdate():
            raise ValidationError(
                {"baseline_measured_on": "A baseline cannot be measured in the future."}
            )

    PROVENANCE_FIELDS = ("baseline_measured_on", "baseline_method", "baseline_source")

    @property
    def counts_as_success(self) -> bool:
        return self.kind != MetricKind.MODEL


class MetricReading(models.Model):
    """One value of a metric on one day. Re-sending a day updates it."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="readings")
    observed_on = models.DateField()
    value = models.DecimalField(max_digits=16, decimal_places=4)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=10, choices=ReadingSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Not stored: set on the readings a page lists, for its template.
    can_change: bool

    class Meta:
        ordering = ["metric", "-observed_on"]
        constraints = [
            # Also the index for "latest reading per metric" (scanned backwards).
            models.UniqueConstraint(
                fields=["metric", "observed_on"], name="reading_one_per_metric_and_day"
            ),
            models.CheckConstraint(
                condition=Q(source__in=ReadingSource.values), name="reading_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} on {self.observed_on}: {self.value}"
