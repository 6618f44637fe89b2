"""The API's readiness: the handover plan, the infrastructure checklist, the operating plan."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.functional import lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pilots import rules
from pilots.enums import BudgetStatus, InfrastructureAnswerValue, InfrastructureItem
from pilots.frame import formats
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
from pilots.frame.api.serializers import UserSummarySerializer
from pilots.models import (
    InfrastructureAnswer,
    KnowledgeTransferTask,
    OperatingPlan,
)
from pilots.selectors.pilots import active_users
from pilots.services.handover import TASK_FIELDS


class TaskSerializer(serializers.ModelSerializer):
    evidence_url = BlankableURLField(read_only=True)
    assignee = UserSummarySerializer(read_only=True)
    receiver = UserSummarySerializer(read_only=True, allow_null=True)
    completed_by = UserSummarySerializer(read_only=True, allow_null=True)
    confirmed_by = UserSummarySerializer(
        read_only=True,
        allow_null=True,
        help_text="The receiver who confirmed receipt; null for a task done before receivers "
        "signed off (it counts as confirmed).",
    )
    confirmed_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Set once done: the receiver's sign-off."
    )
    declined_by = UserSummarySerializer(read_only=True, allow_null=True)

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
            "confirmed_at",
            "confirmed_by",
            "declined_at",
            "declined_by",
            "decline_reason",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "status": {
                "help_text": "todo, in_progress, waiting (completed by its giver, waiting for "
                "the receiver's confirmation) or done (confirmed)."
            },
            "decline_reason": {
                "help_text": "The receiver's last decline, until the giver completes it again."
            },
        }


WAIVER_STATUSES = {
    "none": "no waiver (a “yes”, or a “no”/“planned” still without one)",
    "awaiting_lead": "requested or renewed, not yet approved by a portfolio lead",
    "approved": "approved by a portfolio lead",
    "expired": "past its expiry date on an approved or running pilot, the item still not “yes”",
}


class InfrastructureAnswerSerializer(serializers.ModelSerializer):
    evidence_url = BlankableURLField(read_only=True)
    waiver_status = serializers.SerializerMethodField(
        help_text="; ".join(f"{key}: {words}" for key, words in WAIVER_STATUSES.items())
    )

    class Meta:
        model = InfrastructureAnswer
        fields = [
            "item",
            "answer",
            "evidence_url",
            "notes",
            "planned_on",
            "waiver_reason",
            "waiver_expires_on",
            "waiver_requested_by",
            "waiver_requested_at",
            "waiver_approved_by",
            "waiver_approved_at",
            "waiver_status",
            "answered_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=list(WAIVER_STATUSES)))
    def get_waiver_status(self, answer: InfrastructureAnswer) -> str:
        # A pure rule on values already read (the answer's pilot is its cached parent).
        if not answer.has_waiver:
            return "none"
        if rules.waiver_expired(
            stage=answer.pilot.stage,
            answer=answer.answer,
            expires_on=answer.waiver_expires_on,
            today=timezone.localdate(),
        ):
            return "expired"
        return "awaiting_lead" if answer.waiver_pending else "approved"


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
    budget_holder = UserSummarySerializer(
        read_only=True,
        allow_null=True,
        help_text="The person who pays for the 12 months of operation; they accept the run "
        "cost before approval.",
    )
    budget_status = serializers.ChoiceField(
        choices=BudgetStatus.choices,
        read_only=True,
        help_text="Their answer; naming another holder or changing the run cost asks again.",
    )
    budget_holder_note = serializers.CharField(
        read_only=True, help_text="The budget holder as the plan named them in words before."
    )
    updated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Null until the plan is first written."
    )

    class Meta:
        model = OperatingPlan
        fields = [
            *OperatingPlan.CONTRACT_FIELDS,
            "budget_status",
            "budget_named_at",
            "budget_responded_at",
            "budget_decline_reason",
            "budget_holder_note",
            "updated_at",
        ]
        read_only_fields = fields


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


class TaskDeclineInput(StrictSerializer):
    reason = StrictCharField(
        max_length=2000, help_text="What is missing: the giver reads it, with the task back to do."
    )


class TaskOrderInput(StrictSerializer):
    order = serializers.ListField(
        child=IdField(),
        help_text="Every task id of the pilot, once, in the new order.",
    )


CONTRACT_REASON_ANY_HELP = (
    "Required once the pilot is approved, for a change to its approved contract: without "
    'it, a 400 with {"reason": [...]} naming the rule. The change shows as drift '
    "(`contract/`) until a portfolio lead acknowledges it."
)


class InfrastructureAnswerInput(StrictSerializer):
    item = serializers.ChoiceField(choices=InfrastructureItem.choices)
    answer = serializers.ChoiceField(choices=InfrastructureAnswerValue.choices)
    evidence_url = BlankableURLField(required=False, default="")
    notes = StrictCharField(required=False, allow_blank=True, default="")
    planned_on = StrictDateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="For “planned”: the day it will be in place (required then).",
    )
    waiver_reason = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="For “no” or “planned”: why the pilot may go ahead without it. Needed, with "
        "waiver_expires_on, before submission; a change after approval is a renewal.",
    )
    waiver_expires_on = StrictDateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="For “no” or “planned”: the waiver's last day (on or after the planned start).",
    )


class WaiverInput(StrictSerializer):
    reason = StrictCharField(
        help_text="Why the pilot may go ahead without it, and what covers the gap meanwhile."
    )
    expires_on = StrictDateField(help_text="The waiver's last day; not in the past.")
    planned_on = StrictDateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="For a “planned” answer: a new day it will be in place (left out: unchanged).",
    )


class InfrastructureInput(StrictSerializer):
    answers = InfrastructureAnswerInput(many=True, allow_empty=False)
    reason = StrictCharField(
        required=False, allow_blank=True, default="", help_text=CONTRACT_REASON_ANY_HELP
    )

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
    budget_holder = StrictPrimaryKeyRelatedField(
        queryset=active_users(),
        required=False,
        allow_null=True,
        help_text="Names this user budget holder: they accept or decline the 12-month run "
        "cost (asked again when the run cost changes).",
    )
    reason = StrictCharField(
        required=False, allow_blank=True, default="", help_text=CONTRACT_REASON_ANY_HELP
    )
