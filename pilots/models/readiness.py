"""Production readiness: the infrastructure checklist and the 12-month operating plan."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.db import models
from django.db.models import Q

from pilots.enums import BudgetStatus, InfrastructureAnswerValue, InfrastructureItem
from pilots.models.pilot import Pilot

User = settings.AUTH_USER_MODEL


class InfrastructureAnswer(models.Model):
    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="infrastructure")
    item = models.CharField(max_length=20, choices=InfrastructureItem.choices)
    answer = models.CharField(max_length=10, choices=InfrastructureAnswerValue.choices)
    evidence_url = models.URLField(blank=True, help_text="Pipeline, dashboard or ticket link.")
    notes = models.TextField(blank=True)
    planned_on = models.DateField(
        "planned for",
        null=True,
        blank=True,
        help_text="For a “planned” answer: the day it will be in place.",
    )
    # The waiver a "no" or "planned" answer needs: why the pilot may go ahead without
    # it, and until when. Requested by the sponsor (or a lead editing the registration),
    # approved by an independent portfolio lead: with the pilot's approval, or later.
    # A renewal (a new reason or date) clears the approval; a "yes" ends the waiver.
    waiver_reason = models.TextField(
        "waiver reason",
        blank=True,
        help_text="Why the pilot may go ahead without it, and what covers the gap meanwhile.",
    )
    waiver_expires_on = models.DateField(
        "waiver expires on",
        null=True,
        blank=True,
        help_text="The last day the waiver holds; after it the item must be in place.",
    )
    waiver_requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    waiver_requested_at = models.DateTimeField(null=True, blank=True)
    waiver_approved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    waiver_approved_at = models.DateTimeField(null=True, blank=True)
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
            models.CheckConstraint(
                condition=Q(answer=InfrastructureAnswerValue.PLANNED, planned_on__isnull=False)
                | (~Q(answer=InfrastructureAnswerValue.PLANNED) & Q(planned_on__isnull=True)),
                name="infra_planned_has_date",
                violation_error_message="A 'planned' answer needs the date it will be in place "
                "(and only a 'planned' answer has one).",
            ),
            models.CheckConstraint(
                # A waiver is a reason and an expiry date, with who asked and when.
                condition=Q(
                    waiver_expires_on__isnull=True,
                    waiver_reason="",
                    waiver_requested_at__isnull=True,
                )
                | (
                    Q(waiver_expires_on__isnull=False, waiver_requested_at__isnull=False)
                    & ~Q(waiver_reason="")
                ),
                name="infra_waiver_complete",
                violation_error_message="A waiver needs both a reason and an expiry date.",
            ),
            models.CheckConstraint(
                condition=~Q(answer=InfrastructureAnswerValue.YES)
                | Q(waiver_expires_on__isnull=True),
                name="infra_yes_has_no_waiver",
                violation_error_message="A 'yes' needs no waiver.",
            ),
            models.CheckConstraint(
                # Only a requested waiver is approved, and an approval says when.
                condition=Q(waiver_approved_at__isnull=True) | Q(waiver_expires_on__isnull=False),
                name="infra_waiver_approved_when_requested",
                violation_error_message="Only a requested waiver can be approved.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()}: {self.get_answer_display()}"

    @property
    def has_waiver(self) -> bool:
        return self.waiver_expires_on is not None

    @property
    def waiver_pending(self) -> bool:
        """A waiver requested (or renewed) that no lead has approved yet."""
        return self.has_waiver and self.waiver_approved_at is None


class OperatingPlan(models.Model):
    """The answer to "what would it take to operate this in production for 12 months?"."""

    # The texts and the cost the plan must hold (the budget holder is asked for apart:
    # a person who must accept the run cost, ``pilots.services.budget``).
    REQUIRED_FIELDS = (
        "run_cost_per_month",
        "support_model",
        "monitoring_plan",
        "incident_process",
        "model_maintenance",
    )
    # What the plan puts in the approved contract, and what its editors write.
    CONTRACT_FIELDS = (*REQUIRED_FIELDS, "budget_holder")

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
    budget_holder = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="budgets_held",
        verbose_name="budget holder",
        help_text="The person who pays for the 12 months of operation. They must accept the "
        "12-month run cost before the pilot can be approved.",
    )
    # The budget holder's answer, as the business owner answers the nomination. Naming
    # another holder or changing the run cost asks again (``pilots.services.budget``).
    budget_status = models.CharField(
        max_length=10,
        choices=BudgetStatus.choices,
        default=BudgetStatus.NONE,
        editable=False,
    )
    budget_named_at = models.DateTimeField(null=True, blank=True, editable=False)
    budget_responded_at = models.DateTimeField(null=True, blank=True, editable=False)
    budget_decline_reason = models.TextField(blank=True, editable=False)
    # Before budget holders were people, the plan named one in words; kept as written.
    budget_holder_note = models.CharField(
        "budget holder (as written before)",
        max_length=200,
        blank=True,
        editable=False,
        help_text="The budget holder as the plan named them in words, before a person was "
        "asked to accept the run cost.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(run_cost_per_month__isnull=True) | Q(run_cost_per_month__gte=0),
                name="plan_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=(Q(budget_holder__isnull=True) & Q(budget_status=BudgetStatus.NONE))
                | (Q(budget_holder__isnull=False) & ~Q(budget_status=BudgetStatus.NONE)),
                name="plan_budget_status_matches_holder",
            ),
            models.CheckConstraint(
                condition=~Q(budget_status__in=[BudgetStatus.ACCEPTED, BudgetStatus.DECLINED])
                | Q(budget_responded_at__isnull=False),
                name="plan_budget_response_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(budget_status=BudgetStatus.DECLINED) | ~Q(budget_decline_reason=""),
                name="plan_budget_decline_has_reason",
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
