"""Summaries every API shows the same way, whichever app's resource holds them."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from pilots.frame.api.fields import StrictCharField
from pilots.models import BusinessUnit

User = get_user_model()


class UserSummarySerializer(serializers.ModelSerializer):
    full_name = StrictCharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name"]
        read_only_fields = fields


class BusinessUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessUnit
        fields = ["id", "name"]
        read_only_fields = fields
