"""Writes of the scorecards app: recompute stored scorecards, take the weekly snapshot.

``scorecards_recompute`` gathers every fact the rules need for any number of
pilots in a fixed number of queries (one per kind of fact), evaluates
``scorecards.scoring`` in Python, and writes the scorecards and their reason rows
in bulk. It runs after commit for the pilots a change touched (the
``scorecards.recompute`` task, which ``pilots.services.audit`` queues for every
audited change) and nightly for all of them, since time alone moves reasons.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from pilots import rules
from pilots.enums import (
    Cadence,
    Direction,
    InfrastructureAnswerValue,
    InfrastructureItem,
    MetricKind,
    OwnershipStatus,
    Stage,
    TaskStatus,
)
from pilots.links import PilotLinks
from pilots.models import (
    CheckIn,
    CheckpointDecision,
    ContractChange,
    GateDecision,
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    Pilot,
    PilotEvent,
)
from pilots.rules import RuleSettings
from pilots.selectors.decay import GraduationSeries, graduation_series
from pilots.selectors.keepers import watched_pilots
from pilots.selectors.operation import signed_through_subquery
from pilots.selectors.pilots import rule_settings
from pilots.services import notifications
from scorecards import evidence, scoring
from scorecards.models import (
    PortfolioTotals,
    PortfolioWeek,
    RiskLevel,
    Scorecard,
    ScorecardReason,
    ScorecardSnapshot,
)

log = logging.getLogger(__name__)

# pg_advisory_xact_lock key serialising recomputes (any constant unique to it).
RECOMPUTE_LOCK = 7_204_311_006
# Readings kept on the scorecard for the dashboard's sparkline (and for DEGRADING).
SPARKLINE_READINGS = 12


def reason_link(links: PilotLinks, reference: str, stage: str, section: str) -> str:
    """Where a reason is fixed (the API's link): its registration step while the
    registration may be edited, else the part of the pilot page that shows it.

    A page shows a viewer the link only if they may follow it (``links.fix``).
    """
    return links.fix(reference, section, may_edit=stage in Stage.SETUP) or links.shown(
        reference, section
    )


# --- Facts, gathered in bulk --------------------------------------------------------------


def _facts(
    pilot_ids: list[int] | None, today: date, settings_: RuleSettings
) -> list[tuple[Mapping[str, Any], scoring.Facts, list[list[str]]]]:
    """(pilot values, facts, sparkline) for every scored pilot in scope: 12 queries."""
    overdue_before = rules.overdue_if_due_before(today=today, rules=settings_)
    # rules.task_unconfirmed: completed on a local day before this one's midnight.
    unconfirmed_before = timezone.make_aware(
        datetime.combine(
            rules.unconfirmed_if_completed_before(today=today, rules=settings_), time.min
        ),
        timezone.get_default_timezone(),
    )
    scope = Q(pk__in=pilot_ids) if pilot_ids is not None else Q()
    # The owner's latest check-in, read with the pilot (no query of its own).
    latest_checkin = CheckIn.objects.filter(pilot=OuterRef("pk")).order_by("-created_at", "-pk")
    latest_checkpoint = CheckpointDecision.objects.filter(pilot=OuterRef("pk")).order_by(
        "-decided_at", "-pk"
    )
    pilots = list(
        Pilot.objects.filter(scope)
        .annotate(
            checkin_confidence=Subquery(latest_checkin.values("confidence")[:1]),
            checkin_at=Subquery(latest_checkin.values("created_at")[:1]),
        )
        .annotate(
            checkpoint_for=Subquery(latest_checkpoint.values("window_opened_on")[:1]),
            checkpoint_at=Subquery(latest_checkpoint.values("decided_at")[:1]),
            # The latest value review day signed off (``rules.value_review_owed``).
            value_reviewed_through=Subquery(signed_through_subquery()),
        )
        .order_by("pk")
        .values(
            "pk",
            "reference",
            "stage",
            "planned_start",
            "planned_end",
            "started_on",
            "owner_status",
            "owner__is_active",
            "operations_owner_id",
            "receiving_team",
            "checkin_confidence",
            "checkin_at",
            "checkpoint_for",
            "checkpoint_at",
            "value_reviewed_through",
            "operation_ended_on",
            # The stored risk (None: no scorecard yet), to tell who must hear it rose.
            "scorecard__risk",
            "scorecard__computed_for",
        )
    )
    related = {f"pilot__{key}": value for key, value in _scope_filter(pilot_ids).items()}
    # Every answer, in one query: the "yes" count and the waivers of the others.
    infrastructure: dict[int, int] = defaultdict(int)
    waivers: dict[int, list[scoring.Waiver]] = defaultdict(list)
    order = {item: n for n, item in enumerate(InfrastructureItem.values)}
    for pilot_id, item, answer, expires_on in sorted(
        InfrastructureAnswer.objects.filter(**related).values_list(
            "pilot_id", "item", "answer", "waiver_expires_on"
        ),
        key=lambda row: (row[0], order.get(row[1], len(order))),
    ):
        if answer == InfrastructureAnswerValue.YES:
            infrastructure[pilot_id] += 1
        else:
            waivers[pilot_id].append(
                scoring.Waiver(InfrastructureItem(item).label, answer, expires_on)
            )
    metrics: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for metric in Metric.objects.filter(**related).values(
        "pk",
        "pilot_id",
        "name",
        "kind",
        "direction",
        "baseline",
        "target",
        "target_date",
        "cadence",
        "guardrail",
        "unit",
    ):
        metrics[metric["pilot_id"]].append(metric)
    series: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for metric_id, observed_on, value in (
        MetricReading.objects.filter(
            metric__kind__in=[MetricKind.PRIMARY, MetricKind.CRITICAL_SEGMENT],
            **{f"metric__{key}": value for key, value in related.items()},
        )
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("metric_id")], order_by=[F("observed_on").desc()]
            )
        )
        .filter(rank__lte=SPARKLINE_READINGS)
        .values_list("metric_id", "observed_on", "value")
    ):
        series[metric_id].append((observed_on, value))
    graduated_on = {
        pilot_id: timezone.localdate(decided_at)
        for pilot_id, decided_at in GateDecision.objects.filter(
            to_stage=Stage.GRADUATED, **related
        ).values_list("pilot_id", "decided_at")
    }
    # The primary metric around and after graduation (two queries): what the
    # degradation rule reads, as the reminder sweep does.
    decay = graduation_series(today=today, rules=settings_, pilot_ids=pilot_ids)
    contract_changes: dict[int, list[str]] = defaultdict(list)
    for pilot_id, label in (
        ContractChange.objects.filter(acknowledged_at__isnull=True, **related)
        .order_by("pilot_id", "changed_at", "pk")
        .values_list("pilot_id", "label")
    ):
        if label not in contract_changes[pilot_id]:
            contract_changes[pilot_id].append(label)
    tasks = {
        row["pilot_id"]: row
        for row in KnowledgeTransferTask.objects.filter(**related)
        .values("pilot_id")
        .annotate(
            n=Count("pk"),
            overdue=Count(
                "pk", filter=Q(status__in=TaskStatus.OPEN) & Q(due_on__lt=overdue_before)
            ),
            next_due=Min("due_on", filter=Q(status__in=TaskStatus.OPEN)),
            unconfirmed=Count(
                "pk",
                filter=Q(status=TaskStatus.WAITING, completed_at__lt=unconfirmed_before),
            ),
            first=Min("created_at"),
        )
    }

    watched = watched_pilots(pilot_ids=pilot_ids)
    gathered: list[tuple[Mapping[str, Any], scoring.Facts, list[list[str]]]] = []
    for pilot in pilots:
        pk = pilot["pk"]
        own = metrics.get(pk, [])
        primary_row = next((m for m in own if m["kind"] == MetricKind.PRIMARY), None)
        readings = sorted(series.get(primary_row["pk"], [])) if primary_row else []
        primary = _primary(primary_row, readings, decay.get(pk)) if primary_row else None
        task: Mapping[str, Any] = tasks.get(pk, {})
        first = task.get("first")
        facts = scoring.Facts(
            stage=pilot["stage"],
            planned_start=pilot["planned_start"],
            planned_end=pilot["planned_end"],
            started_on=pilot["started_on"],
            owner_status=pilot["owner_status"],
            owner_active=pilot["owner__is_active"] is not False,
            has_operations_owner=bool(pilot["operations_owner_id"] or pilot["receiving_team"]),
            infrastructure_yes=infrastructure.get(pk, 0),
            metric_kinds=frozenset(m["kind"] for m in own),
            primary=primary,
            task_count=task.get("n", 0),
            tasks_overdue=task.get("overdue", 0),
            tasks_unconfirmed=task.get("unconfirmed", 0),
            next_task_due=task.get("next_due"),
            first_task_on=timezone.localdate(first) if first else None,
            graduated_on=graduated_on.get(pk),
            checkpoint_for=pilot["checkpoint_for"],
            checkpoint_on=timezone.localdate(pilot["checkpoint_at"])
            if pilot["checkpoint_at"]
            else None,
            segments=tuple(
                _segment(row, sorted(series.get(row["pk"], [])))
                for row in own
                if row["kind"] == MetricKind.CRITICAL_SEGMENT
            ),
            checkin_confidence=pilot["checkin_confidence"],
            checkin_on=timezone.localdate(pilot["checkin_at"]) if pilot["checkin_at"] else None,
            waivers=tuple(waivers.get(pk, ())),
            contract_changes=tuple(contract_changes.get(pk, ())),
            value_reviewed_through=pilot["value_reviewed_through"],
            operation_ended_on=pilot["operation_ended_on"],
            keepers=watched[pk].keepers if pk in watched else (),
        )
        sparkline = [[day.isoformat(), format(value.normalize(), "f")] for day, value in readings]
        gathered.append((pilot, facts, sparkline))
    return gathered


def _scope_filter(pilot_ids: list[int] | None) -> dict[str, Any]:
    """The lookup (relative to a pilot) that limits related rows to the pilots in scope."""
    return {"pk__in": pilot_ids} if pilot_ids is not None else {}


def _segment(row: Mapping[str, Any], readings: list[tuple[date, Decimal]]) -> scoring.SegmentMetric:
    latest_on, latest_value = readings[-1] if readings else (None, None)
    return scoring.SegmentMetric(
        pk=row["pk"],
        name=row["name"],
        increasing=(row["direction"] == Direction.INCREASE) if row["direction"] else None,
        guardrail=row["guardrail"],
        baseline=row["baseline"],
        target=row["target"],
        target_date=row["target_date"],
        latest_value=latest_value,
        latest_on=latest_on,
        unit=row["unit"],
    )


def _primary(
    row: Mapping[str, Any],
    readings: list[tuple[date, Decimal]],
    series: GraduationSeries | None,
) -> scoring.PrimaryMetric:
    latest_on, latest_value = readings[-1] if readings else (None, None)
    return scoring.PrimaryMetric(
        name=row["name"],
        kind=row["kind"],
        increasing=(row["direction"] == Direction.INCREASE) if row["direction"] else None,
        baseline=row["baseline"],
        target=row["target"],
        target_date=row["target_date"],
        cadence_days=Cadence.DAYS[row["cadence"]],
        latest_value=latest_value,
        latest_on=latest_on,
        after_graduation=series.after_graduation if series else (),
        at_graduation=series.at_graduation if series else (),
        unit=row["unit"],
    )


# --- Recompute ---------------------------------------------------------------------------


SCORE_FIELDS = [
    "stage",
    "infrastructure",
    "metric",
    "ownership",
    "handover",
    "overall",
    "risk",
    "reasons",
    "next_date",
    "has_accepted_owner",
    "has_primary_metric",
    "handover_planned_early",
    "sparkline",
    *(practice.key for practice in evidence.PRACTICES),
    "target_share",
    "value_per_month",
    "computed_for",
    "computed_at",
]
NOT_DECIDED = evidence.PracticeFacts(
    owner_accepted_at_start=None,
    infrastructure_yes_at_start=None,
    handover_before_window=None,
    segment_metric_defined=None,
    target_share=None,
    value_per_month=None,
)


def scorecards_recompute(
    *, pilot_ids: Iterable[int] | None = None, today: date | None = None, notify: bool = True
) -> int:
    """Recompute the stored scorecards of ``pilot_ids`` (default: every pilot); return how many.

    A fixed number of queries whatever the number of pilots on PostgreSQL (SQLite
    splits the bulk writes at its parameter limit); every pilot has one. A pilot
    whose risk level rose notifies its people (``RISK_WORSENED``), in this
    transaction; ``notify=False`` (a rebuild of past weeks) tells no one.
    """
    today = today or timezone.localdate(timezone=timezone.get_default_timezone())
    ids = sorted(set(pilot_ids)) if pilot_ids is not None else None
    with transaction.atomic():
        # One recompute at a time: a later one reads its facts after an earlier one
        # has written, so a slow nightly run never overwrites a newer scorecard.
        _serialise()
        count = _recompute(ids, today, notify=notify)
    log.info("scorecards recomputed for %s: %d", today, count)
    return count


def _serialise() -> None:
    """Hold the scorecards' lock until the transaction ends (PostgreSQL; on SQLite the
    transaction already holds the database's write lock from its BEGIN IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOMPUTE_LOCK])


def _recompute(ids: list[int] | None, today: date, *, notify: bool = True) -> int:
    settings_ = rule_settings()
    links = PilotLinks()
    now = timezone.now()
    worsened: dict[int, tuple[int, int, str]] = {}
    cards: list[Scorecard] = []
    reason_rows: list[ScorecardReason] = []
    decided = evidence.decided_practice_facts(ids)
    for pilot, facts, sparkline in _facts(ids, today, settings_):
        result = scoring.evaluate(facts, today=today, settings=settings_)
        reasons = [
            {
                "code": reason.code,
                "practice": reason.practice.value,
                "points": reason.points,
                "risk": int(reason.risk),
                "sentence": reason.sentence,
                "section": reason.section,
                "link": reason_link(links, pilot["reference"], pilot["stage"], reason.section),
            }
            for reason in result.reasons
        ]
        cards.append(
            Scorecard(
                pilot_id=pilot["pk"],
                **{practice.value: score for practice, score in result.scores.items()},
                overall=result.overall,
                risk=int(result.risk),
                stage=pilot["stage"],
                reasons=reasons,
                next_date=result.next_date,
                has_accepted_owner=facts.owner_status == OwnershipStatus.ACCEPTED,
                has_primary_metric=facts.primary is not None,
                handover_planned_early=result.handover_planned_early,
                sparkline=sparkline,
                **asdict(decided.get(pilot["pk"], NOT_DECIDED)),
                computed_for=today,
                computed_at=now,
            )
        )
        reason_rows += [
            ScorecardReason(scorecard_id=pilot["pk"], code=r.code, risk=int(r.risk))
            for r in result.reasons
        ]
        was = pilot["scorecard__risk"]
        if (
            notify
            and was is not None
            and int(result.risk) > was
            # Never against a scorecard of a later day (a recompute of the past).
            and pilot["scorecard__computed_for"] <= today
        ):
            worst = result.reasons[0].sentence if result.reasons else ""
            worsened[pilot["pk"]] = (was, int(result.risk), worst)
    Scorecard.objects.bulk_create(
        cards,
        update_conflicts=True,
        unique_fields=["pilot"],
        update_fields=SCORE_FIELDS,
    )
    reasons_in_scope = ScorecardReason.objects.all()
    if ids is not None:
        reasons_in_scope = reasons_in_scope.filter(scorecard_id__in=ids)
    reasons_in_scope.delete()
    ScorecardReason.objects.bulk_create(reason_rows)
    portfolio_totals_refresh(now=now)
    if worsened:
        _risk_worsened_notify(worsened, today)
    return len(cards)


def _risk_worsened_notify(worsened: dict[int, tuple[int, int, str]], today: date) -> None:
    """Tell each pilot's people that its risk rose, with the worst reason (two queries, and
    the notifications' own)."""
    pilots = Pilot.objects.filter(pk__in=worsened).only(
        "pk", "reference", "title", "sponsor", "owner", "owner_status", "operations_owner"
    )
    notifications.risk_worsened_notify(
        [
            notifications.RiskChange(
                pilot=pilot,
                before=RiskLevel(worsened[pilot.pk][0]).label,
                after=RiskLevel(worsened[pilot.pk][1]).label,
                level=worsened[pilot.pk][1],
                reason=worsened[pilot.pk][2],
                link=reverse("scorecards:pilot", args=[pilot.reference]),
            )
            for pilot in pilots
        ],
        day=today,
    )


def summary_counts(scorecards: QuerySet[Scorecard]) -> dict[str, Any]:
    """What the dashboard's summary counts of these scorecards, in two queries (no join).

    ``total``; ``stage_<stage>`` and ``risk_<level>`` for every stage and level;
    ``with_accepted_owner``, ``with_primary_metric``, ``window_reached`` and
    ``planned_before_window``; then the decided pilots' evidence per practice
    (``scorecards.evidence.evidence_counts``).
    """
    return scorecards.order_by().aggregate(
        total=Count("pk"),
        **{f"stage_{stage}": Count("pk", filter=Q(stage=stage)) for stage in Stage.values},
        **{f"risk_{risk}": Count("pk", filter=Q(risk=risk)) for risk in RiskLevel.values},
        with_accepted_owner=Count("pk", filter=Q(has_accepted_owner=True)),
        with_primary_metric=Count("pk", filter=Q(has_primary_metric=True)),
        window_reached=Count("pk", filter=Q(handover_planned_early__isnull=False)),
        planned_before_window=Count("pk", filter=Q(handover_planned_early=True)),
    ) | evidence.evidence_counts(scorecards)


def portfolio_totals_refresh(*, now=None) -> None:
    """Recount the summary of every scorecard into the one totals row (three queries).

    Every recompute calls it in its transaction, after its writes, so the row
    always counts the scorecards as they stand.
    """
    PortfolioTotals.objects.bulk_create(
        [
            PortfolioTotals(
                key=1,
                figures=summary_counts(Scorecard.objects.all()),
                computed_at=now or timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["figures", "computed_at"],
    )


TOTAL_WEEKS = 12  # as many weeks as the dashboard's trend shows


def portfolio_weeks_refresh(*, last: date, weeks: int = TOTAL_WEEKS) -> None:
    """Count the snapshots per risk level of each of the ``weeks`` weeks up to ``last``.

    Recounted every night (a deleted pilot takes its snapshots with it), written
    as upserts of every level, so two runs at once cannot collide. Two queries.
    """
    first = last - timedelta(weeks=weeks - 1)
    counts = {
        (first + timedelta(weeks=n), risk): 0 for n in range(weeks) for risk in RiskLevel.values
    }
    for row in (
        ScorecardSnapshot.objects.filter(week__gte=first, week__lte=last)
        .values("week", "risk")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[(row["week"], row["risk"])] = row["n"]
    PortfolioWeek.objects.bulk_create(
        [PortfolioWeek(week=week, risk=risk, pilots=n) for (week, risk), n in counts.items()],
        update_conflicts=True,
        unique_fields=["week", "risk"],
        update_fields=["pilots"],
    )


def scorecards_out_of_date(*, limit: int = 2_000) -> list[int]:
    """Pilots whose stored scorecard misses a change: the catch-up job's work list.

    No scorecard yet; an audited change after it was computed (its refresh task
    was lost, say with the broker down at commit); or an owner deactivated since
    (not a pilot change, so nothing queued a refresh). One query.
    """
    changed_since = PilotEvent.objects.filter(
        pilot=OuterRef("pk"), at__gt=OuterRef("scorecard__computed_at")
    )
    inactive_unseen = (
        Q(
            owner__is_active=False,
            owner_status__in=[OwnershipStatus.PENDING, OwnershipStatus.ACCEPTED],
        )
        | Q(stage__in=Stage.STARTED, operations_owner__is_active=False)
        | Q(stage__in=Stage.STARTED, sponsor__is_active=False)
    ) & ~Exists(
        ScorecardReason.objects.filter(
            scorecard=OuterRef("scorecard"), code__in=["OWNER_INACTIVE", "ORPHANED"]
        )
    )
    return list(
        Pilot.objects.filter(Q(scorecard__isnull=True) | Exists(changed_since) | inactive_unseen)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def week_of(day: date) -> date:
    """Monday of the ISO week of ``day``."""
    return day - timedelta(days=day.weekday())


def scorecards_snapshot(*, today: date | None = None) -> int:
    """Keep this week's snapshot of every scorecard (the first of the week stays); return new."""
    today = today or timezone.localdate(timezone=timezone.get_default_timezone())
    week = week_of(today)
    before = ScorecardSnapshot.objects.filter(week=week).count()
    ScorecardSnapshot.objects.bulk_create(
        [
            ScorecardSnapshot(
                pilot_id=card["pilot_id"],
                week=week,
                infrastructure=card["infrastructure"],
                metric=card["metric"],
                ownership=card["ownership"],
                handover=card["handover"],
                overall=card["overall"],
                risk=card["risk"],
                reason_codes=[reason["code"] for reason in card["reasons"]],
            )
            for card in Scorecard.objects.values(
                "pilot_id",
                "infrastructure",
                "metric",
                "ownership",
                "handover",
                "overall",
                "risk",
                "reasons",
            )
        ],
        ignore_conflicts=True,
    )
    portfolio_weeks_refresh(last=week)
    return ScorecardSnapshot.objects.filter(week=week).count() - before
