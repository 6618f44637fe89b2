"""What every API view shares: the visible pilot from the URL, and input parsing."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from rest_framework import generics, serializers

from pilots.models import Pilot
from pilots.selectors import pilot_get_for_user


class ApiView(generics.GenericAPIView):
    """Lists are scoped in ``get_queryset``; a pilot in the URL is fetched through
    the visibility query, so one the user may not see is a 404 like one that
    does not exist. Writes go to the services, which answer 403 for a user who
    may see but not change."""

    @cached_property
    def pilot(self) -> Pilot:
        return pilot_get_for_user(self.request.user, reference=self.kwargs["reference"])

    def parse(self, serializer_class: type[serializers.Serializer], **kwargs: Any) -> Any:
        """The validated input, or a 400 with every field's errors."""
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
