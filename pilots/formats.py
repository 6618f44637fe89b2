"""How dates read to people: one format everywhere (pure).

A day is ``9 Nov 2026`` in every sentence the product writes (messages,
reminders, scorecard reasons, audit subjects), as the templates write it with
Django's ``j M Y``. A month on a chart axis is ``Nov`` or, on the first tick and
where the year turns, ``Nov 2026``: never ``Nov 26``, which reads as a day.
"""

from __future__ import annotations

from datetime import date


def day(on: date) -> str:
    """``9 Nov 2026``: no zero padding, without platform-specific strftime flags."""
    return f"{on.day} {on:%b %Y}"


def month_ticks(months: list[date]) -> list[str]:
    """Axis labels for consecutive month starts: the year on the first and where it turns."""
    labels, year = [], None
    for month in months:
        labels.append(f"{month:%b}" if month.year == year else f"{month:%b %Y}")
        year = month.year
    return labels
