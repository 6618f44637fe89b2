"""The business owner's check-ins."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from pilots.api import serializers as s
from pilots.api.filters import CheckInFilter
from pilots.frame.api.views import ApiView, SignedInApiRequest
from pilots.models import CheckIn
from pilots.selectors.checkins import pilot_checkins
from pilots.services import checkins


class CheckInList(ApiView, generics.ListAPIView):
    serializer_class = s.CheckInSerializer
    filterset_class = CheckInFilter
    queryset = CheckIn.objects.none()  # for the schema; get_queryset scopes to the pilot

    def get_queryset(self) -> QuerySet[CheckIn]:
        return pilot_checkins(self.pilot)

    @extend_schema(summary="The business owner's check-ins, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record a check-in",
        description="The accepted business owner only (403 otherwise), while the pilot runs "
        "or for 12 months after it graduates (409 otherwise). When the owner's confidence "
        "contradicts the primary metric's trajectory, the scorecard says "
        "`CONFIDENCE_DIVERGES`.",
        request=s.CheckInInput,
        responses={201: s.CheckInSerializer},
    )
    def post(self, request: SignedInApiRequest, reference: str) -> Response:
        checkin = checkins.checkin_record(
            pilot=self.pilot, by=request.user, **self.parse(s.CheckInInput)
        )
        return Response(s.CheckInSerializer(checkin).data, status=status.HTTP_201_CREATED)
