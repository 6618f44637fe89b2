"""Filters every list shares (django-filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from pilots.enums import ID_MAX


class IdFormField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)  # a database id


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(django_filters.Filter):
    """Filter on a related object's id: validated as an integer, with no query, so an id
    that does not exist (or that the user may not see) simply matches nothing."""

    field_class = IdFormField
