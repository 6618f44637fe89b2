"""The lessons library (read-only)."""

from __future__ import annotations

from rest_framework import serializers

from pilots.enums import FailureMode, LessonOccasion, Stage
from pilots.frame.api.serializers import BusinessUnitSerializer, UserSummarySerializer
from pilots.models import Lesson, Pilot


class LessonPilotSerializer(serializers.ModelSerializer):
    """The pilot a lesson is about: its outcome is its stage."""

    business_unit = BusinessUnitSerializer(read_only=True, allow_null=True)
    stage = serializers.ChoiceField(choices=Stage.choices, read_only=True)

    class Meta:
        model = Pilot
        fields = ["reference", "title", "stage", "business_unit"]
        read_only_fields = fields


class LessonSerializer(serializers.ModelSerializer):
    pilot = LessonPilotSerializer(read_only=True)
    occasion = serializers.ChoiceField(choices=LessonOccasion.choices, read_only=True)
    failure_modes = serializers.ListField(
        child=serializers.ChoiceField(choices=FailureMode.choices),
        read_only=True,
        help_text="The failure modes that bit (none, one or several).",
    )
    tags = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Lower-case tags."
    )
    recorded_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = Lesson
        fields = [
            "id",
            "pilot",
            "occasion",
            "what_worked",
            "what_failed",
            "failure_modes",
            "tags",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields
