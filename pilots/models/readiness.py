"""Production readiness: the infrastructure checklist and the 12-month operating plan."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.db import models
from django.db.models import Q

from pilots.enums import InfrastructureAnswerValue, InfrastructureItem
from pilots.models.pilot import Pilot

User = settings.AUTH_USER_MODEL


class InfrastructureAnswer(models.Model):
    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="infrastructure")
    item = models.CharField(max_length=20, choices=InfrastructureItem.choices)
    answer = models.CharField(max_length=10, choices=InfrastructureAnswerValue.choices)
    evidence_url = models.URLField(blank=True, help_text="Pipeline, dashboard or ticket link.")
    notes = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pilot", "item"]
        constraints = [
            models.UniqueConstraint(fields=["pilot", "item"], name="infra_one_answer_per_item"),
            models.CheckConstraint(
                condition=Q(item__in=InfrastructureItem.values), name="infra_item"
            ),
            models.CheckConstraint(
                condition=Q(answer__in=InfrastructureAnswerValue.values), name="infra_answer"
            ),
            models.CheckConstraint(
                condition=~Q(answer=InfrastructureAnswerValue.YES) | ~Q(evidence_url=""),
                name="infra_yes_has_evidence",
                violation_error_message="A 'yes' needs an evidence link.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()}: {self.get_answer_display()}"


class OperatingPlan(models.Model):
    """The answer to "what would it take to operate this in production for 12 months?"."""

    REQUIRED_FIELDS = (
        "run_cost_per_month",
        "support_model",
        "monitoring_plan",
        "incident_process",
        "model_maintenance",
        "budget_holder",
    )

    pilot = models.OneToOneField(Pilot, on_delete=models.CASCADE, related_name="operating_plan")
    run_cost_per_month = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Expected monthly cost in production: infrastructure, licences, people.",
    )
    support_model = models.TextField(blank=True, help_text="Who answers when it breaks, and when.")
    monitoring_plan = models.TextField(
        blank=True, help_text="What is watched in production: data drift, errors, the metric."
    )
    incident_process = models.TextField(
        blank=True, help_text="How incidents are raised and handled."
    )
    model_maintenance = models.TextField(
        blank=True, help_text="Retraining, re-validation and data refresh over 12 months."
    )
    budget_holder = models.CharField(
        max_length=200, blank=True, help_text="Who pays for the 12 months of operation."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(run_cost_per_month__isnull=True) | Q(run_cost_per_month__gte=0),
                name="plan_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Operating plan for {self.pilot}"

    def missing_fields(self) -> list[str]:
        return [
            # Each required name is a concrete field, never a reverse relation.
            str(cast("models.Field[Any, Any]", self._meta.get_field(name)).verbose_name)
            for name in self.REQUIRED_FIELDS
            if getattr(self, name) in (None, "")
        ]
