"""Each benchmark of ``make bench`` once, at a tiny size, on PostgreSQL: so they cannot rot.

Not a measurement (the sizes are far too small): a run of the same code ``make bench``
runs, checking that each SQL floor returns the same rows as the code it is the floor
of. Skipped with the reason without PostgreSQL; a failure under
``PILOTGATE_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.bench import dashboard, ingest, reminders
from tests.services import require_postgresql

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def run(command, **options):
    """Run a benchmark command quietly; the command (with its results) and its output."""
    out = StringIO()
    call_command(command, stdout=out, stderr=StringIO(), **options)
    return command, out.getvalue()


def test_ingest_stores_the_same_rows_as_copy():
    require_postgresql()
    command, output = run(ingest.Command(), rows=20, repeat=1, metrics=2)
    assert set(command.stored) == {
        "API request",
        "service",
        "resend (no-op)",
        ingest.EXECUTEMANY,
        ingest.COPY,
    }
    for name, rows in command.stored.items():
        assert len(rows) == 20, name
        assert rows == command.stored[ingest.COPY], name
    assert "x COPY" in output


def test_reminders_floor_finds_the_sweeps_reminders():
    require_postgresql()
    command, output = run(reminders.Command(), pilots=20, small=0, repeat=1, explain=False)
    (result,) = command.results
    assert result.due_keys, "the tiny portfolio has reminders due"
    assert result.floor_keys == result.due_keys
    assert "x SQL floor" in output


def test_dashboard_floor_rows_are_the_page_rows():
    require_postgresql()
    command, output = run(
        dashboard.Command(),
        pilots=40,
        small=0,
        readings=12,
        repeat=1,
        recompute_repeat=1,
        page="view",
        explain=False,
    )
    (result,) = command.results
    pages = {name for name in result.rows if name.startswith(dashboard.FIRST_PAGE)}
    filtered = {name for name in result.rows if name.startswith(dashboard.FILTERED_PAGE)}
    assert pages, result.rows.keys()
    assert filtered, result.rows.keys()
    for name, (floor, page) in result.rows.items():
        assert page == floor, name
        assert floor, name
    assert "x floor" in output
