"""The readiness scoring rules: plain facts in, a scorecard out. No ORM, no clock.

Every pilot is scored on the four practices the product enforces, each out of
100. A practice starts at 100 and each reason found against it takes its
points off (never below 0). Each reason also carries a risk level; the
pilot's risk is the worst of its reasons' levels, and at least ``at risk``
when the overall score (the mean of the four) is below 50: a pilot that has
lost half its readiness is at risk whatever each reason says.
A draft is still being written: its reasons count no worse than ``watch``.
A stopped pilot is a recorded outcome, not a risk: on track, with no reasons.

======================  ==============  ======  ======================================
code                    practice        points  level
======================  ==============  ======  ======================================
NO_OWNER                ownership       60      at risk
OWNER_PENDING           ownership       30      watch
OWNER_INACTIVE          ownership       60      critical (the account is deactivated)
NO_OPERATIONS_OWNER     ownership       40      watch; at risk once approved
NO_PRIMARY_METRIC       business metric 100     at risk
ONLY_MODEL_METRICS      business metric 100     at risk: no primary metric, and every
                                                metric is a model metric (the metric
                                                mirage; instead of NO_PRIMARY_METRIC)
METRIC_STALE            business metric 30      watch; at risk when stale for more
                                                than twice its cadence + grace
                                                (running, and for 12 months after
                                                graduation)
METRIC_BEHIND           business metric 30      watch; at risk when the gap to the
                                                trajectory is 25% of the distance
                                                from baseline to target or more
DEGRADING               business metric 50      at risk: after graduation the last
                                                readings are all worse than the level
                                                at graduation, by 10% of that distance
INFRA_MISSING           infrastructure  100 x   watch; at risk once approved
                                        share
                                        not yes
HANDOVER_UNPLANNED      handover        60      watch while the window approaches;
                                                at risk once open; critical from the
                                                escalation day (7 days in)
HANDOVER_BEHIND         handover        20 per  at risk; critical with 3 or more
                                        overdue overdue tasks
                                        task
                                        (max 60)
DECISION_OVERDUE        handover        100     critical: past its end (+ grace days)
                                                with no graduate or stop decision,
                                                running or approved and never started
======================  ==============  ======  ======================================
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pilots import timeline
from pilots.frame import formats


class Risk(enum.IntEnum):
    """Ordered: a higher value is worse (and sorts first on the dashboard)."""

    ON_TRACK = 0
    WATCH = 1
    AT_RISK = 2
    CRITICAL = 3

    @property
    def slug(self) -> str:
        return self.name.lower()

    @property
    def label(self) -> str:
        return {0: "On track", 1: "Watch", 2: "At risk", 3: "Critical"}[self.value]


class Practice(enum.StrEnum):
    INFRASTRUCTURE = "infrastructure"
    METRIC = "metric"
    OWNERSHIP = "ownership"
    HANDOVER = "handover"


PRACTICE_LABELS = {
    Practice.INFRASTRUCTURE: "Production infrastructure",
    Practice.METRIC: "Business metric",
    Practice.OWNERSHIP: "Ownership",
    Practice.HANDOVER: "Handover",
}

# Overall score below which the risk is at least "at risk".
AT_RISK_BELOW = 50
# METRIC_BEHIND is at risk from this share of the baseline-to-target distance.
BEHIND_AT_RISK_SHARE = Decimal("0.25")
# DEGRADING: the readings after graduation that must all be worse, and by how much.
DEGRADING_READINGS = 2
DEGRADING_SHARE = Decimal("0.10")
HANDOVER_BEHIND_CRITICAL = 3
INFRASTRUCTURE_ITEMS = 6

# Every code, with the short label filters and charts use.
REASON_CODES = {
    "NO_OWNER": "No accepted business owner",
    "OWNER_PENDING": "Owner has not accepted",
    "OWNER_INACTIVE": "Owner's account deactivated",
    "NO_OPERATIONS_OWNER": "No operations owner",
    "NO_PRIMARY_METRIC": "No primary business metric",
    "ONLY_MODEL_METRICS": "Only model metrics",
    "METRIC_STALE": "Metric stale",
    "METRIC_BEHIND": "Metric behind trajectory",
    "DEGRADING": "Degrading after graduation",
    "INFRA_MISSING": "Production infrastructure missing",
    "HANDOVER_UNPLANNED": "Handover unplanned",
    "HANDOVER_BEHIND": "Handover tasks overdue",
    "DECISION_OVERDUE": "Past end, no decision",
}
APPROVED_OR_LATER = ("approved", "running", "graduated")
IN_FLIGHT = ("approved", "running")  # handover and decisions still ahead


@dataclass(frozen=True)
class Reason:
    code: str
    practice: Practice
    points: int
    risk: Risk
    sentence: str
    section: str  # where it is fixed: a registration step, or "handover" / "decision" / "metrics"


@dataclass(frozen=True)
class PrimaryMetric:
    name: str
    kind: str  # "primary" | "business" | "segment" | "model"
    increasing: bool | None
    baseline: Decimal | None
    target: Decimal | None
    target_date: date | None
    cadence_days: int
    latest_value: Decimal | None
    latest_on: date | None
    # Readings after graduation, oldest first, and the level at graduation.
    after_graduation: tuple[Decimal, ...] = ()
    at_graduation: Decimal | None = None


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about one pilot, as plain values."""

    stage: str
    planned_start: date | None
    planned_end: date | None
    started_on: date | None
    owner_status: str  # none | pending | accepted | declined
    owner_active: bool
    has_operations_owner: bool
    infrastructure_yes: int
    metric_kinds: frozenset[str]
    primary: PrimaryMetric | None
    task_count: int
    tasks_overdue: int
    next_task_due: date | None
    first_task_on: date | None  # the day the first task was created
    graduated_on: date | None = None  # the day of the graduate decision


@dataclass(frozen=True)
class Evaluation:
    scores: dict[Practice, int]
    risk: Risk
    reasons: tuple[Reason, ...]
    next_date: date | None  # the soonest date that bites (sorts the dashboard)
    handover_planned_early: bool | None  # tasks before the window opened (None: not yet)

    @property
    def overall(self) -> int:
        return round(sum(self.scores.values()) / len(self.scores))


@dataclass
class Settings:
    lead_days: int = 14
    stale_grace_days: int = 3
    escalation_days: int = 7
    decision_grace_days: int = 0


@dataclass
class _Found:
    reasons: list[Reason] = field(default_factory=list)

    def add(self, code, practice, points, risk, sentence, section) -> None:
        self.reasons.append(Reason(code, practice, points, risk, sentence, section))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def evaluate(facts: Facts, *, today: date, settings: Settings | None = None) -> Evaluation:
    """Score one pilot on ``today``."""
    rules = settings or Settings()
    if facts.stage == "stopped":
        return Evaluation(
            scores=dict.fromkeys(Practice, 100),
            risk=Risk.ON_TRACK,
            reasons=(),
            next_date=None,
            handover_planned_early=None,
        )
    found = _Found()
    approved = facts.stage in APPROVED_OR_LATER
    _ownership(facts, found, approved)
    _metric(facts, found, today, rules)
    _infrastructure(facts, found, approved)
    window = _handover(facts, found, today, rules)

    reasons = found.reasons
    if facts.stage == "draft":  # still being written: nothing worse than watch
        reasons = [
            Reason(r.code, r.practice, r.points, min(r.risk, Risk.WATCH), r.sentence, r.section)
            for r in reasons
        ]
    scores = {
        practice: max(0, 100 - sum(r.points for r in reasons if r.practice == practice))
        for practice in Practice
    }
    overall = round(sum(scores.values()) / len(scores))
    risk = max((r.risk for r in reasons), default=Risk.ON_TRACK)
    if facts.stage != "draft" and overall < AT_RISK_BELOW:
        risk = max(risk, Risk.AT_RISK)
    reasons.sort(key=lambda r: (-r.risk, -r.points, r.code))
    return Evaluation(
        scores=scores,
        risk=risk,
        reasons=tuple(reasons),
        next_date=_next_date(facts, today, window),
        handover_planned_early=_planned_early(facts, window, today),
    )


def _ownership(facts: Facts, found: _Found, approved: bool) -> None:
    if facts.owner_status in ("none", "declined"):
        found.add(
            "NO_OWNER",
            Practice.OWNERSHIP,
            60,
            Risk.AT_RISK,
            "No business owner has accepted accountability"
            + (": the nominee declined." if facts.owner_status == "declined" else "."),
            "owner",
        )
    elif facts.owner_status == "pending":
        found.add(
            "OWNER_PENDING",
            Practice.OWNERSHIP,
            30,
            Risk.WATCH,
            "The nominated business owner has not accepted yet.",
            "owner",
        )
    if facts.owner_status in ("pending", "accepted") and not facts.owner_active:
        found.add(
            "OWNER_INACTIVE",
            Practice.OWNERSHIP,
            60,
            Risk.CRITICAL,
            "The business owner's account is deactivated: nobody is accountable.",
            "owner",
        )
    if not facts.has_operations_owner:
        found.add(
            "NO_OPERATIONS_OWNER",
            Practice.OWNERSHIP,
            40,
            Risk.AT_RISK if approved else Risk.WATCH,
            "Nobody is named to operate it after handover.",
            "operations",
        )


def _metric(facts: Facts, found: _Found, today: date, rules: Settings) -> None:
    primary = facts.primary
    if primary is None:
        if facts.metric_kinds and facts.metric_kinds <= {"model"}:
            found.add(
                "ONLY_MODEL_METRICS",
                Practice.METRIC,
                100,
                Risk.AT_RISK,
                "Only model metrics are tracked: accuracy is not business value.",
                "metric",
            )
        else:
            found.add(
                "NO_PRIMARY_METRIC",
                Practice.METRIC,
                100,
                Risk.AT_RISK,
                "There is no primary business metric: no number says whether it worked.",
                "metric",
            )
        return
    followed = facts.stage == "running" or (
        facts.stage == "graduated"
        and facts.graduated_on is not None
        and today - facts.graduated_on <= timeline.TRACKED_AFTER_GRADUATION
    )
    if followed and facts.started_on is not None:
        reference = max(primary.latest_on or facts.started_on, facts.started_on)
        allowed = primary.cadence_days + rules.stale_grace_days
        silent = (today - reference).days
        if timeline.is_stale(
            last_reading_on=primary.latest_on,
            tracking_since=facts.started_on,
            cadence_days=primary.cadence_days,
            grace_days=rules.stale_grace_days,
            today=today,
        ):
            since = f"since {formats.day(primary.latest_on)}" if primary.latest_on else "yet"
            found.add(
                "METRIC_STALE",
                Practice.METRIC,
                30,
                Risk.AT_RISK if silent > 2 * allowed else Risk.WATCH,
                f"No reading of “{primary.name}” {since}.",
                "metrics",
            )
    complete = (
        primary.baseline is not None
        and primary.target is not None
        and primary.target_date is not None
        and primary.increasing is not None
        and facts.started_on is not None
    )
    if facts.stage == "running" and complete and primary.latest_value is not None:
        status = timeline.trajectory_status(
            baseline=primary.baseline,
            target=primary.target,
            increasing=primary.increasing,
            start=facts.started_on,
            target_date=primary.target_date,
            latest_value=primary.latest_value,
            latest_on=primary.latest_on,
        )
        if status == timeline.Trajectory.BEHIND:
            expected = timeline.expected_value(
                baseline=primary.baseline,
                target=primary.target,
                start=facts.started_on,
                target_date=primary.target_date,
                on=primary.latest_on,
            )
            span = abs(primary.target - primary.baseline)
            gap = abs(expected - primary.latest_value)
            share = gap / span if span else Decimal(1)
            found.add(
                "METRIC_BEHIND",
                Practice.METRIC,
                30,
                Risk.AT_RISK if share >= BEHIND_AT_RISK_SHARE else Risk.WATCH,
                f"“{primary.name}” is behind its trajectory by "
                + (f"{share:.0%}" if share >= Decimal("0.01") else "less than 1%")
                + " of the way to its target.",
                "metrics",
            )
    if facts.stage == "graduated" and followed and _degrading(primary):
        found.add(
            "DEGRADING",
            Practice.METRIC,
            50,
            Risk.AT_RISK,
            f"“{primary.name}” has fallen back from the level it reached at graduation.",
            "metrics",
        )


def _degrading(primary: PrimaryMetric) -> bool:
    """The last readings after graduation are all worse than the level at graduation."""
    recent = primary.after_graduation[-DEGRADING_READINGS:]
    if (
        len(recent) < DEGRADING_READINGS
        or primary.at_graduation is None
        or primary.increasing is None
        or primary.baseline is None
        or primary.target is None
    ):
        return False
    sign = 1 if primary.increasing else -1
    threshold = abs(primary.target - primary.baseline) * DEGRADING_SHARE
    return all(sign * (primary.at_graduation - value) >= threshold for value in recent)


def _infrastructure(facts: Facts, found: _Found, approved: bool) -> None:
    missing = INFRASTRUCTURE_ITEMS - min(facts.infrastructure_yes, INFRASTRUCTURE_ITEMS)
    if missing:
        found.add(
            "INFRA_MISSING",
            Practice.INFRASTRUCTURE,
            round(100 * missing / INFRASTRUCTURE_ITEMS),
            Risk.AT_RISK if approved else Risk.WATCH,
            f"{_plural(missing, 'production-infrastructure item')} not in place "
            f"({INFRASTRUCTURE_ITEMS - missing} of {INFRASTRUCTURE_ITEMS} are).",
            "infrastructure",
        )


def _window(facts: Facts, today: date, rules: Settings) -> timeline.Timeline | None:
    start = facts.started_on or facts.planned_start
    if start is None or facts.planned_end is None or facts.planned_end < start:
        return None
    return timeline.timeline(
        start=start, end=facts.planned_end, today=today, lead_days=rules.lead_days
    )


def _handover(facts: Facts, found: _Found, today: date, rules: Settings):
    window = _window(facts, today, rules)
    if facts.stage not in IN_FLIGHT:
        return window
    if window is not None:
        _unplanned(facts, found, today, rules, window)
    if facts.tasks_overdue:
        found.add(
            "HANDOVER_BEHIND",
            Practice.HANDOVER,
            min(60, 20 * facts.tasks_overdue),
            Risk.CRITICAL if facts.tasks_overdue >= HANDOVER_BEHIND_CRITICAL else Risk.AT_RISK,
            f"{_plural(facts.tasks_overdue, 'knowledge-transfer task')} overdue.",
            "handover",
        )
    end = facts.planned_end
    if end is not None and (today - end).days > rules.decision_grace_days:
        ago = _plural((today - end).days, "day")
        found.add(
            "DECISION_OVERDUE",
            Practice.HANDOVER,
            100,
            Risk.CRITICAL,
            f"It ended {ago} ago with no graduate or stop decision."
            if facts.stage == "running"
            else f"Its planned end passed {ago} ago and it never started: stop it, or "
            "plan new dates.",
            "decision",
        )
    return window


def _unplanned(facts: Facts, found: _Found, today: date, rules: Settings, window) -> None:
    days_to_go = window.days_until_handover
    if facts.task_count or today > window.end or days_to_go > rules.lead_days:
        return
    if days_to_go > 0:
        risk, when = Risk.WATCH, f"opens in {_plural(days_to_go, 'day')}"
    elif days_to_go == 0:
        risk, when = Risk.AT_RISK, "opens today"
    else:
        escalated = -days_to_go >= rules.escalation_days
        risk = Risk.CRITICAL if escalated else Risk.AT_RISK
        when = f"opened {_plural(-days_to_go, 'day')} ago"
    found.add(
        "HANDOVER_UNPLANNED",
        Practice.HANDOVER,
        60,
        risk,
        f"The handover window {when} and no knowledge-transfer task exists.",
        "handover",
    )


def _next_date(facts: Facts, today: date, window: timeline.Timeline | None) -> date | None:
    """The soonest date that matters next (past dates first: they already bite)."""
    if facts.stage not in IN_FLIGHT and facts.stage != "proposed":
        return None
    candidates = [facts.next_task_due]
    if window is not None:
        if facts.stage == "approved" or window.handover_opens > today:
            candidates.append(window.handover_opens)
        candidates.append(window.end)
    if facts.stage in ("proposed", "approved"):
        candidates.append(facts.planned_start)
    dates = [d for d in candidates if d is not None]
    return min(dates) if dates else None


def _planned_early(facts: Facts, window: timeline.Timeline | None, today: date) -> bool | None:
    """Had the handover plan (a task) before the window opened? None until it opens."""
    if window is None or facts.stage not in (*IN_FLIGHT, "graduated"):
        return None
    if today < window.handover_opens:
        return None
    return facts.first_task_on is not None and facts.first_task_on < window.handover_opens
