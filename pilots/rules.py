"""The rules that decide what people are told: plain values in, plain values out.

The one home of each rule. The pilot page, the home page, the scorecards and
the reminders all ask here, so a badge, a reason and a reminder cannot
disagree (``tests/pilots/test_rule_parity.py`` proves it over many pilot
situations). The reminder sweep's SQL only narrows the candidates; the rule
itself is decided here. No ORM, no clock, no settings (choices from
``pilots.enums`` only): the day and the
``RuleSettings`` are passed in (``pilots.selectors.pilots.rule_settings`` reads the
deployment's).

==========================  ========================================================
rule                        when
==========================  ========================================================
followed                    running, or graduated within the last 12 months
metric stale                followed, and no reading within the cadence + grace
                            (counted from the start when there is no reading yet)
handover alarm              approved or running, no knowledge-transfer task, and the
                            window opens within the lead days (approaching), is
                            open (open), or has been open for the escalation days
                            (escalated); none once the end has passed
task overdue                still the giver's (to do, in progress), and the due
                            date + grace has passed
task unconfirmed            completed by the giver and waiting for its receiver's
                            confirmation for more than the unconfirmed days
decision overdue            approved or running, and the planned end + grace has
                            passed with no graduate or stop decision (the end +
                            grace is the last day for it: ``decision_due_by``)
ownership reminder due      nominated, not answered for N local days, pilot open
                            (from ``ownership_reminded_on``)
segment breach              running, a critical-segment metric's latest reading is
                            beyond its guardrail (below a floor when higher is
                            better, above a ceiling when lower is better); with no
                            guardrail set, behind its own trajectory
segment metric required    before submission, by the policy: always, never, or (the
                            default) when the primary metric's unit is a rate or a
                            share (a percent sign, or percent, share, ratio, rate,
                            proportion)
check-in due on             the latest check-in's day (or the start, with none) +
                            the primary metric's cadence (daily 1, weekly 7,
                            monthly 31 days); followed pilots only
check-in current            the latest check-in is at most the cadence + the stale
                            grace days old; an older one is stale and says nothing
confidence diverges         the owner says "on track" while the primary metric is
                            behind its trajectory, or says "at risk" / "off track"
                            while it is on track or has reached its target; no
                            reading (no trajectory): no divergence
check-in divergence         running, the latest check-in is current, and its
                            confidence diverges from the primary's trajectory (as
                            judged by ``timeline.trajectory_status``, once)
waiver expired              approved or running, an infrastructure answer is still
                            not "yes" and its waiver's last day has passed
checkpoint                  running, the handover window open (until the end), and
                            no lead's checkpoint decision answers this window (due);
                            due for the grace days (overdue). A lead may record it
                            from the lead days before the window opens; its deadline,
                            the day before it is overdue, is known ahead (a calendar)
task due soon               still the giver's, due within the due-soon days (from
                            that many days before its due date to the day itself)
pilot ending                running, the planned end within the ending days
target date near            running, the primary metric's target date within the
                            target-date days and its latest reading short of target
start overdue               approved, the planned start + grace passed without a
                            start, and not yet past the end (decision overdue then)
review overdue              proposed, submitted more than the review days ago (the
                            gate's time limit; the review queue marks it too)
escalation due              a reminder recorded the escalation days ago or more (in
                            the week that follows) whose cause still holds
degradation                 graduated and followed, and the median of the last N
                            readings after graduation is worse than the level at
                            graduation (the median of the last N readings on or
                            before its day) by the degrading percent of the
                            baseline-to-target distance or more; since the reading
                            from which that has held without a break (the episode)
degradation escalated       the same, for the escalation weeks since its episode
in operation                graduated, from the graduation day for the operation
                            months (``operation_until``), unless retired earlier (a
                            value review's "retire" signed off: ``operation_ended_on``)
value review owed           graduated, not retired, and a review day after graduation
                            (90, 180, 365) has come with no review for it signed off
                            by the sponsor and a lead; the earliest such day first.
                            Due from its day; overdue from its day + the grace days
value review sign-off late  a recorded value review, not refused, has waited for the
                            sponsor's or a lead's sign-off more than the grace days
orphaned                    followed (running, or graduated within 12 months), and a
                            role that keeps it alive (business owner, operations
                            owner, sponsor, giver of an open task) is held by a
                            deactivated account; or an owner (the business owner;
                            the operations owner once graduated) has not touched
                            the pilot (any audited change they made) for the
                            orphaned days, counted from the later of their last
                            touch and the day they took the role (or the start)
==========================  ========================================================
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from pilots import timeline
from pilots.enums import Confidence, InfrastructureAnswerValue, OwnershipStatus, Stage, TaskStatus


@dataclass(frozen=True)
class RuleSettings:
    """The deployment's rule settings (``PILOTGATE_*``), defined once in the settings."""

    lead_days: int
    escalation_days: int
    stale_grace_days: int
    task_grace_days: int
    decision_grace_days: int
    ownership_pending_days: int
    checkpoint_grace_days: int
    unconfirmed_days: int
    due_soon_days: int
    ending_days: int
    target_date_days: int
    start_grace_days: int
    review_days: int
    reminder_escalation_days: int
    # Degradation after graduation (``degradation``): the readings whose median is a
    # level, the decline (percent of the baseline-to-target distance) that counts, and
    # the weeks a decline may last before the sponsor and the leads are told.
    degrading_readings: int
    degrading_percent: int
    degrading_escalation_weeks: int
    # The operating phase (defaults: the settings' defaults).
    operation_months: int = 12
    value_review_days: tuple[int, ...] = (90, 180, 365)
    value_review_grace_days: int = 14
    # Days a role that keeps a running (or in operation) pilot alive may go without touching it.
    orphaned_after_days: int = 60


# --- Metrics ---------------------------------------------------------------------------


def followed(
    *,
    stage: str,
    graduated_on: date | None,
    today: date,
    operation_ended_on: date | None = None,
) -> bool:
    """Is the primary metric still followed? Running, or graduated in the last 12 months
    and not retired (a signed-off "retire" value review ends the operation on
    ``operation_ended_on``: from that day nothing about it is followed any more).

    A graduated pilot whose graduation day is unknown is not followed.
    """
    if stage == Stage.RUNNING:
        return True
    return (
        stage == Stage.GRADUATED
        and graduated_on is not None
        and today - graduated_on <= timeline.TRACKED_AFTER_GRADUATION
        and (operation_ended_on is None or today < operation_ended_on)
    )


@dataclass(frozen=True)
class Silence:
    """How long a followed metric has gone without a reading, and how long it may."""

    days: int  # since the last reading, or since the start when there is none
    allowed: int  # cadence + grace

    @property
    def stale(self) -> bool:
        return self.days > self.allowed


def silence(
    *,
    stage: str,
    graduated_on: date | None,
    started_on: date | None,
    last_reading_on: date | None,
    cadence_days: int,
    today: date,
    rules: RuleSettings,
    operation_ended_on: date | None = None,
) -> Silence | None:
    """The silence of a metric that is followed; None when it is not followed (or not started)."""
    if started_on is None or not followed(
        stage=stage, graduated_on=graduated_on, today=today, operation_ended_on=operation_ended_on
    ):
        return None
    reference = max(last_reading_on, started_on) if last_reading_on else started_on
    return Silence(days=(today - reference).days, allowed=cadence_days + rules.stale_grace_days)


def metric_stale(
    *,
    stage: str,
    graduated_on: date | None,
    started_on: date | None,
    last_reading_on: date | None,
    cadence_days: int,
    today: date,
    rules: RuleSettings,
    operation_ended_on: date | None = None,
) -> bool:
    """Followed, and no reading within its cadence plus the grace days."""
    found = silence(
        stage=stage,
        graduated_on=graduated_on,
        started_on=started_on,
        last_reading_on=last_reading_on,
        cadence_days=cadence_days,
        today=today,
        rules=rules,
        operation_ended_on=operation_ended_on,
    )
    return found is not None and found.stale


@dataclass(frozen=True)
class Degradation:
    """A sustained decline from the level at graduation: one episode, since its first day."""

    since: date  # the reading from which the decline has held without a break
    level: Decimal  # the recent level: the median of the last N readings
    graduation_level: Decimal  # the median of the last N readings on or before graduation
    share: Decimal  # the decline, as a share of the baseline-to-target distance

    @property
    def period(self) -> str:
        """The episode's key (``D2026-11-20``): its reminders go once per episode."""
        return f"D{self.since.isoformat()}"

    def escalated_on(self, rules: RuleSettings) -> date:
        """The day the episode has lasted the escalation weeks."""
        return self.since + timedelta(weeks=rules.degrading_escalation_weeks)


def _median(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def graduation_level(at_graduation: Sequence[Decimal], *, rules: RuleSettings) -> Decimal:
    """The level at graduation: the median of the last N readings on or before its day."""
    return _median(at_graduation[-max(1, rules.degrading_readings) :])


def degradation(
    *,
    stage: str,
    graduated_on: date | None,
    increasing: bool | None,
    baseline: Decimal | None,
    target: Decimal | None,
    at_graduation: Sequence[Decimal],
    after_graduation: Sequence[tuple[date, Decimal]],
    today: date,
    rules: RuleSettings,
    operation_ended_on: date | None = None,
) -> Degradation | None:
    """Has the primary metric declined from its level at graduation, and stayed down?

    A sustained decline, robust to one noisy reading. Two levels are compared,
    each the median of N readings (``degrading_readings``, default 3): the level
    at graduation (the last N readings on or before the graduation day, fewer if
    there are fewer) and the recent level (the last N readings after it). It
    degrades when the recent level is worse than the graduation level, in the
    metric's direction, by at least ``degrading_percent`` (default 10) of the
    baseline-to-target distance. With N = 3 one outlier among good readings is
    never the median, so it cannot raise it (nor clear it); two of the last three
    do. Fewer than N readings after graduation say nothing yet.

    Each reading after graduation is judged with the N readings ending at it; the
    episode runs from the first reading of the unbroken run of declines that ends
    at the latest one (``since``). A recovery (the recent level back within the
    percent) ends the episode; a later decline starts a new one with a new
    ``since``, so its reminders go again. Only while the pilot is followed
    (graduated, for ``timeline.TRACKED_AFTER_GRADUATION``), with a direction and a
    baseline different from its target. Readings dated after ``today`` are not read.
    """
    n = max(1, rules.degrading_readings)
    after_graduation = [reading for reading in after_graduation if reading[0] <= today]
    if (
        stage != Stage.GRADUATED
        or not followed(
            stage=stage,
            graduated_on=graduated_on,
            today=today,
            operation_ended_on=operation_ended_on,
        )
        or increasing is None
        or baseline is None
        or target is None
        or baseline == target
        or not at_graduation
        or len(after_graduation) < n
    ):
        return None
    level_then = graduation_level(at_graduation, rules=rules)
    span = abs(target - baseline)
    sign = 1 if increasing else -1
    threshold = Decimal(rules.degrading_percent) / 100

    def decline(end: int) -> Decimal:
        recent = _median([value for _day, value in after_graduation[end - n + 1 : end + 1]])
        return sign * (level_then - recent) / span

    last = len(after_graduation) - 1
    share = decline(last)
    if share < threshold:
        return None
    first = last
    while first - 1 >= n - 1 and decline(first - 1) >= threshold:
        first -= 1
    return Degradation(
        since=after_graduation[first][0],
        level=_median([value for _day, value in after_graduation[-n:]]),
        graduation_level=level_then,
        share=share,
    )


def degradation_escalated(*, found: Degradation | None, today: date, rules: RuleSettings) -> bool:
    """The decline has lasted the escalation weeks (from its episode's first reading)."""
    return found is not None and today >= found.escalated_on(rules)


def reading_due(
    *, last_reading_on: date | None, started_on: date | None, cadence_days: int, today: date
) -> bool:
    """A new reading is expected: a whole cadence has passed since the last one (or the start)."""
    since = last_reading_on or started_on
    return since is not None and (today - since).days >= cadence_days


def segment_breach(
    *,
    stage: str,
    increasing: bool | None,
    guardrail: Decimal | None,
    baseline: Decimal | None,
    target: Decimal | None,
    started_on: date | None,
    target_date: date | None,
    latest_value: Decimal | None,
    latest_on: date | None,
) -> bool:
    """A running pilot's critical-segment metric has crossed its guardrail.

    The guardrail is a floor (higher is better) or a ceiling (lower is better);
    unset, it is the metric's own straight line from baseline to target, so
    "behind its trajectory" is a breach. Judged only from a dated reading.
    """
    if stage != Stage.RUNNING or increasing is None or latest_value is None or latest_on is None:
        return False
    if guardrail is not None:
        return latest_value < guardrail if increasing else latest_value > guardrail
    if baseline is None or target is None or started_on is None or target_date is None:
        return False
    status = timeline.trajectory_status(
        baseline=baseline,
        target=target,
        increasing=increasing,
        start=started_on,
        target_date=target_date,
        latest_value=latest_value,
        latest_on=latest_on,
    )
    return status == timeline.Trajectory.BEHIND


# Whether a pilot must define a critical-segment metric before it is submitted
# (``PILOTGATE_SEGMENT_METRIC_REQUIRED``): always, never, or only when its primary
# metric is a rate or a share, where an overall percentage most easily hides a
# failing segment (the "2%").
SEGMENT_POLICIES = ("rates", "always", "never")
# A unit names a rate or a share when it has a percent sign or one of these words.
RATE_UNIT_WORDS = frozenset({"percent", "percentage", "share", "ratio", "rate", "proportion"})


def is_rate_unit(unit: str) -> bool:
    """``%``, ``% of arrears``, ``per cent``, ``share of calls``: a rate or a share."""
    text = unit.casefold()
    words = set(re.findall(r"[a-z]+", text.replace("per cent", "percent")))
    return "%" in text or bool(words & RATE_UNIT_WORDS)


def segment_metric_required(*, policy: str, primary_unit: str | None) -> bool:
    """Must the pilot define at least one critical-segment metric before submission?"""
    if policy == "always":
        return True
    if policy == "never":
        return False
    return primary_unit is not None and is_rate_unit(primary_unit)


# --- Owner check-ins ----------------------------------------------------------------------


def checkin_due_on(
    *, last_checkin_on: date | None, started_on: date | None, cadence_days: int
) -> date | None:
    """The day the next check-in is due: a cadence after the last one (or the start).

    None before the pilot has started. Asked for followed pilots only.
    """
    since = last_checkin_on or started_on
    return since + timedelta(days=cadence_days) if since is not None else None


def checkin_current(
    *, checked_in_on: date | None, cadence_days: int, today: date, rules: RuleSettings
) -> bool:
    """The latest check-in still speaks for the owner: at most cadence + grace days old."""
    return (
        checked_in_on is not None
        and (today - checked_in_on).days <= cadence_days + rules.stale_grace_days
    )


def confidence_diverges(confidence: str, trajectory: timeline.Trajectory) -> bool:
    """The owner's confidence contradicts the primary metric's computed trajectory.

    "On track" while the metric is behind (optimism), or "at risk" / "off track"
    while it is on track or has reached its target. With no reading there is
    no trajectory to contradict.
    """
    if confidence == Confidence.ON_TRACK:
        return trajectory == timeline.Trajectory.BEHIND
    if confidence in Confidence.WORRIED:
        return trajectory in (timeline.Trajectory.ON_TRACK, timeline.Trajectory.ACHIEVED)
    return False


# What the primary metric's trajectory says, in the divergence's sentence (page, scorecard).
TRAJECTORY_WORDS = {
    timeline.Trajectory.BEHIND: "is behind its trajectory",
    timeline.Trajectory.ON_TRACK: "is on track with its trajectory",
    timeline.Trajectory.ACHIEVED: "has reached its target",
}


def checkin_divergence(
    *,
    stage: str,
    confidence: str | None,
    checked_in_on: date | None,
    trajectory: timeline.Trajectory,
    cadence_days: int,
    today: date,
    rules: RuleSettings,
) -> bool:
    """A running pilot's latest, current check-in says the opposite of its primary metric."""
    return (
        stage == Stage.RUNNING
        and confidence is not None
        and checkin_current(
            checked_in_on=checked_in_on, cadence_days=cadence_days, today=today, rules=rules
        )
        and confidence_diverges(confidence, trajectory)
    )


# --- Infrastructure waivers -----------------------------------------------------------


def waiver_expired(*, stage: str, answer: str, expires_on: date | None, today: date) -> bool:
    """An approved or running pilot's infrastructure waiver has run out: its last day
    (``expires_on``) is past and the item is still not in place ("yes" ends a waiver)."""
    return (
        stage in Stage.IN_FLIGHT
        and answer != InfrastructureAnswerValue.YES
        and expires_on is not None
        and expires_on < today
    )


# --- Handover ---------------------------------------------------------------------------


class HandoverAlarm(enum.StrEnum):
    """How loudly a missing handover plan is raised."""

    NONE = "none"
    APPROACHING = "approaching"  # the window opens within the lead days
    OPEN = "open"  # the window is open (from its first day)
    ESCALATED = "escalated"  # open for the escalation days: the leads hear of it


def handover_alarm(
    *,
    stage: str,
    window: timeline.Timeline | None,
    task_count: int,
    today: date,
    rules: RuleSettings,
) -> HandoverAlarm:
    """Approved or running with no knowledge-transfer task as the window nears or is open."""
    if stage not in Stage.IN_FLIGHT or window is None or task_count or today > window.end:
        return HandoverAlarm.NONE
    days_to_go = (window.handover_opens - today).days
    if days_to_go > rules.lead_days:
        return HandoverAlarm.NONE
    if days_to_go > 0:
        return HandoverAlarm.APPROACHING
    if -days_to_go >= rules.escalation_days:
        return HandoverAlarm.ESCALATED
    return HandoverAlarm.OPEN


@dataclass(frozen=True)
class Checkpoint:
    """A running pilot's checkpoint on a day: may a lead record it, is it due, overdue."""

    window_opens: date  # the first day of the current handover window
    window_ends: date  # the planned end
    recordable: bool  # the window opens within the lead days, or is open, and the end is ahead
    decided: bool  # a checkpoint decision answers this window
    due_since: date | None  # due from this day (the window open, undecided); None: not due
    overdue_on: date | None  # the day it is (or will be) overdue, while due
    # The last day to decide this window, seen ahead (a calendar shows it before the
    # window opens): the day before it is overdue. None once decided or past the end.
    deadline: date | None = None

    @property
    def due(self) -> bool:
        return self.due_since is not None

    def overdue(self, today: date) -> bool:
        return self.overdue_on is not None and today >= self.overdue_on


def checkpoint_recordable(*, stage: str, window: timeline.Timeline | None, today: date) -> bool:
    """May a lead record the checkpoint today? Running, from the window's lead days
    (``window.lead_days``) before it opens until the end: a few days early is fine,
    and the decision then answers the window about to open."""
    return (
        stage == Stage.RUNNING
        and window is not None
        and window.days_until_handover <= window.lead_days
        and today <= window.end
    )


def checkpoint(
    *,
    stage: str,
    window: timeline.Timeline | None,
    decided_for: date | None,
    decided_on: date | None,
    today: date,
    rules: RuleSettings,
) -> Checkpoint | None:
    """The checkpoint of a running pilot with a window; None otherwise.

    ``decided_for`` is the window (its first day) the pilot's latest checkpoint
    decision answered, ``decided_on`` the local day it was taken. An extension
    moves the end, so the window: the decision no longer answers the new one,
    which is due once it opens (counted from the extension's day when the new
    window is open already). Past the end it is no longer due: the final
    decision (graduate or stop) is, as ``decision_overdue`` says.
    """
    if stage != Stage.RUNNING or window is None:
        return None
    opens, end = window.handover_opens, window.end
    decided = decided_for == opens
    # The day it is due from, once its window is open: the window's first day, or the
    # day of the decision (an extension) that left the new window already open.
    due_from = None if decided else max(opens, decided_on) if decided_on else opens
    due_since = due_from if due_from is not None and opens <= today <= end else None
    grace = timedelta(days=rules.checkpoint_grace_days)
    return Checkpoint(
        window_opens=opens,
        window_ends=end,
        recordable=checkpoint_recordable(stage=stage, window=window, today=today),
        decided=decided,
        due_since=due_since,
        overdue_on=due_since + grace if due_since is not None else None,
        deadline=due_from + grace - timedelta(days=1)
        if due_from is not None and today <= end
        else None,
    )


def overdue_if_due_before(*, today: date, rules: RuleSettings) -> date:
    """A task not done and due before this day is overdue (the grace days have passed)."""
    return today - timedelta(days=rules.task_grace_days)


def task_overdue(*, status: str, due_on: date | None, today: date, rules: RuleSettings) -> bool:
    """Still the giver's (to do, in progress), and more than the grace days past its due
    date. A task waiting for its receiver has been given: ``task_unconfirmed`` chases it."""
    return (
        status in TaskStatus.OPEN
        and due_on is not None
        and due_on < overdue_if_due_before(today=today, rules=rules)
    )


def unconfirmed_if_completed_before(*, today: date, rules: RuleSettings) -> date:
    """A task waiting since a local day before this one has waited too long."""
    return today - timedelta(days=rules.unconfirmed_days)


def task_unconfirmed(
    *, status: str, completed_on: date | None, today: date, rules: RuleSettings
) -> bool:
    """Completed by the giver (local day ``completed_on``) and still waiting for the
    receiver's confirmation more than the unconfirmed days later."""
    return (
        status == TaskStatus.WAITING
        and completed_on is not None
        and completed_on < unconfirmed_if_completed_before(today=today, rules=rules)
    )


# --- Decisions and ownership --------------------------------------------------------------


def decision_overdue_if_end_before(*, today: date, rules: RuleSettings) -> date:
    """A pilot in flight whose planned end is before this day needs its final decision."""
    return today - timedelta(days=rules.decision_grace_days)


def decision_due_by(*, planned_end: date, rules: RuleSettings) -> date:
    """The last day for the final decision (graduate or stop): the end + the grace days."""
    return planned_end + timedelta(days=rules.decision_grace_days)


def decision_overdue(
    *, stage: str, planned_end: date | None, today: date, rules: RuleSettings
) -> bool:
    """Approved or running, and past its planned end (+ grace) with no graduate or stop.

    An approved pilot that never started is overdue too: it must be stopped or
    given new dates.
    """
    return (
        stage in Stage.IN_FLIGHT
        and planned_end is not None
        and decision_due_by(planned_end=planned_end, rules=rules) < today
    )


def ownership_reminded_on(*, nominated_on: date, rules: RuleSettings) -> date:
    """The local day an unanswered nomination is chased: the pending days after it."""
    return nominated_on + timedelta(days=rules.ownership_pending_days)


def ownership_reminder_due(
    *,
    owner_status: str,
    stage: str,
    nominated_on: date | None,
    today: date,
    rules: RuleSettings,
) -> bool:
    """A nomination unanswered for the pending days (local days), on a pilot still open."""
    return (
        owner_status == OwnershipStatus.PENDING
        and stage not in Stage.CLOSED
        and nominated_on is not None
        and today >= ownership_reminded_on(nominated_on=nominated_on, rules=rules)
    )


# --- Before the date, gate time limits, escalation ------------------------------------------


def within_days(*, on: date | None, today: date, days: int) -> bool:
    """``on`` is today or at most ``days`` ahead: a date that is near, not past."""
    return on is not None and 0 <= (on - today).days <= days


def task_due_soon(*, status: str, due_on: date | None, today: date, rules: RuleSettings) -> bool:
    """Still the giver's, and due within the due-soon days (today included): from
    ``due_on - due_soon_days`` on; once past, ``task_overdue`` takes over."""
    return status in TaskStatus.OPEN and within_days(
        on=due_on, today=today, days=rules.due_soon_days
    )


def pilot_ending(*, stage: str, planned_end: date | None, today: date, rules: RuleSettings) -> bool:
    """Running, and its planned end within the ending days (the end day included)."""
    return stage == Stage.RUNNING and within_days(
        on=planned_end, today=today, days=rules.ending_days
    )


def target_reached(*, increasing: bool, target: Decimal, latest_value: Decimal | None) -> bool:
    """The latest reading is at the target or beyond it (as ``timeline`` judges achieved)."""
    if latest_value is None:
        return False
    return latest_value >= target if increasing else latest_value <= target


def target_date_near(
    *,
    stage: str,
    target_date: date | None,
    increasing: bool | None,
    target: Decimal | None,
    latest_value: Decimal | None,
    today: date,
    rules: RuleSettings,
) -> bool:
    """Running, the primary metric's target date within the target-date days, and its
    latest reading (if any) not yet at the target."""
    if stage != Stage.RUNNING or increasing is None or target is None:
        return False
    return within_days(
        on=target_date, today=today, days=rules.target_date_days
    ) and not target_reached(increasing=increasing, target=target, latest_value=latest_value)


def start_overdue_if_planned_before(*, today: date, rules: RuleSettings) -> date:
    """An approved pilot planned to start before this day should have started."""
    return today - timedelta(days=rules.start_grace_days)


def start_overdue(
    *,
    stage: str,
    planned_start: date | None,
    planned_end: date | None,
    today: date,
    rules: RuleSettings,
) -> bool:
    """Approved, and the planned start (+ grace) has passed without a start. Past the end
    (+ its grace) it is the final decision that is overdue, not the start."""
    return (
        stage == Stage.APPROVED
        and planned_start is not None
        and planned_start < start_overdue_if_planned_before(today=today, rules=rules)
        and not decision_overdue(stage=stage, planned_end=planned_end, today=today, rules=rules)
    )


def review_due_by(*, submitted_on: date, rules: RuleSettings) -> date:
    """The last day a submitted pilot's gate decision is within the review days."""
    return submitted_on + timedelta(days=rules.review_days)


def review_overdue_if_submitted_before(*, today: date, rules: RuleSettings) -> date:
    """A pilot submitted (local day) before this one has waited too long for its gate."""
    return today - timedelta(days=rules.review_days)


def review_overdue(
    *, stage: str, submitted_on: date | None, today: date, rules: RuleSettings
) -> bool:
    """Proposed, and waiting for a lead's gate decision more than the review days."""
    return (
        stage == Stage.PROPOSED
        and submitted_on is not None
        and submitted_on < review_overdue_if_submitted_before(today=today, rules=rules)
    )


# A cause that lasts is reminded of every week: within a week of the escalation days a
# reminder of it has been recorded, so an older one belongs to an earlier episode.
ESCALATION_LOOKBACK_DAYS = 7


def escalation_window(*, today: date, rules: RuleSettings) -> tuple[date, date]:
    """The days (first, last) a reminder recorded on escalates today, if its cause holds."""
    last = today - timedelta(days=rules.reminder_escalation_days)
    return last - timedelta(days=ESCALATION_LOOKBACK_DAYS - 1), last


def escalation_due(
    *, reminded_on: date, still_holds: bool, today: date, rules: RuleSettings
) -> bool:
    """A reminder unanswered: recorded the escalation days ago or more (in the week
    after that) and its cause still holds today."""
    first, last = escalation_window(today=today, rules=rules)
    return still_holds and first <= reminded_on <= last


# --- The operating phase ------------------------------------------------------------------


def operation_until(*, graduated_on: date, rules: RuleSettings) -> date:
    """The last day of a graduated pilot's operating phase, if it is not retired earlier."""
    return timeline.add_months(graduated_on, rules.operation_months)


def in_operation(
    *,
    stage: str,
    graduated_on: date | None,
    operation_ended_on: date | None,
    today: date,
    rules: RuleSettings,
) -> bool:
    """Graduated, and within the operation months after graduation, and not retired."""
    return (
        stage == Stage.GRADUATED
        and graduated_on is not None
        and graduated_on <= today <= operation_until(graduated_on=graduated_on, rules=rules)
        and (operation_ended_on is None or today < operation_ended_on)
    )


@dataclass(frozen=True)
class ValueReviewSlot:
    """One value review of the schedule: its day after graduation, its date, when overdue."""

    due_day: int
    due_on: date
    overdue_on: date  # from this day it is overdue (due date + the grace days)

    def overdue(self, today: date) -> bool:
        return today >= self.overdue_on


def value_review_schedule(*, graduated_on: date, rules: RuleSettings) -> list[ValueReviewSlot]:
    """Every value review of a pilot graduated on ``graduated_on``, in order."""
    grace = timedelta(days=rules.value_review_grace_days)
    return [
        ValueReviewSlot(
            day, graduated_on + timedelta(days=day), graduated_on + timedelta(days=day) + grace
        )
        for day in rules.value_review_days
    ]


def value_review_owed(
    *,
    stage: str,
    graduated_on: date | None,
    operation_ended_on: date | None,
    signed_through: int | None,
    today: date,
    rules: RuleSettings,
) -> ValueReviewSlot | None:
    """The value review owed today: the earliest review day that has come (its due date
    today or past) whose review is not signed off; None when none is owed.

    ``signed_through``: the latest review day with a review signed off by the sponsor and
    a lead (reviews are taken in order, so every earlier day is done too). A retired
    system owes no more review; the operation's natural end does not cancel the last one.
    """
    if stage != Stage.GRADUATED or graduated_on is None or operation_ended_on is not None:
        return None
    for slot in value_review_schedule(graduated_on=graduated_on, rules=rules):
        if signed_through is not None and slot.due_day <= signed_through:
            continue
        return slot if slot.due_on <= today else None
    return None


def value_review_signoff_late(*, recorded_on: date, today: date, rules: RuleSettings) -> bool:
    """A recorded value review has waited for its sign-offs more than the grace days."""
    return (today - recorded_on).days > rules.value_review_grace_days


# --- Orphaned pilots ------------------------------------------------------------------------


@dataclass(frozen=True)
class Keeper:
    """Someone whose role keeps a pilot alive, as the orphaned rule needs them."""

    role: str  # a ``SuccessionRole`` value
    role_label: str  # "Business owner", ...
    user_id: int
    name: str
    active: bool
    last_touch: date | None  # the local day of their latest audited change to the pilot
    since: date | None  # the day they took the role (or the pilot started)
    # Idle counts for the owners: the business owner, and the operations owner once the
    # system is theirs (graduated). Every keeper counts when deactivated.
    idle_watched: bool = True


@dataclass(frozen=True)
class Orphaning:
    """A keeper who no longer keeps the pilot: deactivated, or idle for ``idle_days``."""

    keeper: Keeper
    idle_days: int | None  # None: the account is deactivated

    @property
    def deactivated(self) -> bool:
        return self.idle_days is None

    @property
    def sentence(self) -> str:
        who = f"{self.keeper.role_label} {self.keeper.name}"
        if self.idle_days is None:
            return f"{who}'s account is deactivated"
        return f"{who} has not touched it for {self.idle_days} days"


def orphaned(
    *,
    stage: str,
    graduated_on: date | None,
    keepers: tuple[Keeper, ...] | list[Keeper],
    today: date,
    rules: RuleSettings,
    operation_ended_on: date | None = None,
) -> tuple[Orphaning, ...]:
    """The keepers who leave a followed pilot orphaned; empty when it is not orphaned.

    A keeper is deactivated, or (an owner whose idleness is watched) has not touched
    the pilot for the orphaned days, counted from the later of their last touch and
    the day they took the role.
    A pilot not followed (not started, stopped, or out of its operation) is not watched.
    """
    if not followed(
        stage=stage, graduated_on=graduated_on, today=today, operation_ended_on=operation_ended_on
    ):
        return ()
    found: list[Orphaning] = []
    for keeper in keepers:
        if not keeper.active:
            found.append(Orphaning(keeper, None))
            continue
        days = [day for day in (keeper.last_touch, keeper.since) if day is not None]
        if not keeper.idle_watched or not days:
            continue
        idle = (today - max(days)).days
        if idle >= rules.orphaned_after_days:
            found.append(Orphaning(keeper, idle))
    return tuple(found)
