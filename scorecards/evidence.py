"""The organisation's own evidence that the practices matter: the one home of its facts.

For every decided pilot (graduated or stopped) four facts say whether it followed
each practice of the doctrine, read from what was recorded:

- **owner accepted before start**: the business owner's status was "accepted" at
  the start (the start decision's moment; for a pilot stopped before it started,
  its stop);
- **production infrastructure at start**: every item of the infrastructure
  checklist was "yes" at that same moment;
- **handover planned before the window**: a knowledge-transfer task was created
  before the first day of the handover window
  (``pilots.timeline.handover_window_opens`` of the actual start, else the planned
  one, and the planned end);
- **critical-segment metric**: the pilot defines a critical-segment metric.

The values "at the start" come from the audit history, whose events carry each
change's values (``PilotEvent.changes``): the last change of the owner's status,
and of each checklist answer, at or before that moment. Where a pilot has no such
event (data older than its history), the current value counts only if it was
written before that moment (``owner_responded_at``, ``answered_at``); otherwise
the fact is unknown (``None``) and the pilot counts on neither side.

Each decided pilot also has its **share of the target reached**: the primary
metric's latest reading, as a share of the way from its baseline to its target,
capped to 0 (no better than the baseline) and 1 (the target or beyond), and
its **realised value per month** in money (``pilots.value``): a graduated
pilot's primary-metric improvement times its value per unit; a stopped pilot with a
priced metric realised none (0); a metric without a value per unit, or no
reading, measures nothing.

``decided_practice_facts`` reads the facts for any number of pilots in three
queries; the recompute stores them on each scorecard, and ``evidence_counts``
counts them with the dashboard's summary (one more query, or the stored portfolio
totals). ``evidence_from`` turns those counts into what the pages show, and
withholds every rate and mean where a side has fewer than the minimum of pilots.

To compare another outcome (a column of the portfolio's table and a field of the
API), store it per pilot on ``Scorecard`` and add an ``Outcome`` to ``OUTCOMES``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone

from pilots.enums import InfrastructureAnswerValue, InfrastructureItem, MetricKind, Stage
from pilots.frame import formats
from pilots.models import (
    GateDecision,
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    Pilot,
    PilotEvent,
)
from pilots.timeline import handover_window_opens
from pilots.value import realised_per_month

DECIDED = sorted(Stage.CLOSED)

# --- The practices and the outcomes compared -----------------------------------------------


@dataclass(frozen=True)
class EvidencePractice:
    key: str  # the Scorecard field that holds the fact (and the API's name for it)
    label: str
    followed: str  # what "followed" means, in a sentence


PRACTICES = (
    EvidencePractice(
        "owner_accepted_at_start",
        "Business owner accepted before the start",
        "The business owner had accepted ownership when the pilot started "
        "(or, for a pilot stopped before it started, when it was stopped). Pilotgate "
        "starts no pilot without one, so only a pilot stopped before its start misses it.",
    ),
    EvidencePractice(
        "infrastructure_yes_at_start",
        "Production infrastructure from the start",
        "Every item of the infrastructure checklist was answered “yes” at that moment, "
        "read from the checklist's history.",
    ),
    EvidencePractice(
        "handover_before_window",
        "Handover planned before the window",
        "A knowledge-transfer task existed before the first day of the handover window.",
    ),
    EvidencePractice(
        "segment_metric_defined",
        "Critical-segment metric defined",
        "The pilot defines a critical-segment metric, where the value hides in an overall rate.",
    ),
)


TOO_FEW = "Too few decided pilots to compare"


def percent(value: float) -> str:
    return f"{value:.0%}"


@dataclass(frozen=True)
class Outcome:
    """One outcome compared between the pilots that followed a practice and the others:
    the mean of a per-pilot ``value`` over the decided pilots where ``measured``."""

    key: str
    heading: str
    value: Any  # an expression over a Scorecard: the pilot's value
    measured: Q  # the pilots that have a value
    show: Callable[[float], str]  # the mean, in words
    detail: str  # the counts beside the mean, in words: {total} and {n}
    withheld: str  # the counts alone, when there are too few to show the mean
    too_few: str  # why the means are withheld, when the practice's sides are comparable


OUTCOMES = (
    Outcome(
        "graduation",
        "Graduated",
        Case(When(stage=Stage.GRADUATED, then=Value(1)), default=Value(0)),
        Q(),
        percent,
        "{total:.0f} of {n}",
        "{total:.0f} of {n}",
        TOO_FEW,  # never alone: every decided pilot counts for it
    ),
    Outcome(
        "target_share",
        "Share of target reached",
        F("target_share"),
        Q(target_share__isnull=False),
        percent,
        "mean of {n} with readings",
        "{n} with readings",
        "Too few with readings to compare the share of the target",
    ),
    Outcome(
        "value_per_month",
        "Realised value per month",
        Cast(F("value_per_month"), FloatField()),
        Q(value_per_month__isnull=False),
        lambda mean: formats.money(Decimal(str(round(mean, 2)))),
        "mean of {n} with a value per unit",
        "{n} with a value per unit",
        "Too few with a value per unit to compare the value realised",
    ),
)
SIDES = (("followed", True), ("not_followed", False))


# --- The facts, as pure functions -------------------------------------------------------------


@dataclass(frozen=True)
class PracticeFacts:
    """A decided pilot's facts: each practice followed (True), not (False) or unknown."""

    owner_accepted_at_start: bool | None
    infrastructure_yes_at_start: bool | None
    handover_before_window: bool | None
    segment_metric_defined: bool | None
    target_share: float | None
    value_per_month: Decimal | None = None


Changes = list[tuple[datetime, Any]]  # (when, the value after the change), oldest first


def value_at(changes: Changes, moment: datetime) -> tuple[bool, Any]:
    """(known, value): the value after the last change at or before ``moment``."""
    before = [value for at, value in changes if at <= moment]
    return (True, before[-1]) if before else (False, None)


def owner_accepted_at(
    moment: datetime | None,
    changes: Changes,
    *,
    status: str,
    responded_at: datetime | None,
) -> bool | None:
    """Was the owner's status "accepted" at ``moment``? From the history of its changes;
    without any, from the current status if it was answered by then."""
    if moment is None:
        return None
    if changes:
        known, value = value_at(changes, moment)
        return known and value == "accepted"
    if status == "accepted" and responded_at is not None:
        return responded_at <= moment
    return False


def infrastructure_yes_at(
    moment: datetime | None,
    changes: Mapping[str, Changes],
    current: Mapping[str, tuple[str, datetime]],
) -> bool | None:
    """Was every checklist item "yes" at ``moment``? Each item's answer is its last change
    at or before it; an item without history counts with its current answer if that was
    written by then. One item not "yes" is enough for False; an item that cannot be
    known (answered since, with no history) leaves a True unknown."""
    if moment is None:
        return None
    unknown = False
    for item in InfrastructureItem.values:
        if changes.get(item):
            known, answer = value_at(changes[item], moment)
        elif item in current and current[item][1] <= moment:
            known, answer = True, current[item][0]
        elif item in current:
            known, answer = False, None
        else:
            known, answer = True, None  # never answered
        if not known:
            unknown = True
        elif answer != InfrastructureAnswerValue.YES:
            return False
    return None if unknown else True


def handover_before_window(
    *, start: date | None, end: date | None, first_task_on: date | None
) -> bool | None:
    """Was a task created before the handover window's first day? Unknown without dates."""
    if start is None or end is None or end < start:
        return None
    return first_task_on is not None and first_task_on < handover_window_opens(start, end)


def target_share(
    *, baseline: Decimal | None, target: Decimal | None, latest: Decimal | None
) -> float | None:
    """The latest reading's share of the way from baseline to target, within [0, 1]."""
    if baseline is None or target is None or latest is None or target == baseline:
        return None
    share = (latest - baseline) / (target - baseline)
    return float(min(max(share, Decimal(0)), Decimal(1)))


# --- Read from the pilots (the selector) ------------------------------------------------------

ITEM_OF_SUBJECT = {
    **{str(item.label): item.value for item in InfrastructureItem},
    **{item.value: item.value for item in InfrastructureItem},
}


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def decided_practice_facts(pilot_ids: Iterable[int] | None = None) -> dict[int, PracticeFacts]:
    """The facts of every decided pilot among ``pilot_ids`` (default: all), in 3 queries."""
    scope = Q(pilot__stage__in=DECIDED)
    pilots = Pilot.objects.filter(stage__in=DECIDED)
    if pilot_ids is not None:
        ids = list(pilot_ids)
        scope &= Q(pilot_id__in=ids)
        pilots = pilots.filter(pk__in=ids)
    decisions = GateDecision.objects.filter(pilot=OuterRef("pk")).order_by()
    primary = Metric.objects.filter(pilot=OuterRef("pk"), kind=MetricKind.PRIMARY)
    rows = pilots.annotate(
        started_at=Subquery(
            decisions.filter(to_stage=Stage.RUNNING).order_by("decided_at").values("decided_at")[:1]
        ),
        decided_at=Subquery(
            decisions.filter(to_stage__in=DECIDED).order_by("-decided_at").values("decided_at")[:1]
        ),
        first_task_at=Subquery(
            KnowledgeTransferTask.objects.filter(pilot=OuterRef("pk"))
            .order_by("created_at")
            .values("created_at")[:1]
        ),
        has_segment=Exists(
            Metric.objects.filter(pilot=OuterRef("pk"), kind=MetricKind.CRITICAL_SEGMENT)
        ),
        baseline=Subquery(primary.values("baseline")[:1]),
        target=Subquery(primary.values("target")[:1]),
        direction=Subquery(primary.values("direction")[:1]),
        value_per_unit=Subquery(primary.values("value_per_unit")[:1]),
        latest=Subquery(
            MetricReading.objects.filter(
                metric__pilot=OuterRef("pk"), metric__kind=MetricKind.PRIMARY
            )
            .order_by("-observed_on")
            .values("value")[:1]
        ),
    ).values(
        "pk",
        "stage",
        "started_on",
        "planned_start",
        "planned_end",
        "owner_status",
        "owner_responded_at",
        "started_at",
        "decided_at",
        "first_task_at",
        "has_segment",
        "baseline",
        "target",
        "latest",
        "direction",
        "value_per_unit",
    )
    owner_changes: dict[int, Changes] = defaultdict(list)
    answer_changes: dict[int, dict[str, Changes]] = defaultdict(lambda: defaultdict(list))
    for pilot_id, at, action, subject, changes in (
        PilotEvent.objects.filter(scope)
        .filter(
            Q(action=PilotEvent.Action.INFRASTRUCTURE_ANSWERED, changes__has_key="answer")
            | Q(changes__has_key="owner_status")
        )
        .order_by("at", "pk")
        .values_list("pilot_id", "at", "action", "subject", "changes")
    ):
        if "owner_status" in changes:
            owner_changes[pilot_id].append((at, changes["owner_status"][1]))
        if action == PilotEvent.Action.INFRASTRUCTURE_ANSWERED and subject in ITEM_OF_SUBJECT:
            answer_changes[pilot_id][ITEM_OF_SUBJECT[subject]].append((at, changes["answer"][1]))
    answers: dict[int, dict[str, tuple[str, datetime]]] = defaultdict(dict)
    for pilot_id, item, answer, answered_at in InfrastructureAnswer.objects.filter(
        scope
    ).values_list("pilot_id", "item", "answer", "answered_at"):
        answers[pilot_id][item] = (answer, answered_at)

    facts = {}
    for row in rows:
        pk = row["pk"]
        # The start decision, else the start's day (data without it); never started: its stop.
        moment = row["started_at"] or (
            start_of(row["started_on"]) if row["started_on"] else row["decided_at"]
        )
        first_task_at = row["first_task_at"]
        facts[pk] = PracticeFacts(
            owner_accepted_at_start=owner_accepted_at(
                moment,
                owner_changes.get(pk, []),
                status=row["owner_status"],
                responded_at=row["owner_responded_at"],
            ),
            infrastructure_yes_at_start=infrastructure_yes_at(
                moment, answer_changes.get(pk, {}), answers.get(pk, {})
            ),
            handover_before_window=handover_before_window(
                start=row["started_on"] or row["planned_start"],
                end=row["planned_end"],
                first_task_on=timezone.localdate(first_task_at) if first_task_at else None,
            ),
            segment_metric_defined=row["has_segment"],
            target_share=target_share(
                baseline=row["baseline"], target=row["target"], latest=row["latest"]
            ),
            value_per_month=realised_value(row),
        )
    return facts


def realised_value(row: Mapping[str, Any]) -> Decimal | None:
    """A decided pilot's value realised per month: a graduated one's improvement priced
    (``pilots.value``), a stopped one's none (0) when its metric has a price."""
    if row["value_per_unit"] is None:
        return None
    if row["stage"] != Stage.GRADUATED:
        return Decimal(0)
    return realised_per_month(
        direction=row["direction"] or "",
        baseline=row["baseline"],
        latest=row["latest"],
        value_per_unit=row["value_per_unit"],
    )


# --- Counted over scorecards ------------------------------------------------------------------


def figure_key(practice: str, side: str, what: str) -> str:
    return f"evidence__{practice}__{side}__{what}"


def evidence_counts(scorecards: QuerySet) -> dict[str, float]:
    """The counts and sums ``evidence_from`` reads, over these scorecards, in one query.

    Grouped by the four facts (a few dozen groups at most) and added up here: far
    cheaper than a filtered aggregate per practice, side and outcome over every row.
    """
    counts: dict[str, float] = dict.fromkeys(EVIDENCE_KEYS, 0)
    keys = [practice.key for practice in PRACTICES]
    groups = (
        scorecards.filter(stage__in=DECIDED)
        .order_by()
        .values(*keys)
        .annotate(
            decided=Count("pk"),
            **{f"{outcome.key}_n": Count("pk", filter=outcome.measured) for outcome in OUTCOMES},
            **{
                f"{outcome.key}_total": Sum(outcome.value, filter=outcome.measured)
                for outcome in OUTCOMES
            },
        )
    )
    for group in groups:
        for key in keys:
            if group[key] is None:
                continue  # not known: on neither side
            side = "followed" if group[key] else "not_followed"
            for what in WHATS:
                counts[figure_key(key, side, what)] += group[what] or 0
    return counts


WHATS = (
    "decided",
    *(f"{outcome.key}_{what}" for outcome in OUTCOMES for what in ("n", "total")),
)
EVIDENCE_KEYS = frozenset(
    figure_key(practice.key, side, what)
    for practice in PRACTICES
    for side, _ in SIDES
    for what in WHATS
)


# --- Presented --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One outcome over the pilots of one side: how many have it, and their total."""

    outcome: Outcome
    n: int
    total: float
    shown: bool  # enough pilots on both sides to show the mean

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.shown and self.n else None


@dataclass(frozen=True)
class Side:
    followed: bool
    decided: int
    measures: tuple[Measure, ...]


@dataclass(frozen=True)
class Split:
    """One practice: the decided pilots that followed it against those that did not."""

    practice: EvidencePractice
    followed: Side
    not_followed: Side
    unknown: int  # decided pilots whose fact could not be known
    comparable: bool  # at least the minimum of pilots on each side

    @property
    def notes(self) -> list[str]:
        """Why means are withheld: too few pilots on a side, or too few measured."""
        if not self.comparable:
            return [TOO_FEW]
        shown = [measure.shown for measure in self.followed.measures]
        return [o.too_few for o, on in zip(OUTCOMES, shown, strict=True) if not on]


@dataclass(frozen=True)
class Evidence:
    decided: int
    minimum: int
    splits: tuple[Split, ...]


def evidence_from(figures: Mapping[str, Any], *, decided: int, minimum: int) -> Evidence:
    """The splits the counted ``figures`` give, with every mean withheld (None) where a side
    has fewer than ``minimum`` pilots (decided, or with the outcome measured)."""
    splits = []
    for practice in PRACTICES:

        def count(side: str, what: str, key: str = practice.key) -> Any:
            return figures.get(figure_key(key, side, what)) or 0

        comparable = all(count(side, "decided") >= minimum for side, _ in SIDES)
        shown = {
            outcome.key: comparable
            and all(count(side, f"{outcome.key}_n") >= minimum for side, _ in SIDES)
            for outcome in OUTCOMES
        }
        sides = {
            side: Side(
                followed=followed,
                decided=count(side, "decided"),
                measures=tuple(
                    Measure(
                        outcome=outcome,
                        n=count(side, f"{outcome.key}_n"),
                        total=float(count(side, f"{outcome.key}_total")),
                        shown=shown[outcome.key],
                    )
                    for outcome in OUTCOMES
                ),
            )
            for side, followed in SIDES
        }
        splits.append(
            Split(
                practice=practice,
                followed=sides["followed"],
                not_followed=sides["not_followed"],
                unknown=decided - sum(s.decided for s in sides.values()),
                comparable=comparable,
            )
        )
    return Evidence(decided=decided, minimum=minimum, splits=tuple(splits))
