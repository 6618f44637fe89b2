"""What every API view shares: the visible pilot from the URL, and input parsing."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib.auth.models import User
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from pilots.models import Pilot
from pilots.selectors.pilots import pilot_get_for_user

FREE_TEXT_PARAMETERS = frozenset({"q"})


class SignedInApiRequest(Request):
    """The request an API view's handler is given once DRF let it through.

    ``IsAuthenticated`` is a default permission class, so a handler only runs
    for a signed-in ``User``. A type only: DRF still passes its own Request.
    """

    user: User


class ApiView(generics.GenericAPIView):
    """Lists are scoped in ``get_queryset``; a pilot in the URL is fetched through
    the visibility query, so one the user may not see is a 404 like one that
    does not exist. Writes go to the services, which answer 403 for a user who
    may see but not change.

    OPTIONS is not part of the contract (no metadata): it answers 405 like any
    other method not offered, and ``Allow`` does not list it."""

    http_method_names = [m for m in generics.GenericAPIView.http_method_names if m != "options"]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        params = request.query_params
        problems = {
            # One value each: a repeated parameter would be silently cut to its last value.
            **{k: ["Give this parameter once."] for k in params if len(params.getlist(k)) > 1},
            # An empty filter would be silently ignored: say so instead.
            **{
                k: ["Give a value, or leave the parameter out."]
                for k, v in params.items()
                if v == "" and k not in FREE_TEXT_PARAMETERS
            },
        }
        if problems:
            raise ValidationError(problems)

    @cached_property
    def pilot(self) -> Pilot:
        return pilot_get_for_user(self.request.user, reference=self.kwargs["reference"])

    def parse(self, serializer_class: type[serializers.Serializer], **kwargs: Any) -> Any:
        """The validated input, or a 400 with every field's errors."""
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
