"""Succession: naming a successor to a role, and the successor's answer."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from pilots.enums import SuccessionRole
from pilots.frame.api.fields import (
    StrictCharField,
    StrictPrimaryKeyRelatedField,
    StrictSerializer,
)
from pilots.frame.api.serializers import UserSummarySerializer
from pilots.models import Succession
from pilots.selectors.pilots import active_users


class SuccessionInput(StrictSerializer):
    role = serializers.ChoiceField(choices=SuccessionRole.choices)
    successor = StrictPrimaryKeyRelatedField(
        queryset=active_users(), help_text="Who takes the role; they must accept."
    )
    predecessor = StrictPrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="For `task_giver` only: the giver whose open tasks are handed on.",
    )
    reason = StrictCharField(help_text="Why the role changes hands (recorded and sent).")


class SuccessionSerializer(serializers.ModelSerializer):
    predecessor = UserSummarySerializer(read_only=True)
    successor = UserSummarySerializer(read_only=True)
    nominated_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = Succession
        fields = [
            "id",
            "role",
            "predecessor",
            "successor",
            "reason",
            "nominated_by",
            "nominated_at",
            "status",
            "responded_at",
            "decline_reason",
        ]
        read_only_fields = fields
