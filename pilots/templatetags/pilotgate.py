"""Small presentation filters for Pilotgate's templates."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def field_label(name: str) -> str:
    """``run_cost_per_month`` → ``Run cost per month`` (audit history field names)."""
    return str(name).replace("_", " ").capitalize()


@register.filter
def number(value: object) -> str:
    """A stored decimal without its padding: ``5.1100`` → ``5.11``, ``40.0000`` → ``40``."""
    if value is None or value == "":
        return ""
    try:
        decimal = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format(decimal.normalize(), "f")
