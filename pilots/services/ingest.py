"""Bulk reading ingest: many readings of one or many metrics, validated as a whole.

The API's bulk endpoint and the web app's CSV import both call
``readings_ingest``. It is idempotent by (metric, day), so a pipeline can
resend: a day sent again with the same value and note changes nothing, a new
value or note updates it. Either every row is valid and the batch is written
in one transaction, with one history event per metric, or nothing is written
and every invalid row is named with its number.

It is set-based (a fixed number of queries for 1 or 10,000 rows): per-row
``reading_record`` calls would cost a few milliseconds each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone
from psycopg import sql

from pilots.enums import ID_MAX, ReadingSource, Stage
from pilots.errors import NotAllowed, RowError, RowsInvalid
from pilots.models import Metric, MetricReading, Pilot, PilotEvent, PilotMembership
from pilots.permissions import READING_RECORDERS, pilot_roles, visible_pilots_filter
from pilots.services.audit import plain, refreshes_after_commit

# A reading's value: up to 12 digits before the point and 4 after (the column's size).
VALUE_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,4})?$"
VALUE_MAX = Decimal("999999999999.9999")
# A CharField, so its max_length is set.
NOTE_MAX_LENGTH = cast(int, MetricReading._meta.get_field("note").max_length)
_VALUE_RE = re.compile(VALUE_PATTERN)
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def max_rows() -> int:
    return settings.PILOTGATE_INGEST_MAX_ROWS


@dataclass(frozen=True)
class ReadingRow:
    row: int  # counted from 1, as the sender numbers them
    metric_id: int
    observed_on: date
    value: Decimal
    note: str


@dataclass
class MetricOutcome:
    metric: Metric
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: dict[str, list[Any]] = field(default_factory=dict)  # {day: [before, after]}


@dataclass
class IngestResult:
    metrics: list[MetricOutcome]
    written: bool

    @property
    def created(self) -> int:
        return sum(outcome.created for outcome in self.metrics)

    @property
    def updated(self) -> int:
        return sum(outcome.updated for outcome in self.metrics)

    @property
    def unchanged(self) -> int:
        return sum(outcome.unchanged for outcome in self.metrics)


# --- Parsing: one row's fields ----------------------------------------------------------


def number_to_decimal(
    raw: int | float, *, places: int, lowest: Decimal, highest: Decimal
) -> Decimal:
    """A JSON number as a decimal with ``places`` decimal places.

    To most senders a JSON number is a binary float (0.1 + 0.2 is
    0.30000000000000004), so it is rounded (half to even) rather than refused
    for its trailing digits; the range is checked before rounding.
    """
    value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    if not value.is_finite() or not lowest <= value <= highest:
        raise ValueError(f"Enter a number between {lowest} and {highest}.")
    # Adding 0 turns a negative zero (a tiny negative number, rounded) into 0.
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN) + 0


def parse_value(raw: Any) -> Decimal:
    """A decimal from a JSON number (rounded to 4 places) or a string such as ``"12.5"``."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError("Give the value as a number or a string such as “12.5”.")
    if isinstance(raw, str):
        text = raw.strip()
        if not _VALUE_RE.match(text):
            raise ValueError(
                "Enter a number with at most 12 digits before the point and 4 after, "
                "such as 12.5 (no thousands separators)."
            )
        return Decimal(text)
    return number_to_decimal(raw, places=4, lowest=-VALUE_MAX, highest=VALUE_MAX)


def parse_day(raw: Any) -> date:
    if not isinstance(raw, str) or not _DATE_RE.match(raw.strip()):
        raise ValueError("Enter the day as YYYY-MM-DD.")
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError("Enter a real day as YYYY-MM-DD.") from None


def parse_metric(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= ID_MAX:
        raise ValueError("Give the metric's id, a positive whole number.")
    return raw


def parse_note(raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError("Give the note as text.")
    if "\x00" in raw:
        raise ValueError("The note cannot contain a null character.")
    if len(raw) > NOTE_MAX_LENGTH:
        raise ValueError(f"Keep the note to {NOTE_MAX_LENGTH} characters.")
    return raw.strip()


def parse_rows(
    raw_rows: Sequence[Any], *, resolve_metric: Callable[[Any], int] = parse_metric
) -> tuple[list[ReadingRow], list[RowError]]:
    """Parse every row; a row is valid only if each of its fields is.

    ``resolve_metric`` turns the ``metric`` field into a metric id (the CSV
    import names metrics); it raises ValueError with the message to show.
    """
    parsers: dict[str, Callable[[Any], Any]] = {
        "metric": resolve_metric,
        "observed_on": parse_day,
        "value": parse_value,
        "note": parse_note,
    }
    rows: list[ReadingRow] = []
    errors: list[RowError] = []
    for number, raw in enumerate(raw_rows, start=1):
        if not isinstance(raw, Mapping):
            errors.append(RowError(number, {"non_field_errors": ["Each row is an object."]}))
            continue
        parsed: dict[str, Any] = {}
        problems: dict[str, list[str]] = {
            str(name): ["Unknown field: a row has metric, observed_on, value and note."]
            for name in raw
            if name not in parsers
        }
        for name, parse in parsers.items():
            if name not in raw:
                if name != "note":
                    problems[name] = ["This field is required."]
                continue
            try:
                parsed[name] = parse(raw[name])
            except ValueError as error:
                problems[name] = [str(error)]
        if problems:
            errors.append(RowError(number, problems))
        else:
            rows.append(
                ReadingRow(
                    row=number,
                    metric_id=parsed["metric"],
                    observed_on=parsed["observed_on"],
                    value=parsed["value"],
                    note=parsed.get("note", ""),
                )
            )
    return rows, errors


# --- The service -------------------------------------------------------------------------


def _recordable_pilots(by: User, pilot_ids: set[int], *, lock: bool) -> dict[int, Pilot]:
    """The pilots of the batch, locked for the write, with this user's membership."""
    # The plan joined: pilot_roles reads the budget holder from it, not a query a pilot.
    queryset = (
        Pilot.objects.filter(pk__in=pilot_ids)
        .select_related("operating_plan")
        .prefetch_related(
            Prefetch("memberships", queryset=PilotMembership.objects.filter(user_id=by.pk))
        )
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",)).order_by("pk")
    pilots = {pilot.pk: pilot for pilot in queryset}
    refused = sorted(
        pilot.reference or str(pilot.pk)
        for pilot in pilots.values()
        if not pilot_roles(by, pilot) & READING_RECORDERS
    )
    if refused:
        raise NotAllowed(
            "Only a pilot's business owner or delivery team may record its readings: "
            f"you may not record readings of {', '.join(refused)}."
        )
    return pilots


# Insert or update readings by (metric, day) from one array per column: one statement
# for the whole batch (PostgreSQL).
UPSERT_SQL = """
INSERT INTO {table} (metric_id, observed_on, value, note, source, recorded_by_id,
                     created_at, updated_at)
SELECT r.metric_id, r.observed_on, r.value, r.note, %(source)s, %(by)s, %(now)s, %(now)s
FROM unnest(%(metrics)s::bigint[], %(days)s::date[], %(values)s::numeric[], %(notes)s::text[])
     AS r (metric_id, observed_on, value, note)
ON CONFLICT (metric_id, observed_on) DO UPDATE
SET value = EXCLUDED.value, note = EXCLUDED.note, source = EXCLUDED.source,
    recorded_by_id = EXCLUDED.recorded_by_id, updated_at = EXCLUDED.updated_at
"""


def array_literal(items: Iterable[str]) -> str:
    """A PostgreSQL array literal of these elements, each quoted: ``{"a","b \\"c\\""}``.

    One string parameter for a whole column, instead of one parameter per value (a
    driver that binds on the client quotes a list's elements one by one, in Python).
    """
    return (
        "{"
        + ",".join('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items)
        + "}"
    )


def write_readings(rows: Sequence[ReadingRow], *, by: User, source: str) -> None:
    """Create or update these readings (at most one per metric and day), in bulk.

    On PostgreSQL one ``INSERT … SELECT FROM unnest … ON CONFLICT`` with one array
    literal per column; elsewhere Django's ``bulk_create`` upsert.
    """
    if connection.vendor != "postgresql":
        MetricReading.objects.bulk_create(
            [
                MetricReading(
                    metric_id=row.metric_id,
                    observed_on=row.observed_on,
                    value=row.value,
                    note=row.note,
                    recorded_by=by,
                    source=source,
                )
                for row in rows
            ],
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["metric", "observed_on"],
            update_fields=["value", "note", "recorded_by", "source", "updated_at"],
        )
        return
    statement = sql.SQL(UPSERT_SQL).format(table=sql.Identifier(MetricReading._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            {
                "source": str(source),
                "by": by.pk,
                "now": timezone.now(),
                "metrics": array_literal(str(row.metric_id) for row in rows),
                "days": array_literal(row.observed_on.isoformat() for row in rows),
                "values": array_literal(str(row.value) for row in rows),
                "notes": array_literal(row.note for row in rows),
            },
        )


@transaction.atomic
def readings_ingest(
    *,
    by: User,
    rows: Sequence[Any],
    source: ReadingSource = ReadingSource.API,
    dry_run: bool = False,
    resolve_metric: Callable[[Any], int] = parse_metric,
) -> IngestResult:
    """Validate ``rows`` as a whole, then create or update their readings.

    Each row is a mapping with ``metric``, ``observed_on`` (YYYY-MM-DD),
    ``value`` and an optional ``note``. Raises ``RowsInvalid`` naming every
    invalid row, ``NotAllowed`` for a pilot whose readings the user may not
    record, and ``ValidationError`` for an empty or oversized batch. With
    ``dry_run`` nothing is written: the result says what would change.
    """
    if not rows:
        raise ValidationError({"readings": "Send at least one reading."})
    if len(rows) > max_rows():
        raise ValidationError(
            {
                "readings": f"Send at most {max_rows():,} readings per request "
                f"(this one has {len(rows):,}): split the rest into further requests."
            }
        )
    parsed, errors = parse_rows(rows, resolve_metric=resolve_metric)

    metric_ids = {row.metric_id for row in parsed}
    metrics = {
        metric.pk: metric
        for metric in Metric.objects.filter(
            pk__in=metric_ids, pilot__in=Pilot.objects.filter(visible_pilots_filter(by))
        )
    }
    pilots = _recordable_pilots(
        by, {metric.pilot_id for metric in metrics.values()}, lock=not dry_run
    )
    for known in metrics.values():
        known.pilot = pilots[known.pilot_id]
    today = timezone.localdate()
    seen: dict[tuple[int, date], int] = {}
    valid: list[ReadingRow] = []
    for row in parsed:
        metric = metrics.get(row.metric_id)
        problems: dict[str, list[str]] = {}
        if metric is None:
            problems["metric"] = [f"There is no metric {row.metric_id} that you can see."]
        else:
            pilot = pilots[metric.pilot_id]
            if pilot.stage not in Stage.READINGS:
                problems["metric"] = [
                    f"{pilot.reference} is {pilot.get_stage_display().lower()}: readings are "
                    "recorded once it is approved, and not after it is stopped."
                ]
        if row.observed_on > today:
            problems["observed_on"] = ["A reading cannot be dated in the future."]
        first = seen.setdefault((row.metric_id, row.observed_on), row.row)
        if first != row.row:
            problems["observed_on"] = [
                f"Row {first} already gives this metric's reading for {row.observed_on}."
            ]
        if problems:
            errors.append(RowError(row.row, problems))
        else:
            valid.append(row)
    if errors:
        raise RowsInvalid(sorted(errors, key=lambda error: error.row), total=len(rows))

    outcomes = {metric_id: MetricOutcome(metrics[metric_id]) for metric_id in sorted(metric_ids)}
    existing = {
        (metric_id, day): (value, note)
        for metric_id, day, value, note in MetricReading.objects.filter(
            metric_id__in=metric_ids,
            observed_on__gte=min(row.observed_on for row in valid),
            observed_on__lte=max(row.observed_on for row in valid),
        ).values_list("metric_id", "observed_on", "value", "note")
    }
    to_write: list[ReadingRow] = []
    for row in valid:
        outcome = outcomes[row.metric_id]
        before = existing.get((row.metric_id, row.observed_on))
        if before == (row.value, row.note):
            outcome.unchanged += 1
            continue
        if before is None:
            outcome.created += 1
        else:
            outcome.updated += 1
        outcome.changes[str(row.observed_on)] = [
            plain(before[0]) if before else None,
            plain(row.value),
        ]
        to_write.append(row)
    result = IngestResult(metrics=list(outcomes.values()), written=not dry_run)
    if dry_run or not to_write:
        return result
    write_readings(to_write, by=by, source=source)
    PilotEvent.objects.bulk_create(
        PilotEvent(
            pilot=pilots[outcome.metric.pilot_id],
            actor=by,
            action=PilotEvent.Action.READINGS_INGESTED,
            subject=(
                f"{outcome.metric.name}: {outcome.created} new, {outcome.updated} changed "
                f"({ReadingSource(source).label.lower()})"
            )[:200],
            changes=outcome.changes,
        )
        for outcome in outcomes.values()
        if outcome.changes
    )
    refreshes_after_commit(sorted({outcome.metric.pilot_id for outcome in outcomes.values()}))
    return result
