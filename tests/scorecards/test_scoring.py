"""The scoring rules, rule by rule: pure facts in, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from pilots.rules import Keeper, RuleSettings
from scorecards import scoring
from scorecards.scoring import REASON_CODES, Facts, Practice, PrimaryMetric, Risk

# The rule settings these tests assume (the deployment's come from PILOTGATE_*).
RULES = RuleSettings(
    lead_days=14,
    escalation_days=7,
    stale_grace_days=3,
    task_grace_days=0,
    decision_grace_days=0,
    ownership_pending_days=3,
    checkpoint_grace_days=7,
    unconfirmed_days=3,
    due_soon_days=3,
    ending_days=14,
    target_date_days=14,
    start_grace_days=0,
    review_days=5,
    reminder_escalation_days=7,
    degrading_readings=3,
    degrading_percent=10,
    degrading_escalation_weeks=2,
)


def evaluate(facts: Facts, *, today: date, settings: RuleSettings = RULES) -> scoring.Evaluation:
    return scoring.evaluate(facts, today=today, settings=settings)


TODAY = date(2026, 3, 2)
START = date(2026, 1, 5)
END = date(2026, 7, 5)  # window opens 6 May 2026 (S + ceil(2D/3))
WINDOW_OPENS = date(2026, 5, 6)


def metric(**changes) -> PrimaryMetric:
    base = PrimaryMetric(
        name="Invoices matched",
        kind="primary",
        increasing=True,
        baseline=Decimal(10),
        target=Decimal(40),
        target_date=END,
        cadence_days=7,
        latest_value=Decimal(40),  # achieved: never behind
        latest_on=TODAY - timedelta(days=1),
    )
    return replace(base, **changes)


def keeper(**changes) -> Keeper:
    """The business owner, active, who touched the pilot yesterday."""
    base = Keeper(
        role="owner",
        role_label="Business owner",
        user_id=7,
        name="Jane Doe",
        active=True,
        last_touch=TODAY - timedelta(days=1),
        since=date(2025, 6, 1),
    )
    return replace(base, **changes)


def healthy(**changes) -> Facts:
    """A running pilot with nothing wrong on TODAY."""
    base = Facts(
        stage="running",
        planned_start=START,
        planned_end=END,
        started_on=START,
        owner_status="accepted",
        owner_active=True,
        has_operations_owner=True,
        infrastructure_yes=6,
        metric_kinds=frozenset({"primary"}),
        primary=metric(),
        task_count=3,
        tasks_overdue=0,
        next_task_due=date(2026, 4, 1),
        first_task_on=date(2026, 1, 20),
    )
    return replace(base, **changes)


def codes(facts: Facts, today: date = TODAY) -> dict[str, Risk]:
    return {reason.code: reason.risk for reason in evaluate(facts, today=today).reasons}


def test_a_healthy_pilot_is_on_track_with_full_scores():
    result = evaluate(healthy(), today=TODAY)
    assert result.reasons == ()
    assert result.risk == Risk.ON_TRACK
    assert result.scores == dict.fromkeys(Practice, 100)
    assert result.overall == 100


# --- Each reason fires on its own, and clears when its fact is fixed ------------------------

CASES = [
    ("NO_OWNER", {"owner_status": "none"}, Risk.AT_RISK),
    ("NO_OWNER", {"owner_status": "declined"}, Risk.AT_RISK),
    ("OWNER_PENDING", {"owner_status": "pending"}, Risk.WATCH),
    # Not yet started: not watched for orphaning, so the deactivated owner is OWNER_INACTIVE.
    ("OWNER_INACTIVE", {"owner_active": False, "stage": "approved"}, Risk.CRITICAL),
    # Running: a keeper deactivated (critical) or idle for the orphaned days (at risk).
    ("ORPHANED", {"keepers": (keeper(active=False),)}, Risk.CRITICAL),
    ("ORPHANED", {"keepers": (keeper(last_touch=TODAY - timedelta(days=60)),)}, Risk.AT_RISK),
    ("NO_OPERATIONS_OWNER", {"has_operations_owner": False}, Risk.AT_RISK),
    ("NO_PRIMARY_METRIC", {"primary": None}, Risk.AT_RISK),
    ("INFRA_MISSING", {"infrastructure_yes": 4}, Risk.AT_RISK),
    ("HANDOVER_BEHIND", {"tasks_overdue": 1}, Risk.AT_RISK),
    ("CONTRACT_CHANGED", {"contract_changes": ("Planned end",)}, Risk.WATCH),
    ("HANDOVER_UNCONFIRMED", {"tasks_unconfirmed": 1}, Risk.WATCH),
]


@pytest.mark.parametrize(("code", "change", "risk"), CASES)
def test_each_reason_fires_alone_and_clears(code, change, risk):
    assert codes(healthy(**change)) == {code: risk}
    assert codes(healthy()) == {}


def test_orphaned_names_who_and_why_and_owner_inactive_does_not_repeat_it():
    gone = keeper(role="operations", role_label="Operations owner", active=False)
    idle = keeper(last_touch=TODAY - timedelta(days=74), user_id=8, name="Sam Lee")
    facts = healthy(owner_active=False, keepers=(gone, idle))
    (reason,) = evaluate(facts, today=TODAY).reasons
    assert (reason.code, reason.practice, reason.points, reason.risk, reason.section) == (
        "ORPHANED",
        Practice.OWNERSHIP,
        60,
        Risk.CRITICAL,
        "succession",
    )
    assert reason.sentence == (
        "Operations owner Jane Doe's account is deactivated; Business owner Sam Lee has "
        "not touched it for 74 days: name a successor."
    )


def test_orphaned_is_watched_only_while_followed():
    idle = healthy(keepers=(keeper(last_touch=TODAY - timedelta(days=200)),))
    assert "ORPHANED" in codes(idle)
    # A recent touch clears it; the role's start counts when there is no touch.
    assert "ORPHANED" not in codes(healthy(keepers=(keeper(last_touch=TODAY - timedelta(59)),)))
    assert "ORPHANED" not in codes(
        healthy(keepers=(keeper(last_touch=None, since=TODAY - timedelta(days=10)),))
    )
    # Graduated within 12 months is watched; long after, and stopped, it is not.
    assert "ORPHANED" in codes(replace(idle, stage="graduated", graduated_on=TODAY - timedelta(90)))
    assert "ORPHANED" not in codes(
        replace(idle, stage="graduated", graduated_on=TODAY - timedelta(400))
    )
    assert codes(replace(idle, stage="stopped")) == {}
    # Idleness counts for the owners only; a deactivated keeper counts in every role.
    sponsor = keeper(role="sponsor", role_label="Sponsor", idle_watched=False, last_touch=None)
    assert "ORPHANED" not in codes(healthy(keepers=(sponsor,)))
    assert "ORPHANED" in codes(healthy(keepers=(replace(sponsor, active=False),)))


def test_contract_changed_names_the_fields_and_links_to_the_drift():
    labels = ("“Claims per hour”: target", "Planned end", "Receiving team", "Budget", "Unit")
    (reason,) = evaluate(healthy(contract_changes=labels), today=TODAY).reasons
    assert (reason.code, reason.practice, reason.points, reason.section) == (
        "CONTRACT_CHANGED",
        Practice.METRIC,
        scoring.CONTRACT_CHANGED_POINTS,
        "contract",
    )
    assert reason.sentence == (
        "The approved contract changed (“Claims per hour”: target, Planned end, Receiving "
        "team and 2 more): a portfolio lead has not acknowledged it yet."
    )
    # Before approval there is no contract to drift from; a stopped pilot has no reasons.
    proposed = healthy(stage="proposed")
    assert codes(replace(proposed, contract_changes=labels)) == codes(proposed)
    assert codes(healthy(stage="stopped", contract_changes=labels)) == {}


def test_only_model_metrics_is_the_metric_mirage():
    facts = healthy(primary=None, metric_kinds=frozenset({"model"}))
    assert codes(facts) == {"ONLY_MODEL_METRICS": Risk.AT_RISK}
    with_business = healthy(primary=None, metric_kinds=frozenset({"model", "business"}))
    assert codes(with_business) == {"NO_PRIMARY_METRIC": Risk.AT_RISK}


def test_metric_stale_after_cadence_plus_grace_and_at_risk_after_twice_that():
    last = TODAY - timedelta(days=10)  # weekly: 7 + 3 grace = 10 days allowed
    assert codes(healthy(primary=metric(latest_on=last))) == {}
    assert codes(healthy(primary=metric(latest_on=last - timedelta(days=1)))) == {
        "METRIC_STALE": Risk.WATCH
    }
    assert codes(healthy(primary=metric(latest_on=TODAY - timedelta(days=20)))) == {
        "METRIC_STALE": Risk.WATCH
    }
    assert codes(healthy(primary=metric(latest_on=TODAY - timedelta(days=21)))) == {
        "METRIC_STALE": Risk.AT_RISK
    }


def test_a_retired_system_is_no_longer_followed():
    """A signed-off "retire" ends the operation: from that day its silent metric is not
    stale (nobody is asked for readings of a system switched off); before, it was."""
    silent = metric(latest_on=TODAY - timedelta(days=60))
    in_operation = healthy(
        stage="graduated", graduated_on=TODAY - timedelta(days=120), primary=silent
    )
    assert "METRIC_STALE" in codes(in_operation)
    retired = replace(in_operation, operation_ended_on=TODAY - timedelta(days=30))
    assert "METRIC_STALE" not in codes(retired)
    assert "METRIC_STALE" in codes(replace(in_operation, operation_ended_on=TODAY + timedelta(1)))


def test_metric_stale_counts_from_the_start_when_never_read():
    never = metric(latest_on=None, latest_value=None)
    assert codes(healthy(primary=never), START + timedelta(days=10)) == {}
    assert "METRIC_STALE" in codes(healthy(primary=never), START + timedelta(days=11))


def behind_by(share: str) -> PrimaryMetric:
    """A reading on TODAY that is ``share`` of the 10 -> 40 distance below the line."""
    on_track = Decimal(10) + Decimal(30) * Decimal((TODAY - START).days) / Decimal(
        (END - START).days
    )
    return metric(latest_on=TODAY, latest_value=on_track - Decimal(30) * Decimal(share))


def test_metric_behind_is_watch_below_a_quarter_and_at_risk_from_it():
    assert codes(healthy(primary=behind_by("0"))) == {}
    assert codes(healthy(primary=behind_by("0.24"))) == {"METRIC_BEHIND": Risk.WATCH}
    assert codes(healthy(primary=behind_by("0.25"))) == {"METRIC_BEHIND": Risk.AT_RISK}


def after(*values: int | str, last: date = TODAY - timedelta(days=1)) -> tuple:
    """Weekly readings after graduation ending on ``last``, oldest first."""
    days = [last - timedelta(weeks=n) for n in range(len(values) - 1, -1, -1)]
    return tuple(zip(days, (Decimal(v) for v in values), strict=True))


def test_degrading_after_graduation_says_since_when_and_by_how_much():
    graduated = {
        "stage": "graduated",
        "task_count": 3,
        "next_task_due": None,
        "graduated_on": TODAY - timedelta(days=60),
    }
    at_graduation = (Decimal(40), Decimal(40), Decimal(39))
    falling = metric(at_graduation=at_graduation, after_graduation=after(40, 37, 36, 35), unit="%")
    assert codes(healthy(**graduated, primary=falling)) == {"DEGRADING": Risk.AT_RISK}
    reason = next(r for r in evaluate(healthy(**graduated, primary=falling), today=TODAY).reasons)
    since = TODAY - timedelta(days=1, weeks=1)  # 40, 37, 36: the median 37 is 10% below
    assert reason.sentence == (
        f"“Invoices matched” has fallen back since {since:%-d %b %Y}: 36% (the median of its "
        "last 3 readings) against 40% at graduation, 13% of the way from baseline to target "
        "lost."
    )
    assert reason.section == "metrics"
    assert reason.points == 50
    one_dip = metric(at_graduation=at_graduation, after_graduation=after(40, 36, 40))
    assert codes(healthy(**graduated, primary=one_dip)) == {}
    small = metric(at_graduation=at_graduation, after_graduation=after(38, "37.5", 38))
    assert codes(healthy(**graduated, primary=small)) == {}  # less than 10% of 30 = 3
    assert codes(healthy(primary=falling)) == {}  # only after graduation


def handover(facts: Facts, today: date) -> dict[str, Risk]:
    """The handover reasons only (the metric goes stale over these months)."""
    return {code: risk for code, risk in codes(facts, today).items() if code.startswith("HANDO")}


def test_handover_unplanned_watch_then_at_risk_then_critical():
    none = healthy(task_count=0, tasks_overdue=0, next_task_due=None, first_task_on=None)
    assert handover(none, WINDOW_OPENS - timedelta(days=15)) == {}
    assert handover(none, WINDOW_OPENS - timedelta(days=14)) == {"HANDOVER_UNPLANNED": Risk.WATCH}
    assert handover(none, WINDOW_OPENS) == {"HANDOVER_UNPLANNED": Risk.AT_RISK}
    assert handover(none, WINDOW_OPENS + timedelta(days=6)) == {"HANDOVER_UNPLANNED": Risk.AT_RISK}
    assert handover(none, WINDOW_OPENS + timedelta(days=7)) == {"HANDOVER_UNPLANNED": Risk.CRITICAL}


def test_handover_unplanned_clears_with_any_task():
    planned = healthy(task_count=1)
    assert "HANDOVER_UNPLANNED" not in codes(planned, WINDOW_OPENS + timedelta(days=7))


def test_handover_behind_is_critical_from_three_overdue_tasks():
    assert codes(healthy(tasks_overdue=2)) == {"HANDOVER_BEHIND": Risk.AT_RISK}
    assert codes(healthy(tasks_overdue=3)) == {"HANDOVER_BEHIND": Risk.CRITICAL}


def test_decision_overdue_the_day_after_the_end():
    assert "DECISION_OVERDUE" not in codes(healthy(), END)
    assert codes(healthy(), END + timedelta(days=1))["DECISION_OVERDUE"] == Risk.CRITICAL


def checkpoint_reason(facts: Facts, today: date) -> scoring.Reason | None:
    return next(
        (r for r in evaluate(facts, today=today).reasons if r.code == "CHECKPOINT_DUE"), None
    )


def test_checkpoint_due_watch_in_the_window_then_at_risk_after_the_grace_days():
    assert checkpoint_reason(healthy(), WINDOW_OPENS - timedelta(days=1)) is None
    due = checkpoint_reason(healthy(), WINDOW_OPENS)
    assert (due.risk, due.points, due.practice, due.section) == (
        Risk.WATCH,
        30,
        Practice.HANDOVER,
        "checkpoint",
    )
    assert due.sentence == (
        "The handover window opened on 6 May 2026 and no portfolio lead has decided to "
        "continue, extend or stop it: due by 13 May 2026."
    )
    assert checkpoint_reason(healthy(), WINDOW_OPENS + timedelta(days=6)).risk == Risk.WATCH
    overdue = checkpoint_reason(healthy(), WINDOW_OPENS + timedelta(days=7))
    assert overdue.risk == Risk.AT_RISK
    assert overdue.sentence.endswith(": overdue since 13 May 2026.")
    # Past the end the final decision is due instead.
    assert checkpoint_reason(healthy(), END + timedelta(days=1)) is None


def test_checkpoint_due_clears_with_a_decision_for_this_window_and_returns_after_extension():
    decided = healthy(checkpoint_for=WINDOW_OPENS, checkpoint_on=WINDOW_OPENS)
    assert checkpoint_reason(decided, WINDOW_OPENS + timedelta(days=10)) is None
    # Extended to 5 Sep: the new window opens on 16 Jun 2026; the old decision does not answer it.
    extended = replace(decided, planned_end=date(2026, 9, 5))
    assert checkpoint_reason(extended, date(2026, 6, 15)) is None
    assert checkpoint_reason(extended, date(2026, 6, 16)).risk == Risk.WATCH


@pytest.mark.parametrize("stage", ["approved", "graduated", "stopped"])
def test_checkpoint_due_only_for_running_pilots(stage):
    assert checkpoint_reason(healthy(stage=stage), WINDOW_OPENS + timedelta(days=8)) is None


def test_every_documented_code_is_produced_by_some_case():
    produced = {code for code, _, _ in CASES} | {
        "ONLY_MODEL_METRICS",
        "METRIC_STALE",
        "METRIC_BEHIND",
        "DEGRADING",
        "SEGMENT_BREACH",
        "CONFIDENCE_DIVERGES",
        "WAIVER_EXPIRED",
        "HANDOVER_UNPLANNED",
        "DECISION_OVERDUE",
        "CHECKPOINT_DUE",
        "VALUE_REVIEW_DUE",
    }
    assert produced == set(REASON_CODES)


# --- The owner's confidence against the metric ---------------------------------------------

CHECKED_IN = TODAY - timedelta(days=2)  # 28 Feb 2026


def checked_in(confidence: str, primary: PrimaryMetric, on: date = CHECKED_IN, **more) -> Facts:
    return healthy(primary=primary, checkin_confidence=confidence, checkin_on=on, **more)


def test_confidence_diverges_when_the_owner_says_on_track_and_the_metric_is_behind():
    result = evaluate(checked_in("on_track", behind_by("0.10")), today=TODAY)
    reason = next(r for r in result.reasons if r.code == "CONFIDENCE_DIVERGES")
    assert (reason.practice, reason.points, reason.risk, reason.section) == (
        Practice.OWNERSHIP,
        20,
        Risk.WATCH,
        "checkins",
    )
    assert reason.sentence == (
        "The owner says on track on 28 Feb 2026; “Invoices matched” is behind its trajectory."
    )
    assert {r.code for r in result.reasons} == {"CONFIDENCE_DIVERGES", "METRIC_BEHIND"}


@pytest.mark.parametrize(
    ("confidence", "latest_value", "words"),
    [
        ("off_track", Decimal(40), "has reached its target"),
        ("at_risk", Decimal(39), "is on track with its trajectory"),
    ],
)
def test_confidence_diverges_the_other_way_a_worried_owner_and_a_metric_on_track(
    confidence, latest_value, words
):
    facts = checked_in(confidence, metric(latest_value=latest_value))
    reason = next(r for r in evaluate(facts, today=TODAY).reasons)
    assert (reason.code, reason.risk) == ("CONFIDENCE_DIVERGES", Risk.WATCH)
    said = confidence.replace("_", " ")
    assert reason.sentence == f"The owner says {said} on 28 Feb 2026; “Invoices matched” {words}."


@pytest.mark.parametrize(
    ("confidence", "primary"),
    [
        ("on_track", metric()),  # achieved
        ("at_risk", behind_by("0.10")),
        ("off_track", behind_by("0.30")),
        ("on_track", metric(latest_value=None, latest_on=None)),  # no reading, no trajectory
    ],
)
def test_confidence_that_agrees_with_the_metric_is_no_reason(confidence, primary):
    assert "CONFIDENCE_DIVERGES" not in codes(checked_in(confidence, primary))


def test_a_stale_check_in_does_not_diverge():
    """Weekly cadence + 3 grace days: 10 days old still counts, 11 days old is stale."""
    behind = behind_by("0.10")
    assert "CONFIDENCE_DIVERGES" in codes(checked_in("on_track", behind, TODAY - timedelta(10)))
    assert "CONFIDENCE_DIVERGES" not in codes(checked_in("on_track", behind, TODAY - timedelta(11)))


def test_no_check_in_or_not_running_is_no_divergence():
    assert "CONFIDENCE_DIVERGES" not in codes(healthy(primary=behind_by("0.10")))
    graduated = checked_in("on_track", behind_by("0.10"), stage="graduated")
    assert "CONFIDENCE_DIVERGES" not in codes(graduated)


# --- Scores and risk levels ------------------------------------------------------------------


def test_points_come_off_the_reasons_practice_never_below_zero():
    result = evaluate(healthy(owner_status="none", has_operations_owner=False), today=TODAY)
    assert result.scores[Practice.OWNERSHIP] == 0  # 60 + 40
    assert result.scores[Practice.METRIC] == 100
    infra = evaluate(healthy(infrastructure_yes=3), today=TODAY)
    assert infra.scores[Practice.INFRASTRUCTURE] == 50
    assert infra.overall == round((50 + 100 + 100 + 100) / 4)


PROPOSED = {"stage": "proposed", "started_on": None, "planned_start": date(2026, 4, 1)}


def test_risk_is_the_worst_reason():
    assert evaluate(healthy(**PROPOSED, owner_status="pending"), today=TODAY).risk == Risk.WATCH
    mixed = healthy(owner_status="pending", owner_active=False, stage="approved")
    assert evaluate(mixed, today=TODAY).risk == Risk.CRITICAL


@pytest.mark.parametrize(("threshold", "risk"), [(88, Risk.WATCH), (89, Risk.AT_RISK)])
def test_an_overall_score_below_the_threshold_is_at_risk(monkeypatch, threshold, risk):
    facts = healthy(**PROPOSED, infrastructure_yes=3)  # one watch reason, overall 88
    assert evaluate(facts, today=TODAY).overall == 88
    monkeypatch.setattr(scoring, "AT_RISK_BELOW", threshold)
    assert evaluate(facts, today=TODAY).risk == risk


def test_the_default_threshold_is_half_the_readiness():
    assert scoring.AT_RISK_BELOW == 50
    worst_watch_only = healthy(
        **PROPOSED, infrastructure_yes=0, owner_status="pending", has_operations_owner=False
    )
    result = evaluate(worst_watch_only, today=TODAY)
    assert (result.overall, result.risk) == (58, Risk.WATCH)  # (0 + 100 + 30 + 100) / 4


def test_a_draft_counts_no_worse_than_watch():
    draft = healthy(
        stage="draft",
        started_on=None,
        owner_status="none",
        primary=None,
        infrastructure_yes=0,
        has_operations_owner=False,
    )
    result = evaluate(draft, today=TODAY)
    assert result.overall < 50
    assert result.risk == Risk.WATCH
    assert {r.code for r in result.reasons} >= {"NO_OWNER", "NO_PRIMARY_METRIC", "INFRA_MISSING"}


def test_a_stopped_pilot_is_a_recorded_outcome_not_a_risk():
    result = evaluate(healthy(stage="stopped", owner_status="none", primary=None), today=TODAY)
    assert (result.risk, result.reasons, result.next_date) == (Risk.ON_TRACK, (), None)


def test_reasons_are_sorted_worst_first():
    facts = healthy(
        owner_status="pending", owner_active=False, tasks_overdue=1, keepers=(keeper(active=False),)
    )
    assert [r.code for r in evaluate(facts, today=TODAY).reasons] == [
        "ORPHANED",
        "HANDOVER_BEHIND",
        "OWNER_PENDING",
    ]


# --- Dates ----------------------------------------------------------------------------------


def test_next_date_is_the_soonest_that_bites():
    assert evaluate(healthy(), today=TODAY).next_date == date(2026, 4, 1)  # a task due
    no_tasks = healthy(next_task_due=None)
    assert evaluate(no_tasks, today=TODAY).next_date == WINDOW_OPENS
    assert evaluate(no_tasks, today=WINDOW_OPENS + timedelta(days=1)).next_date == END
    overdue = healthy(next_task_due=date(2026, 2, 1))
    assert evaluate(overdue, today=TODAY).next_date == date(2026, 2, 1)  # already biting
    assert evaluate(healthy(stage="graduated"), today=TODAY).next_date is None


def test_handover_planned_early_is_known_once_the_window_opens():
    assert evaluate(healthy(), today=TODAY).handover_planned_early is None
    assert evaluate(healthy(), today=WINDOW_OPENS).handover_planned_early is True
    late = healthy(first_task_on=WINDOW_OPENS)
    assert evaluate(late, today=WINDOW_OPENS).handover_planned_early is False
    never = healthy(first_task_on=None, task_count=0)
    assert evaluate(never, today=WINDOW_OPENS).handover_planned_early is False


def test_settings_move_the_handover_rule():
    none = healthy(task_count=0, next_task_due=None, first_task_on=None)
    short = replace(RULES, lead_days=3, stale_grace_days=3, escalation_days=2)
    day = WINDOW_OPENS - timedelta(days=4)
    assert "HANDOVER_UNPLANNED" not in {
        r.code for r in evaluate(none, today=day, settings=short).reasons
    }
    escalated = evaluate(none, today=WINDOW_OPENS + timedelta(days=2), settings=short)
    assert escalated.risk == Risk.CRITICAL


def test_a_graduated_pilot_is_followed_for_twelve_months_only():
    falling = metric(
        latest_on=TODAY - timedelta(days=60),
        at_graduation=(Decimal(40),),
        after_graduation=after(37, 36, 36, last=TODAY - timedelta(days=60)),
    )
    year_ago = healthy(
        stage="graduated",
        primary=falling,
        graduated_on=TODAY - timedelta(days=365),
        value_reviewed_through=365,  # every value review signed off
    )
    assert set(codes(year_ago)) == {"METRIC_STALE", "DEGRADING"}
    older = replace(year_ago, graduated_on=TODAY - timedelta(days=366))
    assert codes(older) == {}


def test_an_approved_pilot_past_its_end_that_never_started_is_overdue():
    never = healthy(stage="approved", started_on=None, primary=metric(latest_on=None))
    result = evaluate(never, today=END + timedelta(days=30))
    assert result.risk == Risk.CRITICAL
    (reason,) = [r for r in result.reasons if r.code == "DECISION_OVERDUE"]
    assert reason.sentence.startswith("Its planned end passed 30 days ago and it never started")


def test_an_end_moved_before_the_start_still_counts_overdue_tasks_and_the_decision():
    moved = healthy(planned_end=START - timedelta(days=1), tasks_overdue=1)
    assert set(codes(moved)) == {"HANDOVER_BEHIND", "DECISION_OVERDUE"}


def test_the_decision_grace_days_delay_the_overdue_decision():
    graceful = replace(RULES, decision_grace_days=2)
    day = END + timedelta(days=2)
    assert "DECISION_OVERDUE" not in {
        r.code for r in evaluate(healthy(), today=day, settings=graceful).reasons
    }
    later = evaluate(healthy(), today=day + timedelta(days=1), settings=graceful)
    assert "DECISION_OVERDUE" in {r.code for r in later.reasons}


def test_one_day_reads_as_one_day():
    none = healthy(task_count=0, next_task_due=None, first_task_on=None)
    (reason,) = [
        r
        for r in evaluate(none, today=WINDOW_OPENS + timedelta(days=1)).reasons
        if r.code == "HANDOVER_UNPLANNED"
    ]
    assert "opened 1 day ago" in reason.sentence


def test_the_checklist_has_as_many_items_as_the_rules_count():
    from pilots.enums import InfrastructureItem
    from scorecards.scoring import INFRASTRUCTURE_ITEMS

    assert len(InfrastructureItem) == INFRASTRUCTURE_ITEMS


def segment(**changes) -> scoring.SegmentMetric:
    """A critical segment from 50 to 90 over the pilot, read yesterday at 50 (behind)."""
    base = scoring.SegmentMetric(
        pk=7,
        name="P1 incidents routed in time",
        increasing=True,
        guardrail=None,
        baseline=Decimal(50),
        target=Decimal(90),
        target_date=END,
        latest_value=Decimal(50),
        latest_on=TODAY - timedelta(days=1),
    )
    return replace(base, **changes)


def test_a_breached_segment_makes_an_on_track_pilot_at_risk():
    result = evaluate(healthy(segments=(segment(),)), today=TODAY)

    assert [(r.code, r.risk, r.points, r.section) for r in result.reasons] == [
        ("SEGMENT_BREACH", Risk.AT_RISK, 30, "metric-7")
    ]
    assert result.risk == Risk.AT_RISK
    assert result.scores[Practice.METRIC] == 70
    assert "“P1 incidents routed in time” is at 50, behind its trajectory" in (
        result.reasons[0].sentence
    )


def test_a_segment_guardrail_floor_decides_instead_of_the_trajectory():
    above = segment(guardrail=Decimal(45))
    below = segment(guardrail=Decimal(45), latest_value=Decimal("44.5"))

    assert codes(healthy(segments=(above,))) == {}
    assert codes(healthy(segments=(below,))) == {"SEGMENT_BREACH": Risk.AT_RISK}
    sentence = evaluate(healthy(segments=(below,)), today=TODAY).reasons[0].sentence
    assert "at 44.5, below its guardrail floor of 45" in sentence
    # With its unit, as the metric's chart writes it.
    in_percent = replace(below, unit="%")
    sentence = evaluate(healthy(segments=(in_percent,)), today=TODAY).reasons[0].sentence
    assert "at 44.5%, below its guardrail floor of 45%" in sentence
    in_minutes = replace(below, unit="minutes", increasing=False, latest_value=Decimal("46"))
    sentence = evaluate(healthy(segments=(in_minutes,)), today=TODAY).reasons[0].sentence
    assert "at 46 minutes, above its guardrail ceiling of 45 minutes" in sentence


def test_segment_breaches_take_at_most_60_points_and_none_outside_running():
    three = tuple(segment(pk=n, name=f"Segment {n}") for n in range(3))
    result = evaluate(healthy(segments=three), today=TODAY)

    assert [r.code for r in result.reasons] == ["SEGMENT_BREACH"] * 3
    assert result.scores[Practice.METRIC] == 40
    assert codes(healthy(stage="approved", segments=(segment(),))) == {}
    assert codes(healthy(segments=(segment(latest_value=Decimal(90)),))) == {}


# --- WAIVER_EXPIRED -------------------------------------------------------------------------

MONITORING = "Monitored and alerted like a production service"


def test_an_expired_waiver_is_at_risk_and_names_the_item_and_its_date():
    facts = healthy(
        infrastructure_yes=5,
        waivers=(scoring.Waiver(MONITORING, "no", TODAY - timedelta(days=1)),),
    )
    result = evaluate(facts, today=TODAY)

    expired = [r for r in result.reasons if r.code == "WAIVER_EXPIRED"]
    assert [(r.risk, r.points, r.section, r.practice) for r in expired] == [
        (Risk.AT_RISK, 20, "infrastructure", Practice.INFRASTRUCTURE)
    ]
    assert expired[0].sentence == (
        f"The waiver for “{MONITORING}” expired on 1 Mar 2026 and it is still not in place."
    )
    assert result.risk == Risk.AT_RISK
    assert result.scores[Practice.INFRASTRUCTURE] == 100 - 17 - 20  # INFRA_MISSING + expired


def test_a_waiver_holds_through_its_last_day_and_counts_only_once_approved():
    last_day = healthy(infrastructure_yes=5, waivers=(scoring.Waiver(MONITORING, "no", TODAY),))
    assert "WAIVER_EXPIRED" not in codes(last_day)
    expired = (scoring.Waiver(MONITORING, "planned", TODAY - timedelta(days=3)),)
    assert "WAIVER_EXPIRED" not in codes(healthy(**PROPOSED, waivers=expired))
    assert "WAIVER_EXPIRED" not in codes(healthy(stage="graduated", waivers=expired))
    approved = {"stage": "approved", "started_on": None}
    assert codes(healthy(**approved, infrastructure_yes=5, waivers=expired))["WAIVER_EXPIRED"] == (
        Risk.AT_RISK
    )


def test_expired_waivers_take_20_points_each_at_most_60():
    def waivers(n: int) -> tuple[scoring.Waiver, ...]:
        return tuple(scoring.Waiver(f"Item {i}", "no", TODAY - timedelta(days=1)) for i in range(n))

    points = {
        n: next(
            r.points
            for r in evaluate(
                healthy(infrastructure_yes=6 - n, waivers=waivers(n)), today=TODAY
            ).reasons
            if r.code == "WAIVER_EXPIRED"
        )
        for n in (1, 2, 4)
    }
    assert points == {1: 20, 2: 40, 4: 60}


def test_handover_unconfirmed_is_a_watch_per_waiting_task_at_most_30():
    assert "HANDOVER_UNCONFIRMED" not in codes(healthy())
    one = evaluate(healthy(tasks_unconfirmed=1), today=TODAY)
    (reason,) = one.reasons
    assert (reason.code, reason.points, reason.risk, reason.section) == (
        "HANDOVER_UNCONFIRMED",
        10,
        Risk.WATCH,
        "handover",
    )
    assert reason.sentence == (
        "1 knowledge-transfer task completed waits for the receiver's confirmation for more "
        "than 3 days."
    )
    assert one.risk == Risk.WATCH
    four = evaluate(healthy(tasks_unconfirmed=4), today=TODAY)
    assert [r.points for r in four.reasons] == [30]


# --- VALUE_REVIEW_DUE -------------------------------------------------------------------------

GRADUATED = date(2026, 1, 5)  # its 90-day review is due on 5 Apr 2026, overdue from 19 Apr


def value_reason(facts: Facts, today: date):
    return next(
        (r for r in evaluate(facts, today=today).reasons if r.code == "VALUE_REVIEW_DUE"), None
    )


def test_value_review_due_is_watch_from_its_day_and_at_risk_once_overdue():
    facts = healthy(stage="graduated", graduated_on=GRADUATED)
    assert value_reason(facts, date(2026, 4, 4)) is None
    due = value_reason(facts, date(2026, 4, 5))
    assert (due.risk, due.points, due.section) == (Risk.WATCH, 30, "operation")
    assert due.sentence == (
        "The 90-day value review was due on 5 Apr 2026 and is not signed off by the sponsor "
        "and a portfolio lead."
    )
    overdue = value_reason(facts, date(2026, 4, 19))
    assert overdue.risk == Risk.AT_RISK
    assert overdue.sentence.endswith(": overdue since 19 Apr 2026.")


def test_value_review_due_clears_when_signed_off_and_returns_at_the_next_day():
    signed = healthy(stage="graduated", graduated_on=GRADUATED, value_reviewed_through=90)
    assert value_reason(signed, date(2026, 5, 1)) is None
    assert value_reason(signed, date(2026, 7, 4)).sentence.startswith("The 180-day value review")


@pytest.mark.parametrize("stage", ["running", "approved", "stopped"])
def test_value_review_due_only_for_graduated_pilots(stage):
    assert value_reason(healthy(stage=stage, graduated_on=GRADUATED), date(2026, 5, 1)) is None


def test_a_retired_system_owes_no_value_review():
    retired = healthy(
        stage="graduated", graduated_on=GRADUATED, operation_ended_on=date(2026, 4, 10)
    )
    assert value_reason(retired, date(2026, 8, 1)) is None
