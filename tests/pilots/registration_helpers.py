"""What the registration wizard's web tests share: drafts, step addresses and form data."""

from __future__ import annotations

import itertools
from datetime import date

from django.urls import reverse
from django.utils.html import escape

from pilots.enums import InfrastructureItem
from pilots.models import (
    Pilot,
    PilotEvent,
)

TODAY = date(2026, 3, 1)


STEPS = ["basics", "metric", "owner", "operations", "infrastructure", "plan", "review"]


NEXT_STEP = dict(itertools.pairwise(STEPS))


TARGET_NOT_BEYOND = (
    "The target must be above the baseline when higher is better, "
    "and below it when lower is better."
)


def step_url(pilot: Pilot, step: str) -> str:
    return reverse("pilots:register", args=[pilot.reference, step])


def shows(response, message: str) -> bool:
    return escape(message) in response.content.decode()


def basics_data(**overrides) -> dict[str, str]:
    return {
        "title": "Claims triage",
        "problem_statement": "Claims wait days for a first look.",
        "business_unit": "",
        "planned_start": "2026-04-01",
        "planned_end": "2026-09-30",
        **overrides,
    }


def metric_data(**overrides) -> dict[str, str]:
    return {
        "name": "Claims triaged per hour",
        "unit": "claims",
        "direction": "increase",
        "baseline": "10",
        "target": "25",
        "target_date": "2026-06-30",
        "cadence": "weekly",
        "data_source": "Claims warehouse",
        "baseline_measured_on": "2025-12-01",
        "baseline_method": "4-week average of the claims ledger",
        "baseline_source": "Claims DB",
        **overrides,
    }


def infrastructure_data(**per_item: dict[str, str]) -> dict[str, str]:
    """Every checklist item answered "yes" with evidence, unless overridden per item."""
    data: dict[str, str] = {}
    for item in InfrastructureItem:
        fields = {
            "answer": "yes",
            "evidence_url": f"https://ci.example.com/{item.value}",
            "notes": "",
            **per_item.get(item.value, {}),
        }
        data.update({f"{item.value}-{name}": value for name, value in fields.items()})
    return data


def plan_data(**overrides) -> dict[str, str]:
    return {
        "run_cost_per_month": "1500",
        "support_model": "Service desk, business hours",
        "monitoring_plan": "Drift and error dashboards",
        "incident_process": "Raised in the service desk",
        "model_maintenance": "Quarterly retraining",
        "budget_holder": "",
        **overrides,
    }


def step_data(step: str, owner, ops) -> dict[str, str]:
    return {
        "basics": lambda: basics_data(),
        "metric": lambda: metric_data(),
        "owner": lambda: {"action": "nominate", "nominate-owner": owner.username},
        "operations": lambda: {"operations_owner": ops.username, "receiving_team": "Claims IT"},
        "infrastructure": lambda: infrastructure_data(),
        "plan": lambda: plan_data(budget_holder=ops.username),
    }[step]()


STEP_EVENTS = {
    "basics": PilotEvent.Action.UPDATED,
    "metric": PilotEvent.Action.METRIC_ADDED,
    "owner": PilotEvent.Action.OWNER_NOMINATED,
    "operations": PilotEvent.Action.UPDATED,
    "infrastructure": PilotEvent.Action.INFRASTRUCTURE_ANSWERED,
    "plan": PilotEvent.Action.PLAN_CHANGED,
}
