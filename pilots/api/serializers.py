"""What the API reads and writes. Output serializers only read what the
selectors fetched; input serializers parse and check types, and the services
decide everything else (HackSoft style: no business rule here)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.functional import lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pilots.enums import Direction, InfrastructureAnswerValue, InfrastructureItem, TokenScope
from pilots.frame import formats
from pilots.frame.api.errors import MissingItemSerializer
from pilots.frame.api.fields import (
    BlankableURLField,
    DecimalValue,
    IdField,
    StrictCharField,
    StrictDateField,
    StrictModelSerializer,
    StrictPrimaryKeyRelatedField,
    StrictSerializer,
)
from pilots.frame.api.serializers import BusinessUnitSerializer, UserSummarySerializer
from pilots.models import (
    ApiToken,
    BusinessUnit,
    GateDecision,
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    OperatingPlan,
    Pilot,
    PilotEvent,
    PilotMembership,
)
from pilots.selectors.pilots import active_users
from pilots.services.handover import TASK_FIELDS
from pilots.services.ingest import max_rows
from pilots.services.metrics import METRIC_FIELDS

User = get_user_model()


# --- People ----------------------------------------------------------------------------


class MembershipSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = PilotMembership
        fields = ["id", "user", "role", "added_at"]
        read_only_fields = fields


class MembershipInput(StrictSerializer):
    user = StrictPrimaryKeyRelatedField(queryset=active_users())
    role = StrictCharField(max_length=100, required=False, default="", allow_blank=True)


# --- Pilots ------------------------------------------------------------------------------


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


class MetricSerializer(serializers.ModelSerializer):
    direction = serializers.ChoiceField(
        choices=Direction.choices, allow_blank=True, read_only=True, help_text="Empty: not set."
    )
    baseline = DecimalValue(read_only=True, allow_null=True)
    target = DecimalValue(read_only=True, allow_null=True)
    counts_as_success = serializers.BooleanField(read_only=True)

    class Meta:
        model = Metric
        fields = [
            "id",
            "name",
            "kind",
            "unit",
            "direction",
            "baseline",
            "target",
            "target_date",
            "cadence",
            "data_source",
            "counts_as_success",
            "created_at",
        ]
        read_only_fields = fields


class MetricWithLatestSerializer(MetricSerializer):
    latest_observed_on = serializers.DateField(read_only=True, allow_null=True)
    latest_value = DecimalValue(read_only=True, allow_null=True)

    class Meta(MetricSerializer.Meta):
        fields = [*MetricSerializer.Meta.fields, "latest_observed_on", "latest_value"]
        read_only_fields = fields


class TaskSerializer(serializers.ModelSerializer):
    evidence_url = BlankableURLField(read_only=True)
    assignee = UserSummarySerializer(read_only=True)
    receiver = UserSummarySerializer(read_only=True, allow_null=True)
    completed_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = KnowledgeTransferTask
        fields = [
            "id",
            "title",
            "kind",
            "assignee",
            "receiver",
            "receiver_team",
            "due_on",
            "status",
            "evidence_url",
            "position",
            "completed_at",
            "completed_by",
            "created_at",
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


class InfrastructureAnswerSerializer(serializers.ModelSerializer):
    evidence_url = BlankableURLField(read_only=True)

    class Meta:
        model = InfrastructureAnswer
        fields = ["item", "answer", "evidence_url", "notes", "answered_at"]
        read_only_fields = fields


# Lazy: read when the schema is built, after the settings (PILOTGATE_CURRENCY) are.
RUN_COST_HELP = lazy(
    lambda: f"Expected monthly cost in production, in {formats.currency()} (an ISO 4217 code).",
    str,
)()


class OperatingPlanSerializer(serializers.ModelSerializer):
    run_cost_per_month = DecimalValue(
        read_only=True,
        allow_null=True,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        help_text=RUN_COST_HELP,
    )
    updated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Null until the plan is first written."
    )

    class Meta:
        model = OperatingPlan
        fields = [*OperatingPlan.REQUIRED_FIELDS, "updated_at"]
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
        required=False, allow_blank=True, default="", help_text="Why, for the history."
    )


# --- Transitions ---------------------------------------------------------------------------


class RationaleInput(StrictSerializer):
    rationale = StrictCharField(help_text="Why: recorded with the gate decision.")


class ReasonInput(StrictSerializer):
    reason = StrictCharField()


class StartInput(StrictSerializer):
    note = StrictCharField(required=False, allow_blank=True, default="")


class StopInput(StrictSerializer):
    rationale = StrictCharField()
    lessons_learned = StrictCharField()


# --- Metrics and readings ---------------------------------------------------------------------


class MetricInput(StrictModelSerializer):
    baseline = DecimalValue(required=False, allow_null=True)
    target = DecimalValue(required=False, allow_null=True)

    class Meta:
        model = Metric
        fields = sorted(METRIC_FIELDS)  # what metric_create and metric_update take
        # The services validate against the stored pilot: no unique-together check here.
        validators: list[Any] = []


class MetricUpdateInput(MetricInput):
    reason = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to move a running pilot's primary baseline, target or target date.",
    )

    class Meta(MetricInput.Meta):
        fields = [*MetricInput.Meta.fields, "reason"]
        extra_kwargs = {name: {"required": False} for name in MetricInput.Meta.fields}


class ReadingSerializer(serializers.ModelSerializer):
    value = DecimalValue(read_only=True)
    recorded_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = MetricReading
        fields = [
            "id",
            "metric",
            "observed_on",
            "value",
            "note",
            "source",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReadingInput(StrictSerializer):
    observed_on = StrictDateField()
    value = DecimalValue()
    note = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class ReadingUpdateInput(StrictSerializer):
    value = DecimalValue()
    note = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class BulkReadingRow(StrictSerializer):
    """Documents one row; rows are parsed by ``pilots.services.ingest`` as a whole."""

    metric = IdField(help_text="The metric's id.")
    observed_on = StrictDateField()
    value = DecimalValue()
    note = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class BulkReadingsInput(StrictSerializer):
    """Documents the request; the view checks its envelope and the service its rows."""

    # The DRF stubs leave out min_length and max_length, which many=True passes on to
    # the ListSerializer (rest_framework.serializers.LIST_SERIALIZER_KWARGS).
    readings = BulkReadingRow(  # type: ignore[call-arg]
        many=True,
        min_length=1,
        max_length=max_rows(),
        help_text=f"Up to {max_rows():,} rows (PILOTGATE_INGEST_MAX_ROWS), for one or many "
        "metrics.",
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Validate and count, write nothing."
    )


class BulkMetricOutcomeSerializer(serializers.Serializer):
    metric = serializers.IntegerField()
    pilot = StrictCharField(help_text="The pilot's reference.")
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class BulkReadingsResult(serializers.Serializer):
    written = serializers.BooleanField(help_text="False for a dry run.")
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField(help_text="Rows equal to what is stored: not written.")
    metrics = BulkMetricOutcomeSerializer(many=True)


# --- Handover plan, checklist, operating plan ------------------------------------------------


class TaskInput(StrictModelSerializer):
    assignee = StrictPrimaryKeyRelatedField(queryset=active_users())
    receiver = StrictPrimaryKeyRelatedField(
        queryset=active_users(), required=False, allow_null=True
    )

    class Meta:
        model = KnowledgeTransferTask
        fields = sorted(TASK_FIELDS)  # what task_create and task_update take
        validators: list[Any] = []


class TaskUpdateInput(TaskInput):
    class Meta(TaskInput.Meta):
        extra_kwargs = {name: {"required": False} for name in TaskInput.Meta.fields}


class TaskCompleteInput(StrictSerializer):
    evidence_url = BlankableURLField(
        required=False,
        default="",
        help_text="Link to the evidence; the task's own link is used when left out.",
    )


class TaskOrderInput(StrictSerializer):
    order = serializers.ListField(
        child=IdField(),
        help_text="Every task id of the pilot, once, in the new order.",
    )


class InfrastructureAnswerInput(StrictSerializer):
    item = serializers.ChoiceField(choices=InfrastructureItem.choices)
    answer = serializers.ChoiceField(choices=InfrastructureAnswerValue.choices)
    evidence_url = BlankableURLField(required=False, default="")
    notes = StrictCharField(required=False, allow_blank=True, default="")


class InfrastructureInput(StrictSerializer):
    answers = InfrastructureAnswerInput(many=True, allow_empty=False)

    def validate_answers(self, answers: list[dict[str, str]]) -> list[dict[str, str]]:
        items = [answer["item"] for answer in answers]
        if len(items) != len(set(items)):
            raise serializers.ValidationError("Answer each item at most once.")
        return answers


class OperatingPlanInput(StrictSerializer):
    run_cost_per_month = DecimalValue(
        required=False,
        allow_null=True,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        help_text=RUN_COST_HELP,
    )
    support_model = StrictCharField(required=False, allow_blank=True)
    monitoring_plan = StrictCharField(required=False, allow_blank=True)
    incident_process = StrictCharField(required=False, allow_blank=True)
    model_maintenance = StrictCharField(required=False, allow_blank=True)
    budget_holder = StrictCharField(max_length=200, required=False, allow_blank=True)


# --- History, tokens ---------------------------------------------------------------------------


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


class TokenObtainInput(StrictSerializer):
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=4096, style={"input_type": "password"})
    name = StrictCharField(
        max_length=100, required=False, default="API token", help_text="What will use it."
    )
    scope = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.READ)


class TokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "scope", "prefix", "created_at", "last_used_at"]
        read_only_fields = fields


class NewTokenSerializer(TokenSerializer):
    key = StrictCharField(read_only=True, help_text="Shown once: store it now.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class MeSerializer(UserSummarySerializer):
    token_scope = serializers.SerializerMethodField()

    class Meta(UserSummarySerializer.Meta):
        fields = [*UserSummarySerializer.Meta.fields, "token_scope"]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "string",
            "enum": TokenScope.values,
            "nullable": True,
            "description": "The scope of the token used, or null for a session.",
        }
    )
    def get_token_scope(self, user: Any) -> str | None:
        token = self.context.get("token")
        return token.scope if isinstance(token, ApiToken) else None
