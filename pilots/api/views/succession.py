"""Succession: the sponsor or a lead names a successor; the successor answers."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from pilots.api import serializers as s
from pilots.enums import SuccessionRole
from pilots.frame.api.views import ApiView, SignedInApiRequest
from pilots.models import Succession
from pilots.services import succession as service


class SuccessionCreate(ApiView):
    serializer_class = s.SuccessionSerializer

    @extend_schema(
        summary="Name a successor to a role",
        description="The sponsor or a portfolio lead (a new sponsor: a lead only), with a "
        "`reason`, in any stage but stopped (409). `role` is `owner`, `operations`, `sponsor` "
        "or `task_giver` (then `predecessor`: the giver whose open tasks are handed on). The "
        "successor must accept (`/api/v1/successions/{id}/accept/`) before the role changes "
        "hands. 400: no such role holder, the successor already holds it or is the sponsor "
        "(as owner), a blank reason, or a successor already waiting for that role.",
        request=s.SuccessionInput,
        responses={201: s.SuccessionSerializer},
    )
    def post(self, request: SignedInApiRequest, reference: str) -> Response:
        pilot = self.pilot  # a pilot one may not see is a 404 before the input is read
        data = self.parse(s.SuccessionInput)
        named = service.succession_nominate(
            pilot=pilot,
            by=request.user,
            role=data["role"],
            successor=data["successor"],
            predecessor=data["predecessor"] if data["role"] == SuccessionRole.TASK_GIVER else None,
            reason=data["reason"],
        )
        return Response(s.SuccessionSerializer(named).data, status=status.HTTP_201_CREATED)


class _Answer(ApiView):
    serializer_class = s.SuccessionSerializer

    def succession(self, request: SignedInApiRequest, succession_id: int) -> Succession:
        """A succession naming this user; anyone else's is a 404."""
        return get_object_or_404(
            Succession.objects.select_related("pilot"), pk=succession_id, successor=request.user
        )


class SuccessionAccept(_Answer):
    @extend_schema(
        summary="Accept a role you are named to",
        description="The named successor; the role changes hands now. 400: already answered.",
        request=None,
        responses={200: s.SuccessionSerializer},
    )
    def post(self, request: SignedInApiRequest, succession_id: int) -> Response:
        done = service.succession_accept(
            succession=self.succession(request, succession_id), by=request.user
        )
        return Response(s.SuccessionSerializer(done).data)


class SuccessionDecline(_Answer):
    @extend_schema(
        summary="Decline a role you are named to",
        description="The named successor, with a reason. 400: already answered, or no reason.",
        request=s.ReasonInput,
        responses={200: s.SuccessionSerializer},
    )
    def post(self, request: SignedInApiRequest, succession_id: int) -> Response:
        data = self.parse(s.ReasonInput)
        done = service.succession_decline(
            succession=self.succession(request, succession_id),
            by=request.user,
            reason=data["reason"],
        )
        return Response(s.SuccessionSerializer(done).data)
