"""Pilots, their business units and their teams."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from pilots.enums import OwnershipStatus, Stage

if TYPE_CHECKING:
    from django.contrib.auth.models import User as AuthUser

    from pilots.errors import MissingItem

User = settings.AUTH_USER_MODEL


class BusinessUnit(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Pilot(models.Model):
    """An AI pilot and the commitments that let it reach production.

    ``stage`` is written only by the gate service (``pilots.services.gates``):
    one function per state machine, every change recorded as a GateDecision.
    """

    # NULL only inside the creating transaction, until the primary key is known.
    reference = models.CharField(  # noqa: DJ001
        max_length=12,
        unique=True,
        null=True,
        editable=False,
        help_text="Stable reference such as PIL-0042, assigned on creation.",
    )
    title = models.CharField(max_length=200)
    problem_statement = models.TextField(
        blank=True, help_text="The business problem, in the business's words."
    )
    business_unit = models.ForeignKey(
        BusinessUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="pilots"
    )
    stage = models.CharField(
        max_length=10, choices=Stage.choices, default=Stage.DRAFT, editable=False
    )

    planned_start = models.DateField(null=True, blank=True)
    planned_end = models.DateField(null=True, blank=True)
    started_on = models.DateField(
        null=True, blank=True, editable=False, help_text="The day the pilot actually started."
    )

    sponsor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="sponsored_pilots")

    owner = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_pilots",
        help_text="The nominated business owner, accountable for the business result.",
    )
    owner_status = models.CharField(
        max_length=10,
        choices=OwnershipStatus.choices,
        default=OwnershipStatus.NONE,
        editable=False,
    )
    owner_nominated_at = models.DateTimeField(null=True, blank=True, editable=False)
    owner_responded_at = models.DateTimeField(null=True, blank=True, editable=False)
    owner_decline_reason = models.TextField(blank=True, editable=False)

    operations_owner = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operated_pilots",
        help_text="The person who will run the system after handover.",
    )
    receiving_team = models.CharField(
        max_length=200, blank=True, help_text="The team that will operate the system."
    )
    operations_accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    operations_accepted_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    # The end of the operating phase before its months are up: a value review whose
    # proposal "retire" was signed off (``pilots.services.operation``).
    operation_ended_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The day the system was retired, ending its operation early.",
    )
    operation_end_reason = models.TextField(
        blank=True, editable=False, help_text="Why the operation ended: the value review."
    )

    members: models.ManyToManyField[AuthUser, PilotMembership] = models.ManyToManyField(
        User, through="PilotMembership", related_name="member_pilots", blank=True
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Not stored: set on the drafts of the home page's agenda, for its template.
    missing: list[MissingItem]

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["stage"])]
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="pilot_stage_valid"),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="pilot_end_not_before_start",
                violation_error_message="The planned end cannot be before the planned start.",
            ),
            models.CheckConstraint(
                condition=(Q(owner__isnull=True) & Q(owner_status=OwnershipStatus.NONE))
                | (Q(owner__isnull=False) & ~Q(owner_status=OwnershipStatus.NONE)),
                name="pilot_owner_status_matches_owner",
            ),
            models.CheckConstraint(
                condition=~Q(owner_status__in=[OwnershipStatus.ACCEPTED, OwnershipStatus.DECLINED])
                | Q(owner_responded_at__isnull=False),
                name="pilot_owner_response_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(owner_status=OwnershipStatus.DECLINED) | ~Q(owner_decline_reason=""),
                name="pilot_owner_decline_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(stage__in=list(Stage.STARTED)) | Q(started_on__isnull=False),
                name="pilot_running_has_start",
            ),
            models.CheckConstraint(
                condition=Q(operation_ended_on__isnull=True) | Q(stage=Stage.GRADUATED),
                name="pilot_operation_ends_graduated",
            ),
            models.CheckConstraint(
                condition=~Q(stage=Stage.GRADUATED) | Q(operations_accepted_at__isnull=False),
                name="pilot_graduated_operations_accepted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}" if self.reference else self.title


class PilotMembership(models.Model):
    """A member of the delivery team building the pilot."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pilot_memberships")
    role = models.CharField(max_length=100, blank=True, help_text="e.g. ML engineer, analyst.")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pilot", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.pilot}"
