"""Metrics, readings, and the bulk ingest a production pipeline pushes to."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import Max, OuterRef, QuerySet, Subquery
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from pilots.api import serializers as s
from pilots.api.filters import MetricFilter, ReadingFilter
from pilots.enums import ReadingSource
from pilots.frame.api.views import ApiView, SignedInApiRequest
from pilots.models import Metric, MetricReading
from pilots.selectors.metrics import metric_of, reading_of
from pilots.services import ingest, metrics


class MetricList(ApiView, generics.ListAPIView):
    serializer_class = s.MetricWithLatestSerializer
    filterset_class = MetricFilter
    queryset = Metric.objects.none()  # for the schema; get_queryset scopes to the pilot

    def get_queryset(self) -> QuerySet[Metric]:
        latest_value = MetricReading.objects.filter(metric=OuterRef("pk")).order_by("-observed_on")
        return self.pilot.metrics.annotate(
            latest_observed_on=Max("readings__observed_on"),
            latest_value=Subquery(latest_value.values("value")[:1]),
        )

    @extend_schema(summary="The pilot's metrics, each with its latest reading")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Define a metric",
        description="Sponsor or lead, while the pilot is a draft, approved or running.",
        request=s.MetricCreateInput,
        responses={201: s.MetricSerializer},
    )
    def post(self, request: SignedInApiRequest, reference: str) -> Response:
        metric = metrics.metric_create(
            pilot=self.pilot, by=request.user, **self.parse(s.MetricCreateInput)
        )
        return Response(s.MetricSerializer(metric).data, status=status.HTTP_201_CREATED)


class MetricFromUrl(ApiView):
    @cached_property
    def metric(self) -> Metric:
        return metric_of(self.pilot, self.kwargs["metric_id"])


class MetricDetail(MetricFromUrl):
    serializer_class = s.MetricSerializer

    @extend_schema(summary="A metric")
    def get(self, request: Request, reference: str, metric_id: int) -> Response:
        return Response(s.MetricSerializer(self.metric).data)

    @extend_schema(
        summary="Change a metric",
        description="Once the pilot is approved, changing its contract (a counted metric's "
        "definition, baseline, target, target date, provenance or guardrail) needs a `reason`: "
        'without one, a 400 with `{"reason": [...]}` naming the rule. The change shows as drift '
        "(`contract/`) until a portfolio lead acknowledges it; a running pilot's primary "
        "goalposts are also recorded as a locked change.",
        request=s.MetricUpdateInput,
        responses=s.MetricSerializer,
    )
    def patch(self, request: SignedInApiRequest, reference: str, metric_id: int) -> Response:
        data = dict(self.parse(s.MetricUpdateInput, partial=True))
        reason = data.pop("reason", "")
        metric = metrics.metric_update(metric=self.metric, by=request.user, reason=reason, **data)
        return Response(s.MetricSerializer(metric).data)


class ReadingList(MetricFromUrl, generics.ListAPIView):
    serializer_class = s.ReadingSerializer
    filterset_class = ReadingFilter
    queryset = MetricReading.objects.none()
    ingest = True  # an ingest-scoped token may record readings

    def get_queryset(self) -> QuerySet[MetricReading]:
        return self.metric.readings.select_related("recorded_by")

    @extend_schema(summary="The metric's readings, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record a reading",
        description="Business owner or delivery team, once the pilot is approved. Recording "
        "a day again updates it.",
        request=s.ReadingInput,
        responses={201: s.ReadingSerializer},
    )
    def post(self, request: SignedInApiRequest, reference: str, metric_id: int) -> Response:
        reading = metrics.reading_record(
            metric=self.metric,
            by=request.user,
            source=ReadingSource.API,
            **self.parse(s.ReadingInput),
        )
        return Response(s.ReadingSerializer(reading).data, status=status.HTTP_201_CREATED)


class ReadingDetail(ApiView):
    serializer_class = s.ReadingSerializer
    ingest = True

    @cached_property
    def reading(self) -> MetricReading:
        return reading_of(self.pilot, self.kwargs["reading_id"])

    @extend_schema(summary="A reading")
    def get(self, request: Request, reference: str, reading_id: int) -> Response:
        return Response(s.ReadingSerializer(self.reading).data)

    @extend_schema(
        summary="Correct a reading",
        description="Whoever recorded it, or the business owner. Its day stays; the fields "
        "sent are changed.",
        request=s.ReadingUpdateInput,
        responses=s.ReadingSerializer,
    )
    def patch(self, request: SignedInApiRequest, reference: str, reading_id: int) -> Response:
        data = self.parse(s.ReadingUpdateInput, partial=True)
        reading = metrics.reading_update(
            reading=self.reading,
            by=request.user,
            value=data.get("value", self.reading.value),
            note=data.get("note", self.reading.note),
        )
        return Response(s.ReadingSerializer(reading).data)

    @extend_schema(summary="Delete a reading", description="Whoever recorded it, or the owner.")
    def delete(self, request: SignedInApiRequest, reference: str, reading_id: int) -> Response:
        metrics.reading_delete(reading=self.reading, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BulkReadings(ApiView):
    """Up to 10,000 readings of one or many metrics, validated as a whole."""

    serializer_class = s.BulkReadingsResult
    ingest = True

    @extend_schema(
        summary="Push readings in bulk",
        description=(
            "Idempotent by (metric, day): resending changes nothing, a new value or note "
            "updates the day. If any row is invalid, nothing is written and the 400 lists "
            "every invalid row by number. `dry_run` validates and counts without writing."
        ),
        request=s.BulkReadingsInput,
        responses=s.BulkReadingsResult,
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = request.data
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["Send an object with a readings list."]})
        rows, dry_run = data.get("readings"), data.get("dry_run", False)
        problems = {
            str(name): ["Unknown field: send readings and, optionally, dry_run."]
            for name in data
            if name not in {"readings", "dry_run"}
        }
        if not isinstance(rows, list):
            problems["readings"] = ["Send the readings as a list."]
        if not isinstance(dry_run, bool):
            problems["dry_run"] = ["Must be true or false."]
        if problems or not isinstance(rows, list):  # rows not a list is among the problems
            raise ValidationError(problems)
        result = ingest.readings_ingest(
            by=request.user, rows=rows, source=ReadingSource.API, dry_run=dry_run
        )
        return Response(
            {
                "written": result.written,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "metrics": [
                    {
                        "metric": outcome.metric.pk,
                        "pilot": outcome.metric.pilot.reference,
                        "created": outcome.created,
                        "updated": outcome.updated,
                        "unchanged": outcome.unchanged,
                    }
                    for outcome in result.metrics
                ],
            }
        )
