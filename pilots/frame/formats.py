"""How dates and money read to people: one format everywhere.

A day is ``9 Nov 2026`` in every sentence the product writes (messages,
reminders, scorecard reasons, audit subjects), as the templates write it with
Django's ``j M Y``. A month on a chart axis is ``Nov`` or, on the first tick and
where the year turns, ``Nov 2026``: never ``Nov 26``, which reads as a day.
An amount of money names its currency, ``PILOTGATE_CURRENCY``: ``4,200.00 GBP``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from pilots.rules import Degradation


def day(on: date) -> str:
    """``9 Nov 2026``: no zero padding, without platform-specific strftime flags."""
    return f"{on.day} {on:%b %Y}"


def plural(count: int, word: str) -> str:
    """``1 day``, ``3 days``: a count and its noun (the nouns used take an ``s``)."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def plural_suffix(count: int) -> str:
    """``""`` for one, ``"s"`` otherwise: for a noun already written (``reminder{s}``)."""
    return "" if count == 1 else "s"


def quantity(value: Decimal, unit: str = "") -> str:
    """A reading as people write it: ``71%``, ``12.5 minutes``, ``40`` (no decimal padding)."""
    number = format(value.normalize(), "f")
    if not unit:
        return number
    return f"{number}{unit}" if unit.startswith("%") and len(unit) == 1 else f"{number} {unit}"


def wait(seconds: float) -> str:
    """How long to wait, as people say it: ``45 seconds``, ``1 minute``, ``29 minutes``.

    Rounded up to whole minutes past the first minute, so the wait is never
    shorter than the time given.
    """
    whole = max(1, int(-(-seconds // 1)))
    if whole < 60:
        return plural(whole, "second")
    minutes = -(-whole // 60)
    if minutes < 120:
        return plural(minutes, "minute")
    return plural(-(-minutes // 60), "hour")


def month_ticks(months: list[date]) -> list[str]:
    """Axis labels for consecutive month starts: the year on the first and where it turns."""
    labels, year = [], None
    for month in months:
        labels.append(f"{month:%b}" if month.year == year else f"{month:%b %Y}")
        year = month.year
    return labels


def currency() -> str:
    """The ISO 4217 code every amount of money is in (``PILOTGATE_CURRENCY``)."""
    return settings.PILOTGATE_CURRENCY


def money(amount: Decimal | None) -> str:
    """``4,200.00 GBP``; an em dash for no amount."""
    return "—" if amount is None else f"{amount:,.2f} {currency()}"


def decline(name: str, found: Degradation, unit: str, readings: int) -> str:
    """``“Name” has fallen back since …``: a decline after graduation, since when and by
    how much (the scorecard's reason, the pilot page and the reminders say it so)."""
    return (
        f"“{name}” has fallen back since {day(found.since)}: "
        f"{quantity(found.level, unit)} (the median of its last {plural(readings, 'reading')}) "
        f"against {quantity(found.graduation_level, unit)} at graduation, "
        f"{found.share:.0%} of the way from baseline to target lost."
    )
