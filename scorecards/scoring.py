"""The readiness scoring: plain facts in, a scorecard out. No ORM, no clock.

What a rule decides (stale, handover alarm, task and decision overdue) is asked
of ``pilots.rules``, the one home the page and the reminders ask too; here are
only the points and the risk levels. Every reason code is registered in
``REASONS`` (its label, practice and points), which the filters, the API
schema and the README table are checked against.

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
OWNER_INACTIVE          ownership       60      critical: the business owner's account
                                                is deactivated while the pilot is not
                                                watched for orphaning (not started, or
                                                past its operation); ORPHANED says it
                                                otherwise
ORPHANED                ownership       60      critical when a keeper's account is
                                                deactivated, else at risk: running or
                                                graduated within 12 months, and the
                                                business owner, operations owner,
                                                sponsor or giver of an open task is
                                                deactivated, or an owner (business;
                                                operations once graduated) has not
                                                touched the pilot for
                                                PILOTGATE_ORPHANED_AFTER_DAYS
NO_OPERATIONS_OWNER     ownership       40      watch; at risk once approved
CONFIDENCE_DIVERGES     ownership       20      watch: the owner's latest check-in
                                                (current: within the cadence + grace)
                                                says on track while the primary is
                                                behind its trajectory, or at risk /
                                                off track while it is on track or has
                                                reached its target (running)
VALUE_REVIEW_DUE        ownership       30      watch: a graduated pilot's value review
                                                day (90, 180, 365) has come and no
                                                review for it is signed off by the
                                                sponsor and a lead; at risk once
                                                overdue (the grace days after its day)
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
DEGRADING               business metric 50      at risk: a sustained decline after
                                                graduation (``pilots.rules.degradation``,
                                                for 12 months): the median of the last
                                                3 readings is worse than the median of
                                                the last 3 on or before the graduation
                                                day by 10% of the baseline-to-target
                                                distance or more (settings); one noisy
                                                reading never raises it
SEGMENT_BREACH          business metric 30      at risk (whatever the primary says):
                        per metric,             a critical-segment metric is beyond
                        at most 60              its guardrail, or behind its own
                                                trajectory when it has none (running)
CONTRACT_CHANGED        business metric 20      watch: the approved contract changed
                                                (with a reason) and no portfolio lead
                                                has acknowledged it yet
INFRA_MISSING           infrastructure  100 x   watch; at risk once approved
                                        share
                                        not yes
WAIVER_EXPIRED          infrastructure  20 per  at risk: an approved or running pilot's
                                        expired waiver for an item still not "yes" is
                                        waiver  past its expiry date
                                        (max 60)
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
CHECKPOINT_DUE          handover        30      watch while due (running, the window
                                                open, no lead's checkpoint decision for
                                                it); at risk once overdue (grace days)
======================  ==============  ======  ======================================
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pilots import rules, timeline
from pilots.enums import Confidence, MetricKind, OwnershipStatus, Stage
from pilots.frame import formats
from pilots.frame.formats import plural
from pilots.rules import HandoverAlarm, RuleSettings


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
# SEGMENT_BREACH: points per breached segment metric, and at most.
SEGMENT_BREACH_POINTS = 30
SEGMENT_BREACH_MAX = 60
# CONTRACT_CHANGED: points off while a change to the approved contract is unacknowledged.
CONTRACT_CHANGED_POINTS = 20
# The changed fields its sentence names before "and N more".
CONTRACT_CHANGED_NAMED = 3
# METRIC_BEHIND is at risk from this share of the baseline-to-target distance.
BEHIND_AT_RISK_SHARE = Decimal("0.25")
HANDOVER_BEHIND_CRITICAL = 3
CONFIDENCE_DIVERGES_POINTS = 20
INFRASTRUCTURE_ITEMS = 6
# Points per expired infrastructure waiver, and at most.
WAIVER_EXPIRED_POINTS = 20
WAIVER_EXPIRED_CAP = 60


@dataclass(frozen=True)
class ReasonCode:
    """A reason a scorecard may give: its code, short label (filters, charts) and practice."""

    code: str
    label: str
    practice: Practice


def _registry(*codes: ReasonCode) -> dict[str, ReasonCode]:
    return {reason.code: reason for reason in codes}


# Every reason code, in the order of the table above. A new code is added here
# first; ``found.add`` refuses one that is not registered.
REASONS = _registry(
    ReasonCode("NO_OWNER", "No accepted business owner", Practice.OWNERSHIP),
    ReasonCode("OWNER_PENDING", "Owner has not accepted", Practice.OWNERSHIP),
    ReasonCode("OWNER_INACTIVE", "Owner's account deactivated", Practice.OWNERSHIP),
    ReasonCode("ORPHANED", "Orphaned: a keeper is gone", Practice.OWNERSHIP),
    ReasonCode("NO_OPERATIONS_OWNER", "No operations owner", Practice.OWNERSHIP),
    ReasonCode("CONFIDENCE_DIVERGES", "Owner's confidence diverges", Practice.OWNERSHIP),
    ReasonCode("VALUE_REVIEW_DUE", "Value review due", Practice.OWNERSHIP),
    ReasonCode("NO_PRIMARY_METRIC", "No primary business metric", Practice.METRIC),
    ReasonCode("ONLY_MODEL_METRICS", "Only model metrics", Practice.METRIC),
    ReasonCode("METRIC_STALE", "Metric stale", Practice.METRIC),
    ReasonCode("METRIC_BEHIND", "Metric behind trajectory", Practice.METRIC),
    ReasonCode("DEGRADING", "Degrading after graduation", Practice.METRIC),
    ReasonCode("SEGMENT_BREACH", "Critical segment breached", Practice.METRIC),
    ReasonCode("CONTRACT_CHANGED", "Contract changed since approval", Practice.METRIC),
    ReasonCode("INFRA_MISSING", "Production infrastructure missing", Practice.INFRASTRUCTURE),
    ReasonCode("WAIVER_EXPIRED", "Infrastructure waiver expired", Practice.INFRASTRUCTURE),
    ReasonCode("HANDOVER_UNPLANNED", "Handover unplanned", Practice.HANDOVER),
    ReasonCode("HANDOVER_BEHIND", "Handover tasks overdue", Practice.HANDOVER),
    ReasonCode("HANDOVER_UNCONFIRMED", "Handover tasks unconfirmed", Practice.HANDOVER),
    ReasonCode("DECISION_OVERDUE", "Past end, no decision", Practice.HANDOVER),
    ReasonCode("CHECKPOINT_DUE", "Checkpoint decision due", Practice.HANDOVER),
)
# Every code with its short label (filters and charts).
REASON_CODES = {code: reason.label for code, reason in REASONS.items()}


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
    # Readings after graduation (day, value), oldest first, and the last readings on or
    # before the graduation day, oldest first (``pilots.rules.degradation``).
    after_graduation: tuple[tuple[date, Decimal], ...] = ()
    at_graduation: tuple[Decimal, ...] = ()
    unit: str = ""


@dataclass(frozen=True)
class SegmentMetric:
    """A critical-segment metric and its latest reading."""

    pk: int
    name: str
    increasing: bool | None
    guardrail: Decimal | None
    baseline: Decimal | None
    target: Decimal | None
    target_date: date | None
    latest_value: Decimal | None
    latest_on: date | None
    unit: str = ""


@dataclass(frozen=True)
class Waiver:
    """An infrastructure answer that is not "yes", with its waiver's last day (if any)."""

    item: str  # the question's words
    answer: str
    expires_on: date | None


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
    segments: tuple[SegmentMetric, ...] = ()  # the critical-segment metrics
    # The owner's latest check-in: its confidence and (local) day; None without one.
    checkin_confidence: str | None = None
    checkin_on: date | None = None
    waivers: tuple[Waiver, ...] = ()  # the answers not "yes", in the checklist's order
    # The latest checkpoint decision: the window it answered (its first day), and its day.
    checkpoint_for: date | None = None
    checkpoint_on: date | None = None
    # The contract fields changed since approval that no lead has acknowledged yet.
    contract_changes: tuple[str, ...] = ()
    # Tasks completed by their giver and waiting for the receiver beyond the unconfirmed days.
    tasks_unconfirmed: int = 0
    # The operating phase: the latest value review day signed off, and a retirement.
    value_reviewed_through: int | None = None
    operation_ended_on: date | None = None
    # The people whose roles keep it alive, with their last touch (``rules.orphaned``).
    keepers: tuple[rules.Keeper, ...] = ()


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
class _Found:
    reasons: list[Reason] = field(default_factory=list)

    def add(self, code: str, points: int, risk: Risk, sentence: str, section: str) -> None:
        """Record a reason; its practice comes from the registry (``REASONS``)."""
        self.reasons.append(Reason(code, REASONS[code].practice, points, risk, sentence, section))


def evaluate(facts: Facts, *, today: date, settings: RuleSettings) -> Evaluation:
    """Score one pilot on ``today`` under the deployment's rule settings."""
    if facts.stage == Stage.STOPPED:
        return Evaluation(
            scores=dict.fromkeys(Practice, 100),
            risk=Risk.ON_TRACK,
            reasons=(),
            next_date=None,
            handover_planned_early=None,
        )
    found = _Found()
    approved = facts.stage in Stage.APPROVED_OR_LATER
    _ownership(facts, found, approved, today, settings)
    _value_review(facts, found, today, settings)
    _metric(facts, found, today, settings)
    _infrastructure(facts, found, approved)
    _waivers(facts, found, today)
    window = _handover(facts, found, today, settings)

    reasons = found.reasons
    if facts.stage == Stage.DRAFT:  # still being written: nothing worse than watch
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
    if facts.stage != Stage.DRAFT and overall < AT_RISK_BELOW:
        risk = max(risk, Risk.AT_RISK)
    reasons.sort(key=lambda r: (-r.risk, -r.points, r.code))
    return Evaluation(
        scores=scores,
        risk=risk,
        reasons=tuple(reasons),
        next_date=_next_date(facts, today, window),
        handover_planned_early=_planned_early(facts, window, today),
    )


VALUE_REVIEW_DUE_POINTS = 30


def _value_review(facts: Facts, found: _Found, today: date, settings: RuleSettings) -> None:
    owed = rules.value_review_owed(
        stage=facts.stage,
        graduated_on=facts.graduated_on,
        operation_ended_on=facts.operation_ended_on,
        signed_through=facts.value_reviewed_through,
        today=today,
        rules=settings,
    )
    if owed is None:
        return
    overdue = owed.overdue(today)
    found.add(
        "VALUE_REVIEW_DUE",
        VALUE_REVIEW_DUE_POINTS,
        Risk.AT_RISK if overdue else Risk.WATCH,
        f"The {owed.due_day}-day value review was due on {formats.day(owed.due_on)} and is "
        "not signed off by the sponsor and a portfolio lead"
        + (f": overdue since {formats.day(owed.overdue_on)}." if overdue else "."),
        "operation",
    )


def _ownership(
    facts: Facts, found: _Found, approved: bool, today: date, settings: RuleSettings
) -> None:
    watched = rules.followed(
        stage=facts.stage,
        graduated_on=facts.graduated_on,
        today=today,
        operation_ended_on=facts.operation_ended_on,
    )
    declined = facts.owner_status == OwnershipStatus.DECLINED
    if facts.owner_status == OwnershipStatus.NONE or declined:
        found.add(
            "NO_OWNER",
            60,
            Risk.AT_RISK,
            "No business owner has accepted accountability"
            + (
                ": the nominee declined." if facts.owner_status == OwnershipStatus.DECLINED else "."
            ),
            "owner",
        )
    elif facts.owner_status == OwnershipStatus.PENDING:
        found.add(
            "OWNER_PENDING",
            30,
            Risk.WATCH,
            "The nominated business owner has not accepted yet.",
            "owner",
        )
    if (
        facts.owner_status in (OwnershipStatus.PENDING, OwnershipStatus.ACCEPTED)
        and not facts.owner_active
        and not watched  # a followed pilot's deactivated owner is ORPHANED
    ):
        found.add(
            "OWNER_INACTIVE",
            60,
            Risk.CRITICAL,
            "The business owner's account is deactivated: nobody is accountable.",
            "owner",
        )
    _orphaned(facts, found, today, settings)
    if not facts.has_operations_owner:
        found.add(
            "NO_OPERATIONS_OWNER",
            40,
            Risk.AT_RISK if approved else Risk.WATCH,
            "Nobody is named to operate it after handover.",
            "operations",
        )


def _orphaned(facts: Facts, found: _Found, today: date, settings: RuleSettings) -> None:
    """A keeper gone (deactivated) or idle: the pilot is orphaned; one reason naming each."""
    orphanings = rules.orphaned(
        stage=facts.stage,
        graduated_on=facts.graduated_on,
        keepers=facts.keepers,
        today=today,
        rules=settings,
        operation_ended_on=facts.operation_ended_on,
    )
    if not orphanings:
        return
    found.add(
        "ORPHANED",
        60,
        Risk.CRITICAL if any(o.deactivated for o in orphanings) else Risk.AT_RISK,
        "; ".join(o.sentence for o in orphanings) + ": name a successor.",
        "succession",
    )


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _segments(facts: Facts, found: _Found) -> None:
    """Each critical-segment metric beyond its guardrail: at least at risk."""
    breached = [
        segment
        for segment in facts.segments
        if rules.segment_breach(
            stage=facts.stage,
            increasing=segment.increasing,
            guardrail=segment.guardrail,
            baseline=segment.baseline,
            target=segment.target,
            started_on=facts.started_on,
            target_date=segment.target_date,
            latest_value=segment.latest_value,
            latest_on=segment.latest_on,
        )
    ]
    for segment in breached:
        value = (
            formats.quantity(segment.latest_value, segment.unit)
            if segment.latest_value is not None
            else ""
        )
        if segment.guardrail is not None:
            side = "floor" if segment.increasing else "ceiling"
            beyond = f"{'below' if segment.increasing else 'above'} its guardrail {side} of "
            beyond += formats.quantity(segment.guardrail, segment.unit)
        else:
            beyond = "behind its trajectory (its guardrail while none is set)"
        found.add(
            "SEGMENT_BREACH",
            min(SEGMENT_BREACH_POINTS, SEGMENT_BREACH_MAX // len(breached)),
            Risk.AT_RISK,
            f"Critical segment “{segment.name}” is at {value}, {beyond}: the overall "
            "number hides a segment that is failing.",
            f"metric-{segment.pk}",
        )


def _contract(facts: Facts, found: _Found) -> None:
    """Changes to the approved contract, until a portfolio lead acknowledges them."""
    if not facts.contract_changes or facts.stage not in Stage.APPROVED_OR_LATER:
        return
    named = list(facts.contract_changes[:CONTRACT_CHANGED_NAMED])
    more = len(facts.contract_changes) - len(named)
    fields = ", ".join(named) + (f" and {more} more" if more else "")
    found.add(
        "CONTRACT_CHANGED",
        CONTRACT_CHANGED_POINTS,
        Risk.WATCH,
        f"The approved contract changed ({fields}): a portfolio lead has not acknowledged it yet.",
        "contract",
    )


def _metric(facts: Facts, found: _Found, today: date, settings: RuleSettings) -> None:
    _segments(facts, found)
    _contract(facts, found)
    primary = facts.primary
    if primary is None:
        if facts.metric_kinds and facts.metric_kinds <= {MetricKind.MODEL}:
            found.add(
                "ONLY_MODEL_METRICS",
                100,
                Risk.AT_RISK,
                "Only model metrics are tracked: accuracy is not business value.",
                "metric",
            )
        else:
            found.add(
                "NO_PRIMARY_METRIC",
                100,
                Risk.AT_RISK,
                "There is no primary business metric: no number says whether it worked.",
                "metric",
            )
        return
    silence = rules.silence(
        stage=facts.stage,
        graduated_on=facts.graduated_on,
        started_on=facts.started_on,
        last_reading_on=primary.latest_on,
        cadence_days=primary.cadence_days,
        today=today,
        rules=settings,
        operation_ended_on=facts.operation_ended_on,
    )
    if silence is not None and silence.stale:
        since = f"since {formats.day(primary.latest_on)}" if primary.latest_on else "yet"
        found.add(
            "METRIC_STALE",
            30,
            Risk.AT_RISK if silence.days > 2 * silence.allowed else Risk.WATCH,
            f"No reading of “{primary.name}” {since}.",
            "metrics",
        )
    status = primary_trajectory(facts)
    # BEHIND is only ever judged from a dated reading (``primary_trajectory``).
    if status == timeline.Trajectory.BEHIND:
        _behind(primary, facts, found)
    _confidence(facts, primary, status, found, today, settings)
    _degrading(facts, primary, found, today, settings)


def primary_trajectory(facts: Facts) -> timeline.Trajectory:
    """The running pilot's primary metric against its straight line, judged once.

    ``METRIC_BEHIND`` and ``CONFIDENCE_DIVERGES`` both read it. NO_DATA unless
    running with a complete metric and a dated reading.
    """
    primary = facts.primary
    if (
        primary is None
        or facts.stage != Stage.RUNNING
        or primary.baseline is None
        or primary.target is None
        or primary.target_date is None
        or primary.increasing is None
        or facts.started_on is None
        or primary.latest_value is None
        or primary.latest_on is None
    ):
        return timeline.Trajectory.NO_DATA
    return timeline.trajectory_status(
        baseline=primary.baseline,
        target=primary.target,
        increasing=primary.increasing,
        start=facts.started_on,
        target_date=primary.target_date,
        latest_value=primary.latest_value,
        latest_on=primary.latest_on,
    )


def _behind(primary: PrimaryMetric, facts: Facts, found: _Found) -> None:
    """METRIC_BEHIND: how far behind its straight line the latest reading is."""
    # Set whenever the trajectory is BEHIND (``primary_trajectory``); named to narrow them.
    baseline, target, target_date = primary.baseline, primary.target, primary.target_date
    started_on, latest_on, latest_value = facts.started_on, primary.latest_on, primary.latest_value
    if (
        baseline is None
        or target is None
        or target_date is None
        or started_on is None
        or latest_on is None
        or latest_value is None
    ):
        return
    expected = timeline.expected_value(
        baseline=baseline, target=target, start=started_on, target_date=target_date, on=latest_on
    )
    span = abs(target - baseline)
    gap = abs(expected - latest_value)
    share = gap / span if span else Decimal(1)
    found.add(
        "METRIC_BEHIND",
        30,
        Risk.AT_RISK if share >= BEHIND_AT_RISK_SHARE else Risk.WATCH,
        f"“{primary.name}” is behind its trajectory by "
        + (f"{share:.0%}" if share >= Decimal("0.01") else "less than 1%")
        + " of the way to its target.",
        "metrics",
    )


def _confidence(
    facts: Facts,
    primary: PrimaryMetric,
    trajectory: timeline.Trajectory,
    found: _Found,
    today: date,
    settings: RuleSettings,
) -> None:
    """CONFIDENCE_DIVERGES: the owner's latest, current check-in contradicts the metric."""
    confidence, checked_in_on = facts.checkin_confidence, facts.checkin_on
    if (
        confidence is None
        or checked_in_on is None
        or not rules.checkin_divergence(
            stage=facts.stage,
            confidence=confidence,
            checked_in_on=checked_in_on,
            trajectory=trajectory,
            cadence_days=primary.cadence_days,
            today=today,
            rules=settings,
        )
    ):
        return
    said = Confidence(confidence).label.lower()
    found.add(
        "CONFIDENCE_DIVERGES",
        CONFIDENCE_DIVERGES_POINTS,
        Risk.WATCH,
        f"The owner says {said} on {formats.day(checked_in_on)}; “{primary.name}” "
        f"{rules.TRAJECTORY_WORDS[trajectory]}.",
        "checkins",
    )


def _degrading(
    facts: Facts, primary: PrimaryMetric, found: _Found, today: date, settings: RuleSettings
) -> None:
    """DEGRADING: a sustained decline from the level at graduation (``rules.degradation``)."""
    decline = rules.degradation(
        stage=facts.stage,
        graduated_on=facts.graduated_on,
        increasing=primary.increasing,
        baseline=primary.baseline,
        target=primary.target,
        at_graduation=primary.at_graduation,
        after_graduation=primary.after_graduation,
        today=today,
        rules=settings,
        operation_ended_on=facts.operation_ended_on,
    )
    if decline is None:
        return
    found.add(
        "DEGRADING",
        50,
        Risk.AT_RISK,
        formats.decline(primary.name, decline, primary.unit, settings.degrading_readings),
        "metrics",
    )


def _infrastructure(facts: Facts, found: _Found, approved: bool) -> None:
    missing = INFRASTRUCTURE_ITEMS - min(facts.infrastructure_yes, INFRASTRUCTURE_ITEMS)
    if missing:
        found.add(
            "INFRA_MISSING",
            round(100 * missing / INFRASTRUCTURE_ITEMS),
            Risk.AT_RISK if approved else Risk.WATCH,
            f"{plural(missing, 'production-infrastructure item')} not in place "
            f"({INFRASTRUCTURE_ITEMS - missing} of {INFRASTRUCTURE_ITEMS} are).",
            "infrastructure",
        )


def _waivers(facts: Facts, found: _Found, today: date) -> None:
    """Each waiver past its last day with the item still not in place: at risk."""
    expired = [
        waiver
        for waiver in facts.waivers
        if rules.waiver_expired(
            stage=facts.stage, answer=waiver.answer, expires_on=waiver.expires_on, today=today
        )
    ]
    if not expired:
        return
    found.add(
        "WAIVER_EXPIRED",
        min(WAIVER_EXPIRED_CAP, WAIVER_EXPIRED_POINTS * len(expired)),
        Risk.AT_RISK,
        " ".join(
            f"The waiver for “{waiver.item}” expired on {formats.day(waiver.expires_on)}"
            " and it is still not in place."
            for waiver in expired
            if waiver.expires_on is not None
        ),
        "infrastructure",
    )


def _window(facts: Facts, today: date, settings: RuleSettings) -> timeline.Timeline | None:
    start = facts.started_on or facts.planned_start
    if start is None or facts.planned_end is None or facts.planned_end < start:
        return None
    return timeline.timeline(
        start=start, end=facts.planned_end, today=today, lead_days=settings.lead_days
    )


def _handover(
    facts: Facts, found: _Found, today: date, settings: RuleSettings
) -> timeline.Timeline | None:
    window = _window(facts, today, settings)
    if facts.stage not in Stage.IN_FLIGHT:
        return window
    _unplanned(facts, found, today, settings, window)
    if facts.tasks_overdue:
        found.add(
            "HANDOVER_BEHIND",
            min(60, 20 * facts.tasks_overdue),
            Risk.CRITICAL if facts.tasks_overdue >= HANDOVER_BEHIND_CRITICAL else Risk.AT_RISK,
            f"{plural(facts.tasks_overdue, 'knowledge-transfer task')} overdue.",
            "handover",
        )
    _checkpoint(facts, found, today, settings, window)
    if facts.tasks_unconfirmed:
        found.add(
            "HANDOVER_UNCONFIRMED",
            min(30, 10 * facts.tasks_unconfirmed),
            Risk.WATCH,
            f"{plural(facts.tasks_unconfirmed, 'knowledge-transfer task')} completed "
            f"{'waits' if facts.tasks_unconfirmed == 1 else 'wait'} for the receiver's "
            f"confirmation for more than {plural(settings.unconfirmed_days, 'day')}.",
            "handover",
        )
    end = facts.planned_end
    if end is not None and rules.decision_overdue(
        stage=facts.stage, planned_end=end, today=today, rules=settings
    ):
        ago = plural((today - end).days, "day")
        found.add(
            "DECISION_OVERDUE",
            100,
            Risk.CRITICAL,
            f"It ended {ago} ago with no graduate or stop decision."
            if facts.stage == Stage.RUNNING
            else f"Its planned end passed {ago} ago and it never started: stop it, or "
            "plan new dates.",
            "decision",
        )
    return window


def _checkpoint(
    facts: Facts,
    found: _Found,
    today: date,
    settings: RuleSettings,
    window: timeline.Timeline | None,
) -> None:
    """The window is open and no lead has decided continue, extend or stop for it."""
    found_checkpoint = rules.checkpoint(
        stage=facts.stage,
        window=window,
        decided_for=facts.checkpoint_for,
        decided_on=facts.checkpoint_on,
        today=today,
        rules=settings,
    )
    if found_checkpoint is None or found_checkpoint.overdue_on is None:
        return
    overdue = found_checkpoint.overdue(today)
    found.add(
        "CHECKPOINT_DUE",
        30,
        Risk.AT_RISK if overdue else Risk.WATCH,
        f"The handover window opened on {formats.day(found_checkpoint.window_opens)} and no "
        "portfolio lead has decided to continue, extend or stop it"
        + (
            f": overdue since {formats.day(found_checkpoint.overdue_on)}."
            if overdue
            else f": due by {formats.day(found_checkpoint.overdue_on)}."
        ),
        "checkpoint",
    )


def _unplanned(
    facts: Facts,
    found: _Found,
    today: date,
    settings: RuleSettings,
    window: timeline.Timeline | None,
) -> None:
    alarm = rules.handover_alarm(
        stage=facts.stage, window=window, task_count=facts.task_count, today=today, rules=settings
    )
    if alarm is HandoverAlarm.NONE or window is None:
        return
    days_to_go = window.days_until_handover
    if alarm is HandoverAlarm.APPROACHING:
        risk, when = Risk.WATCH, f"opens in {plural(days_to_go, 'day')}"
    elif days_to_go == 0:
        risk, when = Risk.AT_RISK, "opens today"
    else:
        risk = Risk.CRITICAL if alarm is HandoverAlarm.ESCALATED else Risk.AT_RISK
        when = f"opened {plural(-days_to_go, 'day')} ago"
    found.add(
        "HANDOVER_UNPLANNED",
        60,
        risk,
        f"The handover window {when} and no knowledge-transfer task exists.",
        "handover",
    )


def _next_date(facts: Facts, today: date, window: timeline.Timeline | None) -> date | None:
    """The soonest date that matters next (past dates first: they already bite)."""
    if facts.stage not in Stage.IN_FLIGHT and facts.stage != Stage.PROPOSED:
        return None
    candidates = [facts.next_task_due]
    if window is not None:
        if facts.stage == Stage.APPROVED or window.handover_opens > today:
            candidates.append(window.handover_opens)
        candidates.append(window.end)
    if facts.stage in Stage.SCHEDULED:
        candidates.append(facts.planned_start)
    dates = [d for d in candidates if d is not None]
    return min(dates) if dates else None


def _planned_early(facts: Facts, window: timeline.Timeline | None, today: date) -> bool | None:
    """Had the handover plan (a task) before the window opened? None until it opens."""
    if window is None or facts.stage not in Stage.APPROVED_OR_LATER:
        return None
    if today < window.handover_opens:
        return None
    return facts.first_task_on is not None and facts.first_task_on < window.handover_opens
