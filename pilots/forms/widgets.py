"""Fields and widgets every form shares."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from pilots.selectors.pilots import active_users

User = get_user_model()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class UserChoiceField(forms.ModelChoiceField):
    """Active people, shown by name with their username to tell namesakes apart."""

    def __init__(self, queryset: QuerySet | None = None, **kwargs: Any) -> None:
        if queryset is None:
            queryset = active_users()
        super().__init__(queryset=queryset, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


def plain_decimal(value: Decimal | None) -> str | None:
    """``12.0000`` as stored → ``12`` as a person would type it."""
    return None if value is None else format(value.normalize(), "f")


def short_text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})
