"""The approved contract: what a portfolio lead approved, and every change since.

Approval freezes the pilot's contract (``pilots.selectors.contract.contract_of``)
as a ``ContractSnapshot``; a lead's acknowledgement of the changes since freezes
the next version. Each change to a contract field after approval is a
``ContractChange`` row, with its written reason, until a lead acknowledges it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from pilots.models.history import AppendOnly
from pilots.models.pilot import Pilot

User = settings.AUTH_USER_MODEL


class ContractSnapshot(AppendOnly):
    """One approved version of a pilot's contract: ``data`` maps a field's key to
    its label and value, as ``contract_of`` wrote it then."""

    class Origin(models.TextChoices):
        APPROVAL = "approval", "Approved"
        ACKNOWLEDGEMENT = "acknowledgement", "Changes acknowledged"
        MIGRATION = "migration", "Taken from the state at upgrade (approved before snapshots)"

    pilot = models.ForeignKey(Pilot, on_delete=models.PROTECT, related_name="contract_snapshots")
    version = models.PositiveIntegerField()
    data = models.JSONField(help_text="{key: {label, value}}, as contract_of() wrote it.")
    origin = models.CharField(max_length=20, choices=Origin.choices)
    # None: taken by the upgrade's migration, not by a person.
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pilot", "-version"]
        get_latest_by = "version"
        constraints = [
            models.UniqueConstraint(fields=["pilot", "version"], name="contract_one_per_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="contract_version_from_1"),
            models.CheckConstraint(
                condition=Q(origin__in=["approval", "acknowledgement", "migration"]),
                name="contract_origin",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pilot} contract v{self.version}"


class ContractChange(models.Model):
    """One contract field changed after approval, with its reason; open until acknowledged."""

    pilot = models.ForeignKey(Pilot, on_delete=models.PROTECT, related_name="contract_changes")
    version = models.PositiveIntegerField(help_text="The approved version it drifts from.")
    key = models.CharField(max_length=120, help_text="The field's key in the contract.")
    label = models.CharField(max_length=300)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField()
    changed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.TextField(blank=True)

    class Meta:
        ordering = ["pilot", "changed_at", "id"]
        indexes = [
            models.Index(
                fields=["pilot"],
                condition=Q(acknowledged_at__isnull=True),
                name="contract_change_open",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="contract_change_has_reason"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="contract_change_acknowledged_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pilot}: {self.label}"
