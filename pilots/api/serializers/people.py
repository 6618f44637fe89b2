"""The API's people: a pilot's team, API tokens and the signed-in user."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pilots.enums import TokenScope
from pilots.frame.api.fields import (
    StrictCharField,
    StrictPrimaryKeyRelatedField,
    StrictSerializer,
)
from pilots.frame.api.serializers import UserSummarySerializer
from pilots.models import (
    ApiToken,
    PilotMembership,
)
from pilots.selectors.pilots import active_users


class MembershipSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = PilotMembership
        fields = ["id", "user", "role", "added_at"]
        read_only_fields = fields


class MembershipInput(StrictSerializer):
    user = StrictPrimaryKeyRelatedField(queryset=active_users())
    role = StrictCharField(max_length=100, required=False, default="", allow_blank=True)


class TokenObtainInput(StrictSerializer):
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=4096, style={"input_type": "password"})
    name = StrictCharField(
        max_length=100, required=False, default="API token", help_text="What will use it."
    )
    scope = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.READ)


class TokenSerializer(serializers.ModelSerializer):
    expires_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the token stops working (PILOTGATE_API_TOKEN_DAYS after its "
        "creation), or null: it does not expire.",
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "scope", "prefix", "created_at", "last_used_at", "expires_at"]
        read_only_fields = fields


class NewTokenSerializer(TokenSerializer):
    key = StrictCharField(read_only=True, help_text="Shown once: store it now.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class MeSerializer(UserSummarySerializer):
    token_scope = serializers.SerializerMethodField()

    class Meta(UserSummarySerializer.Meta):
        fields = [*UserSummarySerializer.Meta.fields, "token_scope"]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "string",
            "enum": TokenScope.values,
            "nullable": True,
            "description": "The scope of the token used, or null for a session.",
        }
    )
    def get_token_scope(self, user: Any) -> str | None:
        token = self.context.get("token")
        return token.scope if isinstance(token, ApiToken) else None
