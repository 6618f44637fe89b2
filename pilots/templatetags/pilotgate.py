"""Small presentation filters for Pilotgate's templates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone

from pilots.frame import formats
from pilots.selectors import history

register = template.Library()


@register.filter
def field_label(name: str) -> str:
    """``run_cost_per_month`` → ``Run cost per month (GBP)``: a pilot's field by its label.

    A key that is already a label (a contract field's, "“Claims per hour”: target") is
    kept. The history's labels (``pilots.selectors.history``) are the one source.
    """
    return history.field_label("", str(name))


@register.filter
def history_value(value: object) -> str:
    """A value of the audit history, readable: an em dash for none, a moment in local time.

    Moments are stored as ISO 8601 with their offset (``pilots.services.audit.plain``).
    """
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and len(value) >= 19 and value[10:11] in ("T", " "):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            return f"{timezone.localtime(moment):%-d %b %Y %H:%M}"
    return str(value)


@register.filter
def contract_value(value: object) -> str:
    """A value of the approved contract, readable: a day as "26 Nov 2026", none as an em dash.

    ``contract_of`` stores days as ISO dates (YYYY-MM-DD) and numbers as plain text.
    """
    if isinstance(value, str) and len(value) == 10 and value[4::3] == "--":
        try:
            return formats.day(date.fromisoformat(value))
        except ValueError:
            return value
    return history_value(value)


@register.filter
def money(amount: Decimal | None) -> str:
    """``4,200.00 GBP`` in ``PILOTGATE_CURRENCY``; an em dash for none."""
    return formats.money(amount)


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


@register.filter
def baseline_provenance(metric: object) -> str:
    """``Baseline 120 per day, measured 3 Mar 2026 (4-week average…; source: Claims DB)``.

    What is not recorded says so, so a reader sees a baseline nobody can trace.
    Empty for a metric without a baseline.
    """
    baseline = getattr(metric, "baseline", None)
    if baseline is None:
        return ""
    unit = getattr(metric, "unit", "")
    line = f"Baseline {number(baseline)}{f' {unit}' if unit else ''}"
    measured_on = getattr(metric, "baseline_measured_on", None)
    line += (
        f", measured {formats.day(measured_on)}" if measured_on else ", measured: date not recorded"
    )
    method = getattr(metric, "baseline_method", "") or "method not recorded"
    source = getattr(metric, "baseline_source", "") or "not recorded"
    return f"{line} ({method}; source: {source})"
