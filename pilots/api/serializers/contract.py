"""The API's approved contract: its versions, the contract now, and the drift."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pilots.frame.api.fields import StrictCharField, StrictSerializer
from pilots.frame.api.serializers import UserSummarySerializer
from pilots.models import ContractChange, ContractSnapshot


class ContractFieldSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Stable: pilot.planned_end, metric.11.target, …")
    # A declared field: the metaclass moves it into _declared_fields (the stubs see a clash).
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.JSONField(
        allow_null=True, help_text="A string (days as YYYY-MM-DD, numbers as text) or null."
    )


@extend_schema_field(ContractFieldSerializer(many=True))
class ContractDataField(serializers.Field):
    """A contract's ``{key: {label, value}}``, written as a list in the contract's order."""

    def to_representation(self, value: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"key": key, **entry} for key, entry in value.items()]


class ContractSnapshotSerializer(serializers.ModelSerializer):
    approved_by = UserSummarySerializer(read_only=True, allow_null=True)
    data = ContractDataField(read_only=True)  # type: ignore[assignment]  # declared, as above

    class Meta:
        model = ContractSnapshot
        fields = ["version", "origin", "approved_by", "approved_at", "data"]
        read_only_fields = fields


class ContractChangeSerializer(serializers.ModelSerializer):
    changed_by = UserSummarySerializer(read_only=True)
    acknowledged_by = UserSummarySerializer(read_only=True, allow_null=True)
    before = serializers.JSONField(read_only=True, allow_null=True)
    after = serializers.JSONField(read_only=True, allow_null=True)

    class Meta:
        model = ContractChange
        fields = [
            "id",
            "version",
            "key",
            "label",
            "before",
            "after",
            "reason",
            "changed_by",
            "changed_at",
            "acknowledged_by",
            "acknowledged_at",
            "acknowledgement_note",
        ]
        read_only_fields = fields


class DriftedFieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # declared, as above
    approved = serializers.JSONField(
        allow_null=True, help_text="Its value in the latest approved version."
    )
    now = serializers.JSONField(allow_null=True, help_text="Its value now.")
    changes = ContractChangeSerializer(many=True, help_text="Each change, with its reason.")


class ContractSerializer(serializers.Serializer):
    """What the lead approved, what it is now, and what drifted (not yet acknowledged)."""

    reference = serializers.CharField()
    approved_version = serializers.IntegerField(
        allow_null=True, help_text="The latest approved version; null before approval."
    )
    acknowledged = serializers.BooleanField(
        help_text="True when no change waits for a portfolio lead's acknowledgement."
    )
    current = ContractDataField(help_text="The contract as it stands now.")
    drift = DriftedFieldSerializer(many=True)
    snapshots = ContractSnapshotSerializer(many=True, help_text="Every version, newest first.")
    changes = ContractChangeSerializer(
        many=True, help_text="Every change since approval, acknowledged or not, newest first."
    )


class AcknowledgeInput(StrictSerializer):
    note = StrictCharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="For the history."
    )
