"""Input fields as strict as the schema they publish.

DRF's fields coerce: a CharField takes the number 12, an IntegerField or a
primary key takes the string "12". The schema promises a string or an
integer, so a client (or a fuzzer) sending the other type gets a 400 here,
not a silent conversion.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictURLField(serializers.URLField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class DecimalValue(serializers.DecimalField):
    """A decimal accepted as a string ("12.5") or a JSON number, always returned as a string.

    A string must be plain digits with an optional point (no exponent, spaces or
    separators); ``schema()`` publishes the same rule (see ``pilots.api.schema``).
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 16)
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)
        whole = self.max_digits - self.decimal_places
        sign = "" if self.min_value is not None and self.min_value >= 0 else "-?"
        self.pattern = rf"^{sign}[0-9]{{1,{whole}}}(\.[0-9]{{1,{self.decimal_places}}})?$"
        self.limit = Decimal(10) ** whole - Decimal(1).scaleb(-self.decimal_places)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        # DRF reads "" as null for nullable decimals (HTML forms); JSON clients send null.
        if isinstance(data, str) and not data.strip():
            self.fail("invalid")
        return super().validate_empty_values(data)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        if isinstance(data, str) and not re.match(self.pattern, data):
            self.fail("invalid")
        return super().to_internal_value(data)

    def schema(self) -> dict[str, Any]:
        minimum = float(self.min_value) if self.min_value is not None else -float(self.limit)
        return {
            "oneOf": [
                {"type": "string", "pattern": self.pattern, "example": "12.5"},
                {"type": "number", "minimum": minimum, "maximum": float(self.limit)},
            ],
            "description": "A decimal, as a string (“12.5”) or a JSON number; "
            "always returned as a string.",
        }


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "format": "uri", "maxLength": 200},
            {"type": "string", "maxLength": 0},
        ],
        "description": "A link (http or https), or empty.",
    }
)
class BlankableURLField(StrictURLField):
    """A URL that may be left empty (the models' URL fields are all optional)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose generated text, URL and relation fields are strict."""

    serializer_related_field = StrictPrimaryKeyRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.URLField: BlankableURLField,
    }
