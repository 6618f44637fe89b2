"""The lessons library, read-only."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from pilots.api import serializers as s
from pilots.api.filters import LessonFilter
from pilots.frame.api.views import ApiView
from pilots.models import Lesson
from pilots.selectors.lessons import lesson_list


class LessonList(ApiView, generics.ListAPIView):
    serializer_class = s.LessonSerializer
    filterset_class = LessonFilter
    queryset = Lesson.objects.none()  # for the schema; get_queryset scopes to the user

    def get_queryset(self) -> QuerySet[Lesson]:
        return lesson_list(self.request.user)

    @extend_schema(
        summary="Lessons learned on the pilots you can see",
        description="Recorded at a stop, at graduation and at value reviews: what worked, "
        "what failed, the failure modes that bit, tags. Search with `q` (full-text search "
        "on PostgreSQL); filter by failure mode, business unit and outcome (the pilot's "
        "stage).",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
