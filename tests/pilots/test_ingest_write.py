"""The bulk ingest's write: every note and value stored as sent, on any database.

On PostgreSQL the rows travel as one array literal per column (``array_literal``):
notes with quotes, backslashes, braces, commas, NULL-like words and other scripts
must come back exactly, and a resend must update in place.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from pilots.enums import ReadingSource
from pilots.models import MetricReading
from pilots.services.ingest import array_literal, readings_ingest

NOTES = [
    "",
    "plain",
    'a "quoted" word',
    "back\\slash \\\\ two",
    "{braces}, commas, and (parens)",
    "NULL",
    "null",
    "  spaces kept inside  ".strip(),
    "ünïcödé — 数据 😀",
    "line\nbreak\ttab",
    "'single' and ; semicolon",
    "ends with backslash\\",
]


def test_array_literal_quotes_every_element():
    assert array_literal(["a", 'b "c"', "d\\e"]) == '{"a","b \\"c\\"","d\\\\e"}'
    assert array_literal([]) == "{}"


@pytest.mark.django_db
def test_notes_and_values_come_back_exactly(running, owner):
    metric = running.metrics.get()
    end = date(2026, 11, 1)
    rows = [
        {
            "metric": metric.pk,
            "observed_on": str(end - timedelta(days=n)),
            "value": f"-{n}.125" if n % 2 else f"{n}.5",
            "note": note,
        }
        for n, note in enumerate(NOTES)
    ]
    result = readings_ingest(by=owner, rows=rows, source=ReadingSource.API)
    assert result.created == len(NOTES)
    stored = {
        str(day): (value, note, source, recorder)
        for day, value, note, source, recorder in MetricReading.objects.values_list(
            "observed_on", "value", "note", "source", "recorded_by"
        )
    }
    assert stored == {
        row["observed_on"]: (Decimal(row["value"]), row["note"], ReadingSource.API, owner.pk)
        for row in rows
    }

    resent = [{**row, "note": row["note"] + " (again)"} for row in rows]
    again = readings_ingest(by=owner, rows=resent, source=ReadingSource.IMPORT)
    assert (again.created, again.updated) == (0, len(NOTES))
    assert sorted(MetricReading.objects.values_list("note", flat=True)) == sorted(
        row["note"].strip()
        for row in resent  # the ingest strips a note's ends
    )
    assert set(MetricReading.objects.values_list("source", flat=True)) == {ReadingSource.IMPORT}
