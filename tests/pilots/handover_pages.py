"""What the readings and handover web tests share: a metric, readings, task data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.urls import reverse
from django.utils.html import escape

from pilots.enums import ReadingSource, TaskKind
from pilots.models import Metric, MetricReading, Pilot

TODAY = date(2026, 3, 1)


HTMX = {"HTTP_HX_REQUEST": "true"}


def shows(response, message: str) -> bool:
    return escape(message) in response.content.decode()


def pilot_url(pilot: Pilot, anchor: str) -> str:
    return reverse("pilots:detail", args=[pilot.reference]) + f"#{anchor}"


def reading_data(metric: Metric, **fields: str) -> dict[str, str]:
    values = {"observed_on": "2026-02-20", "value": "33.5", "note": "From the warehouse", **fields}
    return {f"m{metric.pk}-{name}": value for name, value in values.items()}


def reading_by(metric: Metric, user, day: date = date(2026, 2, 1), value: str = "12"):
    return MetricReading.objects.create(
        metric=metric,
        observed_on=day,
        value=Decimal(value),
        recorded_by=user,
        source=ReadingSource.WEB,
    )


def task_data(**fields) -> dict[str, str]:
    return {
        "title": "Walk the service desk through the runbook",
        "kind": TaskKind.RUNBOOK,
        "assignee": "",
        "receiver": "",
        "receiver_team": "Service desk",
        "due_on": "2026-06-01",
        "evidence_url": "",
        **{name: str(value) for name, value in fields.items()},
    }
