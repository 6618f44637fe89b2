"""One way to write a day, a month and an amount of money, wherever people read them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from pilots.enums import Stage
from pilots.errors import TransitionRefused
from pilots.frame import formats
from pilots.models import GateDecision
from pilots.services import gates

ROOT = Path(__file__).resolve().parents[1]


def test_a_day_reads_9_nov_2026():
    assert formats.day(date(2026, 11, 9)) == "9 Nov 2026"
    assert formats.day(date(2026, 12, 25)) == "25 Dec 2026"


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0.2, "1 second"),
        (45, "45 seconds"),
        (60, "1 minute"),
        (61, "2 minutes"),
        (1732, "29 minutes"),
        (3600, "60 minutes"),
        (7200, "2 hours"),
        (7201, "3 hours"),
    ],
)
def test_a_wait_reads_in_the_largest_sensible_unit_never_shorter(seconds, words):
    assert formats.wait(seconds) == words


def test_month_ticks_never_read_as_a_day():
    months = [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]
    assert formats.month_ticks(months) == ["Nov 2026", "Dec", "Jan 2027", "Feb"]


def test_money_names_its_currency(settings):
    settings.PILOTGATE_CURRENCY = "EUR"
    assert formats.money(Decimal("4200")) == "4,200.00 EUR"
    assert formats.money(None) == "—"


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


def test_every_page_showing_money_names_its_currency(client, draft, sponsor, settings):
    """The run cost was a bare number: 1000 of what?"""
    settings.PILOTGATE_CURRENCY = "EUR"
    client.force_login(sponsor)
    plan_step = client.get(reverse("pilots:register", args=[draft.reference, "plan"]))
    assert (
        '<label for="id_run_cost_per_month">Run cost per month (EUR)' in plan_step.content.decode()
    )
    assert "Expected monthly cost in production, in EUR" in plan_step.content.decode()

    client.post(
        reverse("pilots:register", args=[draft.reference, "plan"]),
        {
            **model_to_dict(draft.operating_plan),
            # The people picker takes the person's username, not their id.
            "budget_holder": draft.operating_plan.budget_holder.username,
            "run_cost_per_month": "1500",
            "then": "stay",
        },
    )
    page = client.get(reverse("pilots:detail", args=[draft.reference])).content.decode()
    assert "<dt>Run cost per month</dt><dd>1,500.00 EUR</dd>" in page
    history = client.get(reverse("pilots:history", args=[draft.reference])).content.decode()
    assert '<span class="field-name">Run cost per month (EUR)</span>: 1000 → 1500' in history


def test_the_api_describes_the_currency_of_the_run_cost(client, sponsor):
    client.force_login(sponsor)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    plan = schema["components"]["schemas"]["OperatingPlan"]["properties"]["run_cost_per_month"]
    assert "in GBP (an ISO 4217 code)" in plan["description"]


def test_the_admin_shows_the_run_cost_with_its_currency(client, draft, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("admin:pilots_operatingplan_changelist")).content.decode()
    assert "1,000.00 GBP" in html
