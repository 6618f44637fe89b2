"""People (for choosing owners and assignees), business units, and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, parsers, permissions, status, throttling
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from pilots.accounts import tokens
from pilots.accounts.tokens import api_tokens_of
from pilots.api import serializers as s
from pilots.api.filters import UserFilter
from pilots.frame.api.serializers import BusinessUnitSerializer, UserSummarySerializer
from pilots.frame.api.views import ApiView, SignedInApiRequest
from pilots.models import ApiToken, BusinessUnit


class UserList(ApiView, generics.ListAPIView):
    """Active users: whom a pilot's owner, team or task can name."""

    serializer_class = UserSummarySerializer
    filterset_class = UserFilter

    def get_queryset(self) -> QuerySet[Any]:
        return get_user_model().objects.filter(is_active=True)


class BusinessUnitList(ApiView, generics.ListAPIView):
    serializer_class = BusinessUnitSerializer

    def get_queryset(self) -> QuerySet[BusinessUnit]:
        return BusinessUnit.objects.order_by("name", "pk")


class Me(ApiView):
    serializer_class = s.MeSerializer

    @extend_schema(summary="Who this session or token is")
    def get(self, request: Request) -> Response:
        return Response(s.MeSerializer(request.user, context={"token": request.auth}).data)


class TokenObtain(ApiView):
    """Exchange a username and password for a new token (throttled like a login form).

    Credentials come as JSON or as a form (url-encoded or multipart), which is
    what most HTTP clients send by default and DRF's own token view takes.
    """

    serializer_class = s.NewTokenSerializer
    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [parsers.JSONParser, parsers.FormParser, parsers.MultiPartParser]
    throttle_classes = [throttling.ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        summary="Obtain a token",
        description="Send the credentials as JSON or as form data. The key is in the response "
        "only: store it. Revoke it in the web app (Account > API tokens) or with "
        "DELETE /api/v1/auth/tokens/{id}/. Like the sign-in page, 20 wrong passwords for one "
        "account from one address lock that pair out for 15 minutes (by default): 429 with "
        "code `locked_out` and Retry-After, the password unchecked.",
        request=s.TokenObtainInput,
        responses={201: s.NewTokenSerializer},
    )
    def post(self, request: Request) -> Response:
        data = self.parse(s.TokenObtainInput)
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise ValidationError(
                {"non_field_errors": ["Unable to sign in with this username and password."]}
            )
        # A sign-in by password, like the web's: the lock-out's count starts again
        # (django-axes listens), and last_login is kept. No session is started.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        token, key = tokens.token_create(user=user, name=data["name"], scope=data["scope"])
        body = {**s.TokenSerializer(token).data, "key": key}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenList(ApiView, generics.ListAPIView):
    """Your active tokens (keys are never shown again)."""

    serializer_class = s.TokenSerializer
    queryset = ApiToken.objects.none()  # for the schema; get_queryset scopes to the user
    # IsAuthenticated, a default permission, has run before get_queryset.
    request: SignedInApiRequest

    def get_queryset(self) -> QuerySet[ApiToken]:
        return api_tokens_of(self.request.user).filter(revoked_at__isnull=True)


class TokenRevoke(ApiView):
    serializer_class = s.TokenSerializer

    @extend_schema(summary="Revoke one of your tokens")
    def delete(self, request: SignedInApiRequest, token_id: int) -> Response:
        token = generics.get_object_or_404(
            api_tokens_of(request.user).filter(revoked_at__isnull=True), pk=token_id
        )
        tokens.token_revoke(token=token, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
