"""The API's pilots: the list, the detail, their inputs, gate transitions and history."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pilots.api.serializers.handover import (
    InfrastructureAnswerSerializer,
    OperatingPlanSerializer,
    TaskSerializer,
)
from pilots.api.serializers.metrics import MetricSerializer
from pilots.api.serializers.people import MembershipSerializer
from pilots.enums import CheckpointChoice
from pilots.frame.api.errors import MissingItemSerializer
from pilots.frame.api.fields import (
    StrictCharField,
    StrictDateField,
    StrictPrimaryKeyRelatedField,
    StrictSerializer,
)
from pilots.frame.api.serializers import BusinessUnitSerializer, UserSummarySerializer
from pilots.models import (
    BusinessUnit,
    CheckpointDecision,
    GateDecision,
    Pilot,
    PilotEvent,
)
from pilots.selectors.pilots import active_users


class PilotSerializer(serializers.ModelSerializer):
    business_unit = BusinessUnitSerializer(read_only=True, allow_null=True)
    sponsor = UserSummarySerializer(read_only=True)
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    operations_owner = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Pilot
        fields = [
            "reference",
            "title",
            "stage",
            "business_unit",
            "planned_start",
            "planned_end",
            "started_on",
            "sponsor",
            "owner",
            "owner_status",
            "operations_owner",
            "receiving_team",
            "operations_accepted_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    decided_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = GateDecision
        fields = [
            "id",
            "from_stage",
            "to_stage",
            "decided_by",
            "decided_at",
            "rationale",
            "lessons_learned",
        ]
        read_only_fields = fields


class PilotDetailSerializer(PilotSerializer):
    """A pilot with its people, metrics, plan, checklist, tasks and decisions."""

    operations_accepted_by = UserSummarySerializer(read_only=True, allow_null=True)
    members = MembershipSerializer(source="memberships", many=True, read_only=True)
    metrics = MetricSerializer(many=True, read_only=True)
    tasks = TaskSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    infrastructure = InfrastructureAnswerSerializer(many=True, read_only=True)
    operating_plan = OperatingPlanSerializer(read_only=True, allow_null=True)
    missing_for_submission = serializers.SerializerMethodField(
        help_text="For a draft: everything that stops it being submitted (empty otherwise)."
    )

    class Meta(PilotSerializer.Meta):
        fields = [
            *PilotSerializer.Meta.fields,
            "problem_statement",
            "owner_nominated_at",
            "owner_responded_at",
            "owner_decline_reason",
            "operations_accepted_by",
            "members",
            "metrics",
            "tasks",
            "decisions",
            "infrastructure",
            "operating_plan",
            "missing_for_submission",
        ]
        read_only_fields = fields

    @extend_schema_field(MissingItemSerializer(many=True))
    def get_missing_for_submission(self, pilot: Pilot) -> list[dict[str, str]]:
        return [item.as_dict() for item in self.context.get("missing", [])]


class _PilotFieldsInput(StrictSerializer):
    problem_statement = StrictCharField(required=False, allow_blank=True)
    business_unit = StrictPrimaryKeyRelatedField(
        queryset=BusinessUnit.objects.all(), required=False, allow_null=True
    )
    planned_start = StrictDateField(required=False, allow_null=True)
    planned_end = StrictDateField(required=False, allow_null=True)
    operations_owner = StrictPrimaryKeyRelatedField(
        queryset=active_users(),
        required=False,
        allow_null=True,
        help_text="The person who will run the system after handover.",
    )
    receiving_team = StrictCharField(max_length=200, required=False, allow_blank=True)
    owner = StrictPrimaryKeyRelatedField(
        queryset=active_users(),
        required=False,
        help_text="Nominates this user as business owner; they accept or decline.",
    )


class PilotCreateInput(_PilotFieldsInput):
    title = StrictCharField(max_length=200)


class PilotUpdateInput(_PilotFieldsInput):
    title = StrictCharField(max_length=200, required=False)
    reason = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why, for the history. Required once the pilot is approved to change its "
        "contract (planned dates, business owner, operations owner, receiving team): without "
        'it, a 400 with {"reason": [...]} naming the rule.',
    )


class RationaleInput(StrictSerializer):
    rationale = StrictCharField(help_text="Why: recorded with the gate decision.")


class ReasonInput(StrictSerializer):
    reason = StrictCharField()


class StartInput(StrictSerializer):
    note = StrictCharField(required=False, allow_blank=True, default="")


class StopInput(StrictSerializer):
    rationale = StrictCharField()
    lessons_learned = StrictCharField()


class CheckpointSerializer(serializers.ModelSerializer):
    """A recorded checkpoint decision (continue, extend or stop) for a handover window."""

    decided_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = CheckpointDecision
        fields = [
            "id",
            "decision",
            "rationale",
            "window_opened_on",
            "previous_end",
            "new_end",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class CheckpointInput(StrictSerializer):
    decision = serializers.ChoiceField(
        choices=CheckpointChoice.choices,
        help_text="continue (needs the handover plan and operations' acceptance), extend "
        "(with `new_end`) or stop (with `lessons_learned`).",
    )
    rationale = StrictCharField(help_text="Why: recorded with the decision.")
    new_end = StrictDateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="extend only: the new planned end, after the current one.",
    )
    lessons_learned = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="stop only (and then required): what the organisation learned.",
    )


class EventSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2),
        read_only=True,
        help_text="{field or day: [before, after]}",
    )

    class Meta:
        model = PilotEvent
        fields = ["id", "at", "actor", "action", "subject", "changes", "reason"]
        read_only_fields = fields
