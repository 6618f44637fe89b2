"""The value reviews of a graduated pilot in operation, and their sign-offs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from pilots.api import serializers as s
from pilots.errors import NotAllowed
from pilots.frame.api.views import ApiView, SignedInApiRequest
from pilots.models import ValueReview
from pilots.permissions import pilot_roles
from pilots.selectors.operation import value_review_of, value_reviews_queryset
from pilots.services import operation


class ValueReviewList(ApiView, generics.ListAPIView):
    serializer_class = s.ValueReviewSerializer
    queryset = ValueReview.objects.none()  # for the schema; scoped in get_queryset

    def get_queryset(self) -> QuerySet[ValueReview]:
        return value_reviews_queryset(self.pilot)

    @extend_schema(summary="The value reviews of a graduated pilot, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record the value review owed",
        description="The accepted business owner only (403 otherwise), for a graduated pilot "
        "in operation whose review day (`PILOTGATE_VALUE_REVIEW_DAYS` after graduation) has "
        "come and whose review is not signed off or waiting for sign-off (409 otherwise, "
        "naming why). retire needs `lessons_learned` (400). The sponsor and the independent "
        "portfolio leads are notified to sign it off.",
        request=s.ValueReviewInput,
        responses={201: s.ValueReviewSerializer},
    )
    def post(self, request: SignedInApiRequest, reference: str) -> Response:
        data = self.parse(s.ValueReviewInput)
        review = operation.value_review_record(pilot=self.pilot, by=request.user, **data)
        review = value_review_of(self.pilot, review.pk)
        return Response(s.ValueReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class ValueReviewSignOff(ApiView):
    serializer_class = s.ValueReviewSerializer

    @extend_schema(
        summary="Sign a value review off, or refuse it",
        description="The pilot's sponsor signs as sponsor; a portfolio lead who is neither its "
        "sponsor nor its business owner signs as lead (403 for anyone else). Refusing needs "
        "a `reason` (400); the owner then records the review again. The review must be the "
        "latest and still waiting for this signer (409 otherwise). A review proposing "
        "retire, signed off by both, ends the operation.",
        request=s.SignOffInput,
        responses={200: s.ValueReviewSerializer},
    )
    def post(self, request: SignedInApiRequest, reference: str, review_id: int) -> Response:
        review = value_review_of(self.pilot, review_id)
        data = self.parse(s.SignOffInput)
        role = operation.signoff_role_for(pilot_roles(request.user, self.pilot))
        if role is None:
            raise NotAllowed(operation.SIGNER_RULE)
        operation.value_review_sign(review=review, by=request.user, role=role, **data)
        return Response(s.ValueReviewSerializer(value_review_of(self.pilot, review_id)).data)
