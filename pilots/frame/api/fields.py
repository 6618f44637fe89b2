"""Input fields as strict as the schema they publish, and schemas that say all they check.

DRF's fields coerce: a CharField takes the number 12, an IntegerField or a
primary key takes the string "12". The schema promises a string or an
integer, so a client (or a fuzzer) sending the other type gets a 400 here,
not a silent conversion.

The other way round, every rule these fields enforce is in the schema they
publish (``pilots.frame.api.schema`` maps them), so a request valid by the schema is
never refused for its form: text has no NUL character (PostgreSQL cannot store
one) and, unless it may be blank, at least one character that is not
whitespace; lengths count what was sent, before surrounding whitespace is
trimmed; ids are positive 64-bit integers; days are ``YYYY-MM-DD``; links are
http(s) with a dotted host name.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import models
from rest_framework import serializers

from pilots.enums import ID_MAX
from pilots.services.ingest import number_to_decimal


def _char_class(chars: Iterable[str]) -> str:
    return "".join(rf"\x{ord(c):02x}" if ord(c) < 0x100 else rf"\u{ord(c):04x}" for c in chars)


# Exactly the characters str.strip() removes (str.isspace), written out so the
# pattern means the same to every regex engine (ECMAScript's \s differs).
_SPACES = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]
SPACE_CLASS = _char_class(_SPACES)
TEXT_PATTERN = r"^[^\x00]*$"
NOT_BLANK_PATTERN = rf"^[^\x00]*[^\x00{SPACE_CLASS}][^\x00]*$"

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PATH_CHAR = rf"[^\x00-\x20\x7f{_char_class(c for c in _SPACES if c > ' ')}]"
# A subset of what Django's URLValidator (and so the model's URLField) accepts:
# http(s), a dotted host name with a letters-only top-level domain, an optional
# port, then any path, query or fragment without whitespace or control characters.
LINK = rf"https?://(?:{_LABEL}\.)+[A-Za-z]{{2,63}}(?::[0-9]{{1,5}})?(?:[/?#]{_PATH_CHAR}*)?"
LINK_MAX_LENGTH = 200  # the models' URLField
URL_VALIDATOR = URLValidator(schemes=["http", "https"])
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class StrictCharField(serializers.CharField):
    """Text sent as a JSON string; its length is checked as sent, before trimming."""

    default_error_messages = {"null": "Null characters are not allowed."}

    def run_validation(self, data: Any = serializers.empty) -> Any:
        # Before DRF's own checks: it answers "" for a blank value without looking further.
        if isinstance(data, str):
            if self.max_length is not None and len(data) > self.max_length:
                self.fail("max_length", max_length=self.max_length)
            if "\x00" in data:
                self.fail("null")
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)

    @property
    def pattern(self) -> str:
        """What the checks above and DRF's blank check accept, as a JSON Schema pattern."""
        return TEXT_PATTERN if self.allow_blank else NOT_BLANK_PATTERN


class StrictURLField(StrictCharField):
    """An http(s) link, matched as sent (no trimming) against the pattern the schema states."""

    default_error_messages = {
        "invalid_link": "Enter a link starting with http:// or https://, "
        "such as https://wiki.example.com/runbook."
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", LINK_MAX_LENGTH)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        self.link_re = re.compile(self.pattern)

    @property
    def pattern(self) -> str:
        return rf"^(?:{LINK})?$" if self.allow_blank else rf"^{LINK}$"

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not self.link_re.search(value):
            self.fail("invalid_link")
        value = value.removesuffix("\n")  # the one character the pattern's $ lets through
        if value:
            try:  # the model's own check, which the services run: the pattern is a subset
                URL_VALIDATOR(value)
            except DjangoValidationError:
                self.fail("invalid_link")
        return value


class BlankableURLField(StrictURLField):
    """A link that may be left empty (the models' URL fields are all optional)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)


class StrictDateField(serializers.DateField):
    """A day as ``YYYY-MM-DD`` only (DRF would also take ``20260105`` or ``2026-1-5``)."""

    def to_internal_value(self, value: Any) -> Any:
        if not isinstance(value, str) or not _DAY.fullmatch(value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class IdField(StrictIntegerField):
    """An object's id: a positive 64-bit integer (a BigAutoField)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An object by its id; the schema states the id's range (see ``pilots.frame.api.schema``)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= ID_MAX:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class DecimalValue(serializers.DecimalField):
    """A decimal accepted as a string ("12.5") or a JSON number, always returned as a string.

    A string must be plain digits with an optional point (no exponent, spaces or
    separators) and is taken exactly. A JSON number is a binary float to most
    clients (0.1 + 0.2 is 0.30000000000000004), so it is rounded to the
    field's decimal places. ``schema()`` publishes both rules (see
    ``pilots.frame.api.schema``).
    """

    # Always given here (DRF's DecimalField also allows None, for no limit).
    max_digits: int
    decimal_places: int

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 16)
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)
        whole = self.max_digits - self.decimal_places
        sign = "" if self.min_value is not None and self.min_value >= 0 else "-?"
        self.pattern = rf"^{sign}[0-9]{{1,{whole}}}(\.[0-9]{{1,{self.decimal_places}}})?$"
        self.limit = Decimal(10) ** whole - Decimal(1).scaleb(-self.decimal_places)
        self.lowest = Decimal(self.min_value) if self.min_value is not None else -self.limit

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
        if isinstance(data, int | float):
            try:
                data = number_to_decimal(
                    data, places=self.decimal_places, lowest=self.lowest, highest=self.limit
                )
            except ValueError as error:
                raise serializers.ValidationError(str(error), code="invalid") from None
        return super().to_internal_value(data)

    def schema(self) -> dict[str, Any]:
        return {
            "oneOf": [
                {"type": "string", "pattern": self.pattern, "example": "12.5"},
                {"type": "number", "minimum": float(self.lowest), "maximum": float(self.limit)},
            ],
            "description": "A decimal, as a string (“12.5”, taken exactly) or a JSON number "
            f"(rounded to {self.decimal_places} decimal places); always returned as a string.",
        }


# A mixin for serializers: the type checker sees the Serializer it is mixed into.
if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    _MixedIntoSerializer = serializers.Serializer[Any]
else:
    _MixedIntoSerializer = object


class RejectsUnknownFields(_MixedIntoSerializer):
    """An input serializer that refuses fields it does not know, so a misspelt field is an
    error rather than silently ignored (the schema says ``additionalProperties: false``)."""

    default_error_messages: ClassVar[dict[str, StrOrPromise]] = {
        "unknown": "Unknown field: leave it out (see the API schema)."
    }

    def to_internal_value(self, data: Any) -> Any:
        fields = self.fields
        unknown = sorted(set(data) - set(fields)) if isinstance(data, Mapping) else []
        errors = {name: [self.error_messages["unknown"]] for name in unknown}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if errors and isinstance(exc.detail, dict):
                exc.detail.update(errors)
            raise
        if errors:
            raise serializers.ValidationError(errors)
        return value


class StrictSerializer(RejectsUnknownFields, serializers.Serializer):
    """An input serializer: unknown fields refused; use the strict fields above."""


class StrictModelSerializer(RejectsUnknownFields, serializers.ModelSerializer):
    """A ModelSerializer whose generated text, URL, date and relation fields are strict."""

    serializer_related_field = StrictPrimaryKeyRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.URLField: BlankableURLField,
        models.DateField: StrictDateField,
    }
