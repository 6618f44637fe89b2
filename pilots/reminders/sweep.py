"""The sweep: record the day's reminders exactly once and deliver the new ones."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, cast

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from pilots.enums import (
    ReminderKind,
    ReminderStatus,
)
from pilots.models import (
    Reminder,
)
from pilots.reminders.delivery import CLAIM_TIMEOUT, DeliveryFailed, reminder_deliver
from pilots.reminders.due import LOCAL, Due
from pilots.reminders.rules import reminders_due
from pilots.services.notifications import (  # noqa: F401 (DELIVER_TASK: named here too)
    DELIVER_TASK,
    TEXT_LENGTH,
    enqueue_deliveries,
    fit,
)
from pilots.services.outbox import OutboxRelay

log = logging.getLogger(__name__)


def period_of(day: date) -> str:
    """The period a reminder is sent at most once in: the ISO week (``2026-W48``)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


# --- The sweep ---------------------------------------------------------------------------


@dataclass
class SweepResult:
    day: date
    period: str
    due: int
    dry_run: bool
    # Reminders this sweep recorded (or, in a dry run, would record).
    new: list[Due] = field(default_factory=list)
    reminder_ids: list[int] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    # deliver="queue": the outbox relay of the emails, its outcome set after the commit.
    relay: OutboxRelay | None = None


Delivery = Literal["queue", "inline"]


def reminders_sweep(
    *, day: date | None = None, dry_run: bool = False, deliver: Delivery = "queue"
) -> SweepResult:
    """Record the reminders due on ``day`` (default: today, local) and deliver the new ones.

    ``deliver="queue"`` records a Celery task per new reminder in the outbox,
    relayed to the broker after commit (beat's daily run); ``"inline"`` emails
    them in this process (the management command: works with no worker running). A dry run writes
    nothing and reports what a real run would record.
    """
    day = day or timezone.localdate(timezone=LOCAL())
    period = period_of(day)
    due = reminders_due(day)
    result = SweepResult(day=day, period=period, due=len(due), dry_run=dry_run)
    # Most days of a week re-find what Monday recorded: leave those out before
    # inserting. ON CONFLICT below still settles two sweeps racing each other.
    # A kind told once per episode (``Due.period``) is looked up under its episode's period.
    episodes = {item.period for item in due if item.period}
    recorded = set(
        Reminder.objects.filter(Q(period=period) | Q(period__in=episodes)).values_list(
            "pilot_id", "kind", "recipient_id", "period"
        )
    )
    due = sorted(
        (item for item in due if (*item.key, item.period or period) not in recorded),
        key=lambda item: item.key,
    )
    if dry_run or not due:
        result.new = due if dry_run else []
        if deliver == "inline" and not dry_run:
            _deliver_inline(result)
        return result

    with transaction.atomic():
        by_key = {item.key: item for item in due}
        for pk, pilot_id, kind, recipient_id in _record(due, period=period, day=day):
            result.reminder_ids.append(pk)
            result.new.append(by_key[(pilot_id, kind, recipient_id)])
        if deliver == "queue":
            # In the outbox, in this transaction: relayed to the broker after the commit.
            result.relay = enqueue_deliveries(list(result.reminder_ids))
    log.info(
        "reminder sweep %s (%s): %d due, %d new", day, period, result.due, len(result.reminder_ids)
    )
    if deliver == "inline":
        _deliver_inline(result)
    return result


def _record(due: list[Due], *, period: str, day: date) -> list[tuple[int, int, str, int]]:
    """Insert the reminders, skipping any already recorded; return the rows *this* call inserted.

    On PostgreSQL one ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING
    RETURNING``: the conflict decides, and RETURNING names only our rows. Elsewhere
    (SQLite, for development) ``bulk_create(ignore_conflicts=True)`` with a sweep id
    on every row, then a read of the rows carrying it.
    """
    sweep = uuid.uuid4()
    now = timezone.now()
    # Texts fit their columns whatever the names and titles in them.
    due = [
        Due(
            item.pilot_id,
            item.kind,
            item.recipient_id,
            fit(item.reason),
            fit(item.action),
            item.link[:TEXT_LENGTH],
            item.period or period,
        )
        for item in due
    ]
    if connection.vendor == "postgresql":
        meta = Reminder._meta
        # A concrete field always has a column (Field.column is typed optional).
        column = {
            f.name: connection.ops.quote_name(cast(str, f.column)) for f in meta.concrete_fields
        }
        per_row = ("pilot", "kind", "recipient", "reason", "action", "link", "period")
        per_sweep = ("day", "sweep", "created_at", "status", "attempts", "last_error")
        table = connection.ops.quote_name(meta.db_table)
        names = ", ".join(column[name] for name in (*per_row, *per_sweep))
        constants = ", ".join(["%s"] * len(per_sweep))
        returning = ", ".join(column[name] for name in ("id", "pilot", "kind", "recipient"))
        arrays = (
            "%s::bigint[], %s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[]"
        )
        # Only the model's own quoted table and column names are formatted in.
        sql = (
            f"INSERT INTO {table} ({names}) SELECT t.*, {constants} "  # noqa: S608
            f"FROM unnest({arrays}) AS t ON CONFLICT DO NOTHING RETURNING {returning}"
        )
        columns = list(
            zip(
                *(
                    (d.pilot_id, d.kind, d.recipient_id, d.reason, d.action, d.link, d.period)
                    for d in due
                ),
                strict=True,
            )
        )
        params: list[Any] = [
            day,
            sweep,
            now,
            ReminderStatus.PENDING.value,
            0,
            "",
            *map(list, columns),
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return sorted(cursor.fetchall())
    Reminder.objects.bulk_create(
        [
            Reminder(
                pilot_id=item.pilot_id,
                kind=item.kind,
                recipient_id=item.recipient_id,
                period=item.period,
                day=day,
                sweep=sweep,
                reason=item.reason,
                action=item.action,
                link=item.link,
                created_at=now,
            )
            for item in due
        ],
        ignore_conflicts=True,
    )
    return list(
        Reminder.objects.filter(sweep=sweep)
        .order_by("pk")
        .values_list("pk", "pilot_id", "kind", "recipient_id")
    )


def _deliver_inline(result: SweepResult) -> None:
    """Email this sweep's new reminders here, then the week's earlier ones still unsent.

    The second part is the catch-up after an outage: reminders recorded earlier
    this week whose email failed, or whose task was lost, go out now (the claim
    keeps each to one email even if a worker is on it too). One reminder's
    error never stops the others.
    """
    monday = result.day - timedelta(days=result.day.weekday())
    earlier = (
        Reminder.objects.filter(
            Q(period=result.period) | Q(kind__in=ReminderKind.EPISODES, day__gte=monday)
        )
        .filter(
            Q(status=ReminderStatus.PENDING)
            | Q(status=ReminderStatus.SENDING, claimed_at__lt=timezone.now() - CLAIM_TIMEOUT)
        )
        .exclude(pk__in=result.reminder_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for reminder_id in [*result.reminder_ids, *earlier]:
        try:
            outcome = reminder_deliver(reminder_id=reminder_id)
        except DeliveryFailed as exc:
            log.warning("reminder %s: email failed (%s)", reminder_id, exc)
            outcome = ReminderStatus.FAILED if exc.final else "retry"
        except Exception:  # one broken reminder must not hold back the rest
            log.exception("reminder %s: delivery failed", reminder_id)
            outcome = "error"
        result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
