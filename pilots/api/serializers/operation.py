"""The API's value reviews of a system in operation, and their sign-offs."""

from __future__ import annotations

from rest_framework import serializers

from pilots.enums import SignOffDecision, ValueReviewProposal
from pilots.frame.api.fields import DecimalValue, StrictCharField, StrictSerializer
from pilots.frame.api.serializers import UserSummarySerializer
from pilots.models import ValueReview, ValueReviewSignOff
from pilots.models.operation import NARRATIVE_MAX
from pilots.selectors.operation import review_signed


class SignOffSerializer(serializers.ModelSerializer):
    by = UserSummarySerializer(read_only=True)

    class Meta:
        model = ValueReviewSignOff
        fields = ["role", "decision", "reason", "by", "at"]
        read_only_fields = fields


class ValueReviewSerializer(serializers.ModelSerializer):
    """A value review with its sign-offs; ``signed_off`` once the sponsor and a lead signed."""

    metric_value = DecimalValue(read_only=True, allow_null=True, max_digits=18)
    recorded_by = UserSummarySerializer(read_only=True)
    signoffs = SignOffSerializer(many=True, read_only=True)
    signed_off = serializers.SerializerMethodField()

    class Meta:
        model = ValueReview
        fields = [
            "id",
            "due_day",
            "due_on",
            "metric_value",
            "still_used",
            "worth_cost",
            "narrative",
            "proposal",
            "lessons_learned",
            "recorded_by",
            "recorded_at",
            "signoffs",
            "signed_off",
        ]
        read_only_fields = fields

    def get_signed_off(self, review: ValueReview) -> bool:
        return review_signed(review)


class ValueReviewInput(StrictSerializer):
    metric_value = DecimalValue(
        required=False,
        allow_null=True,
        default=None,
        max_digits=18,
        help_text="The primary metric's level now; left out, the latest reading.",
    )
    still_used = serializers.BooleanField(help_text="Is the system still used?")
    worth_cost = serializers.BooleanField(help_text="Is it still worth its run cost?")
    narrative = StrictCharField(
        max_length=NARRATIVE_MAX, help_text="The value realised, in a few sentences."
    )
    proposal = serializers.ChoiceField(
        choices=ValueReviewProposal.choices,
        help_text="sustain, improve or retire (retire needs `lessons_learned`).",
    )
    lessons_learned = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="retire only (and then required): what the organisation learned.",
    )


class SignOffInput(StrictSerializer):
    decision = serializers.ChoiceField(
        choices=SignOffDecision.choices, help_text="sign, or refuse (with a `reason`)."
    )
    reason = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="refuse only (and then required): why; the owner records the review again.",
    )
