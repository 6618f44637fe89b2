"""The handover plan (knowledge-transfer tasks), the team, the checklist and the plan."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from pilots.api import serializers as s
from pilots.api.filters import TaskFilter
from pilots.enums import InfrastructureItem
from pilots.frame.api.views import ApiView, SignedInApiRequest
from pilots.models import (
    InfrastructureAnswer,
    KnowledgeTransferTask,
    OperatingPlan,
    Pilot,
    PilotMembership,
)
from pilots.selectors.pilots import task_of
from pilots.services import handover, registration


class TaskList(ApiView, generics.ListAPIView):
    serializer_class = s.TaskSerializer
    filterset_class = TaskFilter
    queryset = KnowledgeTransferTask.objects.none()  # for the schema; scoped in get_queryset

    def get_queryset(self) -> QuerySet[KnowledgeTransferTask]:
        return self.pilot.tasks.select_related(
            "assignee", "receiver", "completed_by", "confirmed_by", "declined_by"
        )

    @extend_schema(summary="The handover plan, in order")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Add a knowledge-transfer task",
        description="Business owner or sponsor. The assignee must be on the pilot.",
        request=s.TaskInput,
        responses={201: s.TaskSerializer},
    )
    def post(self, request: SignedInApiRequest, reference: str) -> Response:
        task = handover.task_create(pilot=self.pilot, by=request.user, **self.parse(s.TaskInput))
        return Response(s.TaskSerializer(task).data, status=status.HTTP_201_CREATED)


class TaskFromUrl(ApiView):
    serializer_class = s.TaskSerializer

    @cached_property
    def task(self) -> KnowledgeTransferTask:
        return task_of(self.pilot, self.kwargs["task_id"])


class TaskDetail(TaskFromUrl):
    @extend_schema(summary="A knowledge-transfer task")
    def get(self, request: Request, reference: str, task_id: int) -> Response:
        return Response(s.TaskSerializer(self.task).data)

    @extend_schema(summary="Change a task", request=s.TaskUpdateInput, responses=s.TaskSerializer)
    def patch(self, request: SignedInApiRequest, reference: str, task_id: int) -> Response:
        data = self.parse(s.TaskUpdateInput, partial=True)
        task = handover.task_update(task=self.task, by=request.user, **data)
        return Response(s.TaskSerializer(task).data)


class TaskComplete(TaskFromUrl):
    @extend_schema(
        summary="Complete a task",
        description="Its assignee or the business owner, with a link to the evidence.",
        request=s.TaskCompleteInput,
        responses=s.TaskSerializer,
    )
    def post(self, request: SignedInApiRequest, reference: str, task_id: int) -> Response:
        data = self.parse(s.TaskCompleteInput)
        task = handover.task_complete(task=self.task, by=request.user, **data)
        return Response(s.TaskSerializer(task).data)


class TaskConfirm(TaskFromUrl):
    @extend_schema(
        summary="Confirm receipt of a task",
        description="Its receiver: the person named, else the pilot's operations owner for "
        "the receiving team (a portfolio lead when the pilot has none); never its giver. "
        "The task must be waiting for confirmation (409 otherwise); it is then done.",
        request=None,
        responses=s.TaskSerializer,
    )
    def post(self, request: SignedInApiRequest, reference: str, task_id: int) -> Response:
        task = handover.task_confirm(task=self.task, by=request.user)
        return Response(s.TaskSerializer(task).data)


class TaskDecline(TaskFromUrl):
    @extend_schema(
        summary="Decline receipt of a task",
        description="Its receiver, as for confirm, with a reason: the task goes back to its "
        "giver (to do), the reason shown on the plan and in the history.",
        request=s.TaskDeclineInput,
        responses=s.TaskSerializer,
    )
    def post(self, request: SignedInApiRequest, reference: str, task_id: int) -> Response:
        data = self.parse(s.TaskDeclineInput)
        task = handover.task_decline(task=self.task, by=request.user, **data)
        return Response(s.TaskSerializer(task).data)


class TaskReopen(TaskFromUrl):
    @extend_schema(summary="Reopen a completed task", request=None, responses=s.TaskSerializer)
    def post(self, request: SignedInApiRequest, reference: str, task_id: int) -> Response:
        task = handover.task_reopen(task=self.task, by=request.user)
        return Response(s.TaskSerializer(task).data)


class TaskOrder(ApiView):
    serializer_class = s.TaskSerializer
    pagination_class = None
    queryset = KnowledgeTransferTask.objects.none()

    @extend_schema(
        summary="Reorder the handover plan",
        request=s.TaskOrderInput,
        responses=s.TaskSerializer(many=True),
    )
    def post(self, request: SignedInApiRequest, reference: str) -> Response:
        order = self.parse(s.TaskOrderInput)["order"]
        handover.task_reorder(pilot=self.pilot, by=request.user, task_ids=order)
        tasks = self.pilot.tasks.select_related(
            "assignee", "receiver", "completed_by", "confirmed_by", "declined_by"
        )
        return Response(s.TaskSerializer(tasks, many=True).data)


class MemberList(ApiView, generics.ListAPIView):
    serializer_class = s.MembershipSerializer
    queryset = PilotMembership.objects.none()

    def get_queryset(self) -> QuerySet[PilotMembership]:
        return self.pilot.memberships.select_related("user").order_by("added_at", "pk")

    @extend_schema(summary="The delivery team")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Add a team member",
        description="Sponsor or lead.",
        request=s.MembershipInput,
        responses={201: s.MembershipSerializer},
    )
    def post(self, request: SignedInApiRequest, reference: str) -> Response:
        membership = registration.member_add(
            pilot=self.pilot, by=request.user, **self.parse(s.MembershipInput)
        )
        return Response(s.MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


class MemberDetail(ApiView):
    serializer_class = s.MembershipSerializer

    @cached_property
    def membership(self) -> PilotMembership:
        return generics.get_object_or_404(
            self.pilot.memberships.select_related("user"), pk=self.kwargs["membership_id"]
        )

    @extend_schema(summary="A team member")
    def get(self, request: Request, reference: str, membership_id: int) -> Response:
        return Response(s.MembershipSerializer(self.membership).data)

    @extend_schema(summary="Remove a team member", description="Sponsor or lead.")
    def delete(self, request: SignedInApiRequest, reference: str, membership_id: int) -> Response:
        registration.member_remove(membership=self.membership, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class Infrastructure(ApiView):
    serializer_class = s.InfrastructureAnswerSerializer
    queryset = InfrastructureAnswer.objects.none()
    pagination_class = None
    patch_is_partial = False  # PATCH changes the items sent, but `answers` itself is required

    def _answers(self) -> Response:
        return Response(s.InfrastructureAnswerSerializer(_answers(self.pilot), many=True).data)

    @extend_schema(
        summary="The production-infrastructure checklist's answers",
        responses=s.InfrastructureAnswerSerializer(many=True),
    )
    def get(self, request: Request, reference: str) -> Response:
        return self._answers()

    @extend_schema(
        summary="Answer checklist items",
        description="Sponsor or lead. All the answers are saved, or none. A 'yes' needs "
        "an evidence link, a 'planned' its planned_on; a 'no' or 'planned' needs a waiver "
        "(waiver_reason and waiver_expires_on) before submission. After approval an answer "
        "may only become 'yes' or have its waiver renewed (400 naming the rule otherwise); "
        "errors are keyed by item.",
        request=s.InfrastructureInput,
        responses=s.InfrastructureAnswerSerializer(many=True),
    )
    def patch(self, request: SignedInApiRequest, reference: str) -> Response:
        data = self.parse(s.InfrastructureInput)
        registration.infrastructure_checklist_update(
            pilot=self.pilot,
            by=request.user,
            answers={answer.pop("item"): answer for answer in data["answers"]},
            reason=data["reason"],
        )
        return self._answers()


def _answers(pilot: Pilot) -> QuerySet[InfrastructureAnswer]:
    return pilot.infrastructure.select_related("waiver_requested_by", "waiver_approved_by")


ITEM_PARAMETER = OpenApiParameter(
    "item",
    str,
    OpenApiParameter.PATH,
    enum=InfrastructureItem.values,
    description="The checklist question.",
)


class _WaiverView(ApiView):
    serializer_class = s.InfrastructureAnswerSerializer
    queryset = InfrastructureAnswer.objects.none()

    def _answer(self, item: str) -> Response:
        answer = _answers(self.pilot).filter(item=item).first()
        if answer is None:  # the URL names a question only; the service refused already
            raise Http404("No answer to this question.")
        return Response(s.InfrastructureAnswerSerializer(answer).data)


class Waiver(_WaiverView):
    @extend_schema(
        summary="Request or renew an infrastructure waiver",
        description="Sponsor or lead, for a 'no' or 'planned' answer: a reason and an expiry "
        "date (not in the past). A new or renewed waiver awaits a portfolio lead's approval "
        "(approving the pilot approves the waivers it was submitted with).",
        request=s.WaiverInput,
        responses=s.InfrastructureAnswerSerializer,
        parameters=[ITEM_PARAMETER],
    )
    def post(self, request: SignedInApiRequest, reference: str, item: str) -> Response:
        data = self.parse(s.WaiverInput)
        registration.infrastructure_waiver_request(
            pilot=self.pilot, by=request.user, item=item, **data
        )
        return self._answer(item)


class WaiverApprove(_WaiverView):
    @extend_schema(
        summary="Approve an infrastructure waiver",
        description="A portfolio lead who is neither the pilot's sponsor nor its business "
        "owner (403 naming the rule otherwise), for a waiver requested or renewed after the "
        "pilot's approval; 400 when there is none awaiting a lead, or it has expired.",
        request=None,
        responses=s.InfrastructureAnswerSerializer,
        parameters=[ITEM_PARAMETER],
    )
    def post(self, request: SignedInApiRequest, reference: str, item: str) -> Response:
        registration.infrastructure_waiver_approve(pilot=self.pilot, by=request.user, item=item)
        return self._answer(item)


class OperatingPlanView(ApiView):
    serializer_class = s.OperatingPlanSerializer

    def _plan(self) -> Response:
        plan = OperatingPlan.objects.filter(pilot=self.pilot).first() or OperatingPlan()
        return Response(s.OperatingPlanSerializer(plan).data)

    @extend_schema(summary="The 12-month operating plan")
    def get(self, request: Request, reference: str) -> Response:
        return self._plan()

    @extend_schema(
        summary="Write the operating plan",
        description="Sponsor or lead; the fields sent are changed.",
        request=s.OperatingPlanInput,
        responses=s.OperatingPlanSerializer,
    )
    def patch(self, request: SignedInApiRequest, reference: str) -> Response:
        data = self.parse(s.OperatingPlanInput, partial=True)
        registration.operating_plan_update(pilot=self.pilot, by=request.user, **data)
        return self._plan()
