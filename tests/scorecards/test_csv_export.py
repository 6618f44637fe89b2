"""The portfolio CSV against CSV injection: every cell quoted, no cell (or piece of a
cell, however a spreadsheet splits it) starting a formula, numbers still numbers."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from scorecards.models import Scorecard
from scorecards.views import cell
from tests import factories
from tests.scorecards.dashboard_helpers import EXPORT, exported, recompute, running_pilot


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        # A formula at the start of the cell.
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("  =1+1", "'  =1+1"),  # spaces some spreadsheets trim
        # ... or after a separator a spreadsheet may split the cell on.
        (";=1+1;", ";'=1+1;"),
        ('a,=HYPERLINK("http://evil")', 'a,\'=HYPERLINK("http://evil")'),
        ("a|+cmd", "a|'+cmd"),
        ("a; -2+3", "a;' -2+3"),
        ("first line\n=1+1", "first line\n'=1+1"),
        ("first line\r\n@cmd", "first line\r\n'@cmd"),
        # Tab and carriage return start a formula and split a cell.
        ("\t=cmd", "'\t'=cmd"),
        ("\r=cmd", "'\r'=cmd"),
        # Text that looks like a negative number is text: it becomes text.
        ("-3", "'-3"),
        # Nothing to neutralise.
        ("Claims triage", "Claims triage"),
        ("a, b; c | d", "a, b; c | d"),
        ("x=1+1", "x=1+1"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_text_cell_never_starts_a_formula(typed, written):
    assert cell(typed) == written


@pytest.mark.parametrize("number", [-3, 0, 75, Decimal("-2.5"), 1.5])
def test_numbers_stay_numbers(number):
    assert cell(number) is number


def test_every_cell_is_quoted_and_formulas_are_neutralised(client, lead, sponsor, owner):
    unit = factories.BusinessUnitFactory(name="=cmd|' /C calc'!A0")
    running_pilot(sponsor=sponsor, owner=owner, title=";=1+1;", business_unit=unit)
    sponsor.first_name, sponsor.last_name = 'a,=HYPERLINK("http://evil")', "\t=cmd"
    sponsor.save()
    recompute()
    client.force_login(lead)
    response = client.get(EXPORT)
    lines = response.content.decode().splitlines()
    # csv.QUOTE_ALL: each line is quoted fields only, the numbers included.
    quoted_fields = re.compile(r'"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*')
    assert len(lines) == 2
    assert all(quoted_fields.fullmatch(line) for line in lines), lines
    row_fields = exported(response)[1]
    card = Scorecard.objects.get()
    assert row_fields[1] == ";'=1+1;"
    assert row_fields[3] == "'=cmd|' /C calc'!A0"
    assert row_fields[4] == "a,'=HYPERLINK(\"http://evil\") \t'=cmd"
    assert row_fields[7:12] == [
        str(card.overall),
        str(card.infrastructure),
        str(card.metric),
        str(card.ownership),
        str(card.handover),
    ]
    assert f'"{card.overall}"' in lines[1]  # a quoted number: spreadsheets read a number


def test_no_exported_cell_starts_a_formula_after_any_separator(client, lead, sponsor, owner):
    """Whatever the spreadsheet splits on, no piece of a text cell starts a formula."""
    for title in (";=1+1;", "a,=2", "x|@3", "y\t+4", "z\n-5"):
        running_pilot(sponsor=sponsor, owner=owner, title=title)
    recompute()
    client.force_login(lead)
    for row in exported(client.get(EXPORT))[1:]:
        for value in row:
            pieces = [value]
            for separator in ",;\t|\r\n":
                pieces = [piece for part in pieces for piece in part.split(separator)]
            assert not [piece for piece in pieces if piece.lstrip(" ")[:1] in set("=+-@")], row
