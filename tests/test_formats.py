"""One way to write a day and a month, wherever people read them."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from pilots import formats
from pilots.errors import TransitionRefused
from pilots.models import GateDecision, Stage
from pilots.services import gates

ROOT = Path(__file__).resolve().parents[1]


def test_a_day_reads_9_nov_2026():
    assert formats.day(date(2026, 11, 9)) == "9 Nov 2026"
    assert formats.day(date(2026, 12, 25)) == "25 Dec 2026"


def test_month_ticks_never_read_as_a_day():
    months = [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]
    assert formats.month_ticks(months) == ["Nov 2026", "Dec", "Jan 2027", "Feb"]


def test_gate_messages_write_the_day_without_zero_padding(approved, sponsor):
    """A refused start said "05 Jan 2026" where every page says "5 Jan 2026"."""
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_start(pilot=approved, by=sponsor, today=date(2026, 1, 4))
    (item,) = refused.value.missing
    assert item.message == "The planned start is 5 Jan 2026; a pilot cannot start before it."

    gates.pilot_start(pilot=approved, by=sponsor, today=date(2026, 1, 9))
    decision = GateDecision.objects.get(pilot=approved, to_stage=Stage.RUNNING)
    assert decision.rationale == "Started on 9 Jan 2026."


# Python: strftime's zero-padded day (%d) and two-digit year (%y) in a sentence.
PYTHON_DAY = re.compile(r"%d %b|%b %d|%b %y|%d/%m|%m/%d")
# Templates: Django's zero-padded day ("d") next to a month name, or a two-digit year.
TEMPLATE_DAY = re.compile(r'\|date:"(?:[^"]*\bd M|[^"]*M y\b|[^"]*\by\b)[^"]*"')


def sources(folder: str, suffix: str) -> list[Path]:
    return [
        path
        for path in (ROOT / folder).rglob(f"*{suffix}")
        if "migrations" not in path.parts and "bench" not in path.name
    ]


def test_no_source_writes_a_day_another_way():
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for folder in ("pilots", "scorecards")
        for path in sources(folder, ".py")
        for match in PYTHON_DAY.finditer(path.read_text())
    ] + [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sources("templates", ".html")
        for match in TEMPLATE_DAY.finditer(path.read_text())
    ]
    assert found == []
