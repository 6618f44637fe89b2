"""The transactional outbox: tasks recorded with the write, relayed to the broker after.

A write that needs follow-up work (its pilot's scorecard refresh, a reminder's
email) calls ``outbox_record`` inside its transaction: one ``OutboxMessage``
row per task, committed or rolled back with the write. After the commit the
same process relays those rows at once (``on_commit``); when the broker is
down they stay pending, and ``outbox_relay_pending`` (the beat job
``pilots.outbox_relay``, every ``PILOTGATE_OUTBOX_RELAY_EVERY_SECONDS``) hands
them over once it is back.

Several relays may run at once (every web process after its commits, the beat
job): each takes its rows with ``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL (on SQLite the IMMEDIATE transactions take turns), and a row is
marked relayed in the transaction that sent it. A relay that dies between the
broker's acceptance and its commit sends the row again later: the tasks are
idempotent (at least once, never lost).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import current_app as celery_app
from django.db import transaction
from django.db.models import Count, F, Min
from django.utils import timezone

from pilots.models import OutboxMessage

log = logging.getLogger(__name__)

# Rows one relay transaction takes.
RELAY_BATCH = 1000
# Tasks whose one list argument may be merged across pending rows: a refresh of
# the same pilot pending twice is sent once, and a backlog of refreshes goes out
# as a few tasks of up to MERGE_CHUNK pilots each.
MERGED = {"scorecards.recompute": "pilot_ids"}
MERGE_CHUNK = 500
# Relayed rows are kept this long (to answer "did it go?"), then deleted.
KEEP_RELAYED = timedelta(days=1)


@dataclass
class RelayOutcome:
    """What a relay did: rows handed over, tasks sent, rows left pending and why."""

    relayed: int = 0
    sent: int = 0
    pending: int = 0
    error: str = ""

    def add(self, other: RelayOutcome) -> None:
        self.relayed += other.relayed
        self.sent += other.sent
        self.pending += other.pending
        self.error = other.error or self.error


class OutboxRelay:
    """The on-commit relay of the rows one atomic block recorded.

    ``outcome`` is empty until the transaction commits and the relay ran; then
    it says how many were handed to the broker (the commands report it).
    """

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.keys: set[tuple[str, str]] = set()
        self.outcome: RelayOutcome | None = None

    def __call__(self) -> None:
        self.outcome = outbox_relay(ids=self.ids)


def _key(task: str, kwargs: dict[str, Any]) -> tuple[str, str]:
    return task, json.dumps(kwargs, sort_keys=True)


def outbox_record(task: str, kwargs_list: list[dict[str, Any]]) -> OutboxRelay | None:
    """Record one ``task`` per kwargs in the current transaction; relay them after commit.

    Within one atomic block the same task with the same arguments is recorded
    once. Outside any transaction the rows are written and relayed at once.
    Returns the relay (its ``outcome`` once it ran), or None if nothing was new.
    """
    conn = transaction.get_connection()
    relay: OutboxRelay | None = None
    if conn.in_atomic_block:
        # The relay this atomic block (same savepoints) already registered, if any.
        here = set(conn.savepoint_ids)
        relay = next(
            (
                func
                for sids, func, _ in conn.run_on_commit
                if sids == here and isinstance(func, OutboxRelay)
            ),
            None,
        )
    seen = relay.keys if relay else set()
    new: list[dict[str, Any]] = []
    for kwargs in kwargs_list:
        key = _key(task, kwargs)
        if key not in seen:
            seen.add(key)
            new.append(kwargs)
    if not new:
        return relay
    rows = OutboxMessage.objects.bulk_create(
        [OutboxMessage(task=task, kwargs=kwargs) for kwargs in new], batch_size=RELAY_BATCH
    )
    if relay is None:
        relay = OutboxRelay()
        relay.keys = seen
        if conn.in_atomic_block:
            transaction.on_commit(relay, robust=True)
    relay.ids += [row.pk for row in rows]
    if not conn.in_atomic_block:
        relay()
    return relay


def outbox_relay(*, ids: list[int] | None = None, limit: int = RELAY_BATCH) -> RelayOutcome:
    """Hand pending rows (``ids`` only, if given) to the broker; return what happened.

    Stops at the first refusal (the broker is down): the rows not sent stay
    pending, their attempts counted and the error noted; never raises for that.
    """
    outcome = RelayOutcome()
    if ids is not None and not ids:
        return outcome
    with transaction.atomic():
        pending = OutboxMessage.objects.filter(relayed_at__isnull=True)
        if ids is not None:
            pending = pending.filter(pk__in=ids)
        rows = list(
            pending.select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", "task", "kwargs")[:limit]
        )
        done: list[int] = []
        for task, kwargs, pks in _sends(rows):
            try:
                celery_app.send_task(task, kwargs=kwargs)
            except Exception as exc:  # the broker's errors vary by transport
                outcome.error = f"{type(exc).__name__}: {exc}"[:500]
                break
            outcome.sent += 1
            done += pks
        if done:
            OutboxMessage.objects.filter(pk__in=done).update(relayed_at=timezone.now())
        left = sorted({pk for pk, _, _ in rows} - set(done))
        if left:
            OutboxMessage.objects.filter(pk__in=left).update(
                attempts=F("attempts") + 1, last_error=outcome.error
            )
            log.warning(
                "outbox: %d tasks wait for the broker (%s); the relay retries them",
                len(left),
                outcome.error,
            )
    outcome.relayed = len(done)
    outcome.pending = len(left)
    return outcome


def _sends(rows: list[tuple[int, str, Any]]) -> list[tuple[str, dict[str, Any], list[int]]]:
    """The tasks to send for these rows, each with the rows it settles.

    Identical tasks are sent once; the tasks in ``MERGED`` are merged into
    chunks, the rows settled by the last chunk (a partial send repeats
    harmlessly: the tasks are idempotent).
    """
    merged: dict[str, tuple[set[Any], list[int]]] = {}
    exact: dict[tuple[str, str], tuple[dict[str, Any], list[int]]] = {}
    for pk, task, kwargs in rows:
        field = MERGED.get(task)
        if field and isinstance(kwargs, dict) and set(kwargs) == {field}:
            values, pks = merged.setdefault(task, (set(), []))
            values.update(kwargs[field])
            pks.append(pk)
        else:
            exact.setdefault(_key(task, kwargs), (kwargs, []))[1].append(pk)
    sends: list[tuple[str, dict[str, Any], list[int]]] = []
    for task, (values, pks) in merged.items():
        ordered = sorted(values)
        chunks = [ordered[i : i + MERGE_CHUNK] for i in range(0, len(ordered), MERGE_CHUNK)]
        for number, chunk in enumerate(chunks, start=1):
            sends.append((task, {MERGED[task]: chunk}, pks if number == len(chunks) else []))
    for (task, _), (kwargs, pks) in exact.items():
        sends.append((task, kwargs, pks))
    return sends


def outbox_relay_pending(*, batches: int = 20) -> RelayOutcome:
    """Relay every pending row (up to ``batches`` transactions), then purge old relayed rows."""
    total = RelayOutcome()
    for _ in range(batches):
        outcome = outbox_relay()
        total.add(outcome)
        if outcome.error or outcome.relayed < RELAY_BATCH:
            break
    OutboxMessage.objects.filter(relayed_at__lt=timezone.now() - KEEP_RELAYED).delete()
    return total


def outbox_backlog() -> tuple[int, datetime | None]:
    """How many tasks wait to be relayed, and when the oldest was recorded."""
    figures = OutboxMessage.objects.filter(relayed_at__isnull=True).aggregate(
        pending=Count("pk"), oldest=Min("created_at")
    )
    return figures["pending"], figures["oldest"]
