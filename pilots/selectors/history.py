"""The audit history as people read it: names, the app's dates, labels, choices' labels.

``PilotEvent.changes`` keeps what was written (``{field: [before, after]}``: column
names, stored choice values, usernames, ISO dates). This module is the one place
that turns it into words: each field by its model's ``verbose_name``, each value
as the app shows it. Which model an event's fields belong to follows from its
action (``EVENT_MODELS``); a field no model has (a contract field's label, the
plan's order) is shown as written, its dates and moments formatted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from pilots.frame import formats
from pilots.models import (
    CheckIn,
    CheckpointDecision,
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    OperatingPlan,
    Pilot,
    PilotEvent,
    PilotMembership,
)

Action = PilotEvent.Action
# The models whose fields an event's changes name, first match first; the pilot last.
EVENT_MODELS: dict[str, tuple[type[models.Model], ...]] = {
    Action.MEMBER_ADDED: (PilotMembership,),
    Action.MEMBER_REMOVED: (PilotMembership,),
    Action.METRIC_ADDED: (Metric,),
    Action.METRIC_CHANGED: (Metric,),
    Action.METRIC_LOCKED_CHANGE: (Metric,),
    Action.READING_RECORDED: (MetricReading,),
    Action.READING_DELETED: (MetricReading,),
    Action.READINGS_INGESTED: (MetricReading,),
    Action.INFRASTRUCTURE_ANSWERED: (InfrastructureAnswer,),
    Action.WAIVER_APPROVED: (InfrastructureAnswer,),
    Action.PLAN_CHANGED: (OperatingPlan,),
    Action.TASK_ADDED: (KnowledgeTransferTask,),
    Action.TASK_CHANGED: (KnowledgeTransferTask,),
    Action.TASK_COMPLETED: (KnowledgeTransferTask,),
    Action.TASK_CONFIRMED: (KnowledgeTransferTask,),
    Action.TASK_DECLINED: (KnowledgeTransferTask,),
    Action.TASK_REORDERED: (KnowledgeTransferTask,),
    Action.CHECKIN_RECORDED: (CheckIn,),
    Action.CHECKPOINT_DECIDED: (CheckpointDecision,),
}
# Fields that hold an amount of money: their label names the currency.
MONEY_FIELDS = frozenset({"run_cost_per_month"})
# The history's people filter: events no person made (a job's).
BY_THE_SYSTEM = "system"
NONE = "—"


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ReadableEvent:
    """An event as the history shows it: the event, and its changes in words."""

    event: PilotEvent
    changes: list[Change]

    def __getattr__(self, name: str) -> Any:  # the template reads the event's own fields
        if name == "event":  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        return getattr(self.event, name)


def model_field(action: str, name: str) -> models.Field | None:
    candidates: tuple[type[models.Model], ...] = (*EVENT_MODELS.get(action, ()), Pilot)
    for model in candidates:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(field, models.Field):
            return field
    return None


def field_label(action: str, name: str) -> str:
    """``planned_end`` → ``Planned end``; a key that is already a label is kept."""
    if not name.isidentifier():
        return name
    field = model_field(action, name)
    words = str(field.verbose_name) if field else name.replace("_", " ")
    label = words[:1].upper() + words[1:]
    return f"{label} ({formats.currency()})" if name in MONEY_FIELDS else label


def moment(value: str) -> str | None:
    """A stored moment (ISO 8601 with its offset) in local time, ``1 Mar 2026 12:00``."""
    if len(value) < 19 or value[10:11] not in ("T", " "):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(parsed):
        return None
    local = timezone.localtime(parsed)
    return f"{formats.day(local.date())} {local:%H:%M}"


def day(value: str) -> str | None:
    """A stored day (``2026-06-01``) as ``1 Jun 2026``."""
    if len(value) != 10 or value[4::3] != "--":
        return None
    try:
        return formats.day(date.fromisoformat(value))
    except ValueError:
        return None


def is_person(field: models.Field | None) -> bool:
    return bool(field and field.is_relation and field.related_model is get_user_model())


def shown(value: Any, field: models.Field | None, names: dict[str, str]) -> str:
    """One stored value as the app shows it."""
    if value is None or value == "" or value == []:
        return NONE
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(shown(item, None, names) for item in value)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if is_person(field):
        return names.get(str(value), str(value))
    text = str(value)
    return moment(text) or day(text) or text


def usernames_in(events: Iterable[PilotEvent]) -> set[str]:
    return {
        str(value)
        for event in events
        for name, values in event.changes.items()
        if is_person(model_field(event.action, name))
        for value in values
        if value
    }


def full_name(first: str, last: str, username: str) -> str:
    """As ``User.get_full_name() or get_username()``, from the values alone."""
    return f"{first} {last}".strip() or username


def people_names(usernames: set[str]) -> dict[str, str]:
    """Username → full name (else username): one query, none for no username."""
    if not usernames:
        return {}
    rows = (
        get_user_model()
        .objects.filter(username__in=usernames)
        .values_list("username", "first_name", "last_name")
    )
    return {username: full_name(first, last, username) for username, first, last in rows}


def readable_events(events: Iterable[PilotEvent]) -> list[ReadableEvent]:
    """These events in words, with at most one query (the names of the people they name)."""
    events = list(events)
    names = people_names(usernames_in(events))
    return [
        ReadableEvent(
            event=event,
            changes=[
                Change(
                    label=field_label(event.action, name),
                    before=shown(before, field, names),
                    after=shown(after, field, names),
                )
                for name, (before, after) in event.changes.items()
                for field in [model_field(event.action, name)]
            ],
        )
        for event in events
    ]


def history_events(pilot: Pilot, *, action: str = "", person: str = "") -> QuerySet[PilotEvent]:
    """The pilot's events, newest first, of one kind (``action``) and by one person (a
    user id, or ``BY_THE_SYSTEM``), when given."""
    events = pilot.events.select_related("actor").order_by("-at", "-id")
    if action:
        events = events.filter(action=action)
    if person == BY_THE_SYSTEM:
        events = events.filter(actor__isnull=True)
    elif person:
        events = events.filter(actor_id=int(person))
    return events


def history_people(pilot: Pilot) -> list[tuple[str, str]]:
    """Who acted on the pilot, by name (value: user id), then the system if it did: 1 query."""
    rows = (
        get_user_model()
        .objects.filter(Q(pk__in=pilot.events.values("actor")))
        .order_by("first_name", "last_name", "username")
        .values_list("pk", "first_name", "last_name", "username")
    )
    return [(str(pk), full_name(first, last, username)) for pk, first, last, username in rows]
