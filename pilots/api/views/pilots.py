"""Pilots: list, register, read, edit; and every gate as its own endpoint."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pilots.api import serializers as s
from pilots.api.filters import ApiPilotFilter, DecisionFilter, EventFilter
from pilots.enums import Stage
from pilots.frame.api.views import ApiView, SignedInApiRequest
from pilots.models import CheckpointDecision, GateDecision, Pilot, PilotEvent
from pilots.selectors.pilots import pilot_events, pilot_for_page, pilot_list
from pilots.services import budget, checkpoints, gates, ownership, registration
from pilots.services.gates import submission_missing_items


def _summary(pilot: Pilot) -> dict[str, Any]:
    """The pilot as it is now, after a service changed it (its caches were dropped)."""
    fresh = Pilot.objects.select_related(
        "sponsor", "owner", "operations_owner", "business_unit"
    ).get(pk=pilot.pk)
    return s.PilotSerializer(fresh).data


def _nominate_if_changed(pilot: Pilot, by: User, owner: User | None, reason: str = "") -> None:
    if owner is not None and owner.pk != pilot.owner_id:
        ownership.owner_nominate(pilot=pilot, by=by, owner=owner, reason=reason)


class PilotList(ApiView, generics.ListAPIView):
    serializer_class = s.PilotSerializer
    filterset_class = ApiPilotFilter

    def get_queryset(self) -> QuerySet[Pilot]:
        return pilot_list(self.request.user)

    @extend_schema(summary="Pilots you can see")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Register a draft pilot",
        description="Sponsors and portfolio leads. Giving `owner` nominates the business owner.",
        request=s.PilotCreateInput,
        responses={201: s.PilotDetailSerializer},
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = dict(self.parse(s.PilotCreateInput))
        owner = data.pop("owner", None)
        with transaction.atomic():
            pilot = registration.pilot_create(by=request.user, **data)
            _nominate_if_changed(pilot, request.user, owner)
        assert pilot.reference is not None, "pilot_create assigns the reference"
        return _detail(request, pilot.reference, status.HTTP_201_CREATED)


def _detail(request: Request, reference: str, code: int = status.HTTP_200_OK) -> Response:
    pilot = pilot_for_page(request.user, reference=reference)
    missing = submission_missing_items(pilot) if pilot.stage == Stage.DRAFT else []
    return Response(s.PilotDetailSerializer(pilot, context={"missing": missing}).data, status=code)


class PilotDetail(ApiView):
    serializer_class = s.PilotDetailSerializer

    @extend_schema(summary="A pilot, with its people, metrics, plan, tasks and decisions")
    def get(self, request: Request, reference: str) -> Response:
        return _detail(request, reference)

    @extend_schema(
        summary="Edit a pilot's registration",
        description="What may change depends on the stage. Changing `owner` nominates a new "
        "business owner, who must accept.",
        request=s.PilotUpdateInput,
        responses={200: s.PilotDetailSerializer},
    )
    def patch(self, request: SignedInApiRequest, reference: str) -> Response:
        data = dict(self.parse(s.PilotUpdateInput, partial=True))
        owner = data.pop("owner", None)
        reason = data.pop("reason", "")
        with transaction.atomic():
            if data:
                registration.pilot_update(pilot=self.pilot, by=request.user, reason=reason, **data)
            _nominate_if_changed(self.pilot, request.user, owner, reason)
        return _detail(request, reference)


class PilotAction(ApiView):
    """One gate or ownership step: ``POST`` runs it, or answers 409 with what is missing."""

    serializer_class = s.PilotSerializer
    input_serializer: type[serializers.Serializer[Any]] | None = None
    # A gate transition runs from the table every door shares (``gates.TRANSITIONS``).
    transition: str = ""

    def perform(self, pilot: Pilot, by: User, data: dict[str, Any]) -> object:
        step = gates.TRANSITIONS[self.transition]
        words = gates.Words(
            rationale=data.get(step.words, ""), lessons_learned=data.get("lessons_learned", "")
        )
        return step.run(pilot, by, words)

    def post(self, request: SignedInApiRequest, reference: str) -> Response:
        data = self.parse(self.input_serializer) if self.input_serializer else {}
        self.perform(self.pilot, request.user, data)
        return Response(_summary(self.pilot))


def _action_schema(summary: str, description: str, request: Any = None) -> Any:
    return extend_schema(
        summary=summary, description=description, request=request, responses=s.PilotSerializer
    )


@_action_schema("Submit for review", "Sponsor or lead: draft → proposed, once complete.")
class Submit(PilotAction):
    transition = "submit"


@_action_schema("Accept ownership", "The nominated business owner accepts.")
class AcceptOwnership(PilotAction):
    def perform(self, pilot: Pilot, by: User, data: dict[str, Any]) -> object:
        return ownership.ownership_accept(pilot=pilot, by=by)


@_action_schema("Decline ownership", "The nominee declines, with a reason.", s.ReasonInput)
class DeclineOwnership(PilotAction):
    input_serializer = s.ReasonInput

    def perform(self, pilot: Pilot, by: User, data: dict[str, Any]) -> object:
        return ownership.ownership_decline(pilot=pilot, by=by, reason=data["reason"])


@_action_schema("Accept the run cost", "The named budget holder accepts the 12-month run cost.")
class AcceptBudget(PilotAction):
    def perform(self, pilot: Pilot, by: User, data: dict[str, Any]) -> object:
        return budget.budget_accept(pilot=pilot, by=by)


@_action_schema("Decline the run cost", "The budget holder declines, with a reason.", s.ReasonInput)
class DeclineBudget(PilotAction):
    input_serializer = s.ReasonInput

    def perform(self, pilot: Pilot, by: User, data: dict[str, Any]) -> object:
        return budget.budget_decline(pilot=pilot, by=by, reason=data["reason"])


@_action_schema(
    "Approve", "A portfolio lead who is not its sponsor: proposed → approved.", s.RationaleInput
)
class Approve(PilotAction):
    input_serializer = s.RationaleInput
    transition = "approve"


@_action_schema("Reject", "A portfolio lead: proposed → draft, with the reason.", s.ReasonInput)
class Reject(PilotAction):
    input_serializer = s.ReasonInput
    transition = "reject"


@_action_schema("Start", "Sponsor, owner or lead: approved → running, today.", s.StartInput)
class Start(PilotAction):
    input_serializer = s.StartInput
    transition = "start"


@_action_schema(
    "Graduate", "Sponsor or lead: running → graduated (in production).", s.RationaleInput
)
class Graduate(PilotAction):
    input_serializer = s.RationaleInput
    transition = "graduate"


@_action_schema(
    "Stop", "Sponsor or lead: approved or running → stopped, with lessons learned.", s.StopInput
)
class Stop(PilotAction):
    input_serializer = s.StopInput
    transition = "stop"


@_action_schema("Accept operations", "The operations owner accepts the running system.")
class AcceptOperations(PilotAction):
    def perform(self, pilot: Pilot, by: User, data: dict[str, Any]) -> object:
        return ownership.operations_accept(pilot=pilot, by=by)


class DecisionList(ApiView, generics.ListAPIView):
    serializer_class = s.DecisionSerializer
    filterset_class = DecisionFilter
    queryset = GateDecision.objects.none()  # for the schema; get_queryset scopes to the pilot

    def get_queryset(self) -> QuerySet[GateDecision]:
        return self.pilot.decisions.select_related("decided_by")


class CheckpointList(ApiView, generics.ListAPIView):
    serializer_class = s.CheckpointSerializer
    queryset = CheckpointDecision.objects.none()  # for the schema; scoped in get_queryset

    def get_queryset(self) -> QuerySet[CheckpointDecision]:
        return self.pilot.checkpoints.select_related("decided_by").order_by("-decided_at", "-pk")

    @extend_schema(summary="The checkpoint decisions taken when the handover window opened")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record the checkpoint decision",
        description="A portfolio lead who is neither the pilot's sponsor nor its business "
        "owner, for a running pilot from the lead days before its handover window opens "
        "until its planned end (409 otherwise). continue needs the handover plan and "
        "operations' acceptance (409 naming each missing item); extend needs a later "
        "`new_end` and moves the window; stop goes through the stop gate and needs "
        "`lessons_learned` (400).",
        request=s.CheckpointInput,
        responses={201: s.CheckpointSerializer},
    )
    def post(self, request: SignedInApiRequest, reference: str) -> Response:
        data = self.parse(s.CheckpointInput)
        recorded = checkpoints.checkpoint_record(pilot=self.pilot, by=request.user, **data)
        return Response(s.CheckpointSerializer(recorded).data, status=status.HTTP_201_CREATED)


class EventList(ApiView, generics.ListAPIView):
    """The pilot's audit history: who changed what, when, from what to what."""

    serializer_class = s.EventSerializer
    filterset_class = EventFilter
    queryset = PilotEvent.objects.none()

    def get_queryset(self) -> QuerySet[PilotEvent]:
        return pilot_events(self.pilot)
