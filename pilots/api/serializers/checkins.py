"""The API's owner check-ins."""

from __future__ import annotations

from rest_framework import serializers

from pilots.enums import Confidence
from pilots.frame.api.fields import StrictCharField, StrictSerializer
from pilots.frame.api.serializers import UserSummarySerializer
from pilots.models import CheckIn
from pilots.models.checkins import BLOCKERS_MAX, NARRATIVE_MAX


class CheckInSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)

    class Meta:
        model = CheckIn
        fields = ["id", "confidence", "narrative", "blockers", "author", "created_at"]
        read_only_fields = fields


class CheckInInput(StrictSerializer):
    confidence = serializers.ChoiceField(
        choices=Confidence.choices, help_text="The owner's own word on the pilot."
    )
    narrative = StrictCharField(
        max_length=NARRATIVE_MAX, help_text="Where the pilot stands, in a few sentences."
    )
    blockers = StrictCharField(
        max_length=BLOCKERS_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="What stands in the way (optional).",
    )
