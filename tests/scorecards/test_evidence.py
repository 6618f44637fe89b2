"""The portfolio's evidence that the practices matter (scorecards/evidence.py): each practice
fact on constructed pilots, the rates, the small-number threshold, the page and its queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pilots.enums import (
    InfrastructureAnswerValue,
    InfrastructureItem,
    MetricKind,
    OwnershipStatus,
    Stage,
)
from pilots.models import (
    GateDecision,
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Pilot,
    PilotEvent,
)
from pilots.services import gates, registration
from pilots.timeline import handover_window_opens
from scorecards import evidence
from scorecards.evidence import (
    EVIDENCE_KEYS,
    PracticeFacts,
    decided_practice_facts,
    evidence_from,
    figure_key,
    handover_before_window,
    infrastructure_yes_at,
    owner_accepted_at,
    target_share,
)
from scorecards.models import PortfolioTotals, Scorecard
from scorecards.services import scorecards_recompute, summary_counts
from tests import factories
from tests.scorecards.dashboard_helpers import DASHBOARD, TODAY

pytestmark = pytest.mark.django_db

START = date(2026, 1, 5)
END = date(2026, 7, 5)
OPENS = handover_window_opens(START, END)  # 2026-05-05
MOMENT = datetime(2026, 1, 5, 9, tzinfo=UTC)


def at(days: float) -> datetime:
    """A moment ``days`` after MOMENT (negative: before)."""
    return MOMENT + timedelta(days=days)


# --- The facts, pure --------------------------------------------------------------------------


def test_target_share_is_the_way_from_baseline_to_target_capped_at_both_ends():
    d = Decimal
    assert target_share(baseline=d(10), target=d(40), latest=d(25)) == 0.5
    assert target_share(baseline=d(9), target=d(3), latest=d(6)) == 0.5  # lower is better
    assert target_share(baseline=d(10), target=d(40), latest=d(55)) == 1.0  # beyond the target
    assert target_share(baseline=d(10), target=d(40), latest=d(4)) == 0.0  # worse than baseline
    assert target_share(baseline=d(10), target=d(40), latest=None) is None  # no reading
    assert target_share(baseline=None, target=d(40), latest=d(20)) is None
    assert target_share(baseline=d(10), target=d(10), latest=d(20)) is None  # no way to go


def test_handover_before_window_needs_a_task_before_its_first_day():
    day_before = OPENS - timedelta(days=1)
    assert handover_before_window(start=START, end=END, first_task_on=day_before) is True
    assert handover_before_window(start=START, end=END, first_task_on=OPENS) is False  # on it
    assert handover_before_window(start=START, end=END, first_task_on=None) is False
    assert handover_before_window(start=None, end=END, first_task_on=day_before) is None


def test_owner_accepted_at_reads_the_status_history_at_the_moment():
    accepted_then_renominated = [(at(-3), "pending"), (at(-1), "accepted"), (at(10), "pending")]
    assert owner_accepted_at(MOMENT, accepted_then_renominated, status="pending", responded_at=None)
    # Accepted only after the start: not followed, though accepted now.
    late = [(at(-3), "pending"), (at(2), "accepted")]
    assert not owner_accepted_at(MOMENT, late, status="accepted", responded_at=at(2))
    assert owner_accepted_at(MOMENT, [(at(5), "pending")], status="pending", responded_at=None) is (
        False
    )
    assert owner_accepted_at(None, late, status="accepted", responded_at=at(2)) is None


def test_owner_accepted_at_without_history_trusts_a_response_written_by_then():
    assert owner_accepted_at(MOMENT, [], status="accepted", responded_at=at(-2)) is True
    assert owner_accepted_at(MOMENT, [], status="accepted", responded_at=at(1)) is False
    assert owner_accepted_at(MOMENT, [], status="none", responded_at=None) is False


def all_items(answer: str, when: datetime) -> dict[str, tuple[str, datetime]]:
    return dict.fromkeys(InfrastructureItem.values, (answer, when))


def test_infrastructure_yes_at_reads_each_answer_as_it_stood():
    current = all_items("yes", at(30))  # every answer "yes" today, written since the start
    history = {item: [(at(-5), "yes")] for item in InfrastructureItem.values}
    assert infrastructure_yes_at(MOMENT, history, current) is True
    # Monitoring was "planned" at the start and became "yes" later: not followed.
    history[InfrastructureItem.MONITORING] = [(at(-5), "planned"), (at(20), "yes")]
    assert infrastructure_yes_at(MOMENT, history, current) is False


def test_infrastructure_yes_at_without_history_trusts_answers_written_by_then():
    assert infrastructure_yes_at(MOMENT, {}, all_items("yes", at(-1))) is True
    assert infrastructure_yes_at(MOMENT, {}, all_items("no", at(-1))) is False
    # Written since: what it was at the start cannot be known.
    assert infrastructure_yes_at(MOMENT, {}, all_items("yes", at(1))) is None
    answered = all_items("yes", at(-1))
    del answered[InfrastructureItem.SECURITY_REVIEW]  # never answered
    assert infrastructure_yes_at(MOMENT, {}, answered) is False


# --- The facts, read from the pilots ----------------------------------------------------------


def test_a_pilot_run_through_the_services_followed_owner_and_infrastructure(running, lead):
    gates.pilot_stop(pilot=running, by=lead, rationale="No value.", lessons_learned="Measure.")
    facts = decided_practice_facts()
    assert facts == {
        running.pk: PracticeFacts(
            owner_accepted_at_start=True,  # accepted (an event), then started
            infrastructure_yes_at_start=True,  # answered before the start, never since
            handover_before_window=False,  # no task at all
            segment_metric_defined=False,
            target_share=None,  # no reading
        )
    }


def test_an_answer_changed_to_yes_after_the_start_was_not_yes_at_the_start(
    approved_waived, sponsor, lead
):
    """Monitoring "no" under a waiver at the start, "yes" since: the history decides."""
    pilot = approved_waived
    gates.pilot_start(pilot=pilot, by=sponsor, today=pilot.planned_start)
    registration.infrastructure_answer(
        pilot=pilot,
        by=sponsor,
        item=InfrastructureItem.MONITORING,
        answer=InfrastructureAnswerValue.YES,
        evidence_url="https://example.com/alerting",
        reason="Alerting is live.",
    )
    gates.pilot_stop(pilot=pilot, by=lead, rationale="No value.", lessons_learned="Measure.")
    assert set(pilot.infrastructure.values_list("answer", flat=True)) == {"yes"}

    assert decided_practice_facts([pilot.pk])[pilot.pk].infrastructure_yes_at_start is False


def test_a_pilot_stopped_before_it_started_is_read_at_its_stop(approved, lead):
    gates.pilot_stop(pilot=approved, by=lead, rationale="Changed plans.", lessons_learned="Ask.")
    facts = decided_practice_facts()[approved.pk]
    assert (facts.owner_accepted_at_start, facts.infrastructure_yes_at_start) == (True, True)


def decided(stage: str = Stage.STOPPED, **fields) -> Pilot:
    """A decided pilot straight from the factory (no history): 5 Jan to 5 Jul 2026."""
    if stage == Stage.GRADUATED:
        fields.setdefault("receiving_team", "Operations")
        fields.setdefault("operations_accepted_at", datetime(2026, 7, 1, tzinfo=UTC))
    return factories.PilotFactory(stage=stage, started_on=START, **fields)


def task_created_on(pilot: Pilot, day: date) -> None:
    task = factories.TaskFactory(pilot=pilot)
    KnowledgeTransferTask.objects.filter(pk=task.pk).update(
        created_at=timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=10)))
    )


def test_handover_task_created_on_the_windows_first_day_is_too_late():
    early, on_the_day, none = decided(), decided(), decided()
    task_created_on(early, OPENS - timedelta(days=1))
    task_created_on(early, OPENS + timedelta(days=3))  # the first one counts
    task_created_on(on_the_day, OPENS)
    facts = decided_practice_facts()
    assert [facts[p.pk].handover_before_window for p in (early, on_the_day, none)] == [
        True,
        False,
        False,
    ]


def test_owner_who_accepted_after_the_start_did_not_follow(owner, lead):
    """No history: the response's time decides; with history, the events do."""
    late = decided(
        owner=owner,
        owner_status=OwnershipStatus.ACCEPTED,
        owner_responded_at=datetime(2026, 1, 6, 9, tzinfo=UTC),  # the day after the start
    )
    early = decided(
        owner=owner,
        owner_status=OwnershipStatus.ACCEPTED,
        owner_responded_at=datetime(2026, 1, 2, 9, tzinfo=UTC),
    )
    recorded = decided(
        owner=owner,
        owner_status=OwnershipStatus.ACCEPTED,
        owner_responded_at=datetime(2026, 1, 2, 9, tzinfo=UTC),
    )
    GateDecision.objects.create(
        pilot=recorded, decided_by=lead, decided_at=MOMENT, from_stage="approved",
        to_stage="running", rationale="Started.",
    )  # fmt: skip
    PilotEvent.objects.create(
        pilot=recorded, action=PilotEvent.Action.OWNER_ACCEPTED, at=at(1),
        changes={"owner_status": ["pending", "accepted"]},
    )  # fmt: skip
    facts = decided_practice_facts()
    assert [facts[p.pk].owner_accepted_at_start for p in (late, early, recorded)] == [
        False,
        True,
        False,  # its history says the acceptance came a day after the start decision
    ]


def test_segment_metric_and_share_of_target():
    pilot = decided(stage=Stage.GRADUATED)
    primary = factories.MetricFactory(pilot=pilot)  # 10 → 40
    factories.ReadingFactory(metric=primary, observed_on=date(2026, 3, 1), value="40")
    factories.ReadingFactory(metric=primary, observed_on=date(2026, 6, 1), value="31")  # latest
    other = decided()
    factories.MetricFactory(pilot=other, kind=MetricKind.CRITICAL_SEGMENT)
    facts = decided_practice_facts()
    assert (facts[pilot.pk].segment_metric_defined, facts[pilot.pk].target_share) == (False, 0.7)
    assert (facts[other.pk].segment_metric_defined, facts[other.pk].target_share) == (True, None)


def test_only_decided_pilots_have_facts_and_their_scorecards_keep_them(running):
    stopped = decided()
    scorecards_recompute(today=TODAY)
    assert set(decided_practice_facts()) == {stopped.pk}
    assert Scorecard.objects.get(pilot=running).owner_accepted_at_start is None
    card = Scorecard.objects.get(pilot=stopped)
    assert (card.owner_accepted_at_start, card.handover_before_window) == (False, False)
    assert (card.segment_metric_defined, card.target_share) == (False, None)


# --- The rates and the small-number threshold -------------------------------------------------


def figures(practice: str, followed: tuple[int, int], not_followed: tuple[int, int]):
    """Counted figures for one practice: (decided, graduated) a side, no readings."""
    counts = dict.fromkeys(EVIDENCE_KEYS, 0)
    for side, (n, graduated) in (("followed", followed), ("not_followed", not_followed)):
        counts[figure_key(practice, side, "decided")] = n
        counts[figure_key(practice, side, "graduation_n")] = n
        counts[figure_key(practice, side, "graduation_total")] = graduated
    return counts


def test_rates_are_shown_only_with_the_minimum_on_each_side():
    key = "handover_before_window"
    compared = evidence_from(figures(key, (6, 5), (5, 1)), decided=11, minimum=5).splits[2]
    assert compared.practice.key == key
    assert compared.comparable
    # No readings, no value per unit: those means are withheld.
    assert [m.mean for m in compared.followed.measures] == [5 / 6, None, None]
    assert [m.mean for m in compared.not_followed.measures] == [1 / 5, None, None]
    assert compared.notes == [
        "Too few with readings to compare the share of the target",
        "Too few with a value per unit to compare the value realised",
    ]

    too_few = evidence_from(figures(key, (6, 5), (4, 1)), decided=10, minimum=5).splits[2]
    assert not too_few.comparable
    assert [m.mean for m in too_few.followed.measures] == [None, None, None]  # not this side
    assert (too_few.followed.measures[0].n, too_few.followed.measures[0].total) == (6, 5)
    assert too_few.notes == ["Too few decided pilots to compare"]
    assert too_few.unknown == 0


def test_pilots_whose_fact_is_unknown_count_on_neither_side():
    split = evidence_from(figures("owner_accepted_at_start", (3, 2), (1, 0)), decided=6, minimum=1)
    assert (split.splits[0].followed.decided, split.splits[0].unknown) == (3, 2)


def test_counted_over_scorecards_by_the_summary_query():
    pilots = [decided(stage=Stage.GRADUATED) for _ in range(3)] + [decided() for _ in range(2)]
    for pilot in pilots[:2]:
        factories.MetricFactory(pilot=pilot, kind=MetricKind.CRITICAL_SEGMENT)
    scorecards_recompute(today=TODAY)
    # The stored totals count them too, for a lead's whole portfolio.
    assert PortfolioTotals.objects.get().figures == summary_counts(Scorecard.objects.all())
    Scorecard.objects.filter(pilot=pilots[0]).update(target_share=0.5)
    Scorecard.objects.filter(pilot=pilots[1]).update(target_share=1.0)
    counts = summary_counts(Scorecard.objects.all())
    segment = evidence_from(counts, decided=5, minimum=2).splits[3]
    assert segment.practice.key == "segment_metric_defined"
    (graduated, share, _value) = segment.followed.measures
    assert (graduated.n, graduated.total, graduated.mean) == (2, 2, 1.0)
    assert (share.n, share.total, share.mean) == (2, 1.5, None)  # withheld: see below
    (graduated, share, _value) = segment.not_followed.measures
    assert (graduated.n, graduated.total, graduated.mean) == (3, 1, 1 / 3)
    assert (share.n, share.mean) == (0, None)  # none with a reading: no side is compared
    assert segment.notes == [
        "Too few with readings to compare the share of the target",
        "Too few with a value per unit to compare the value realised",
    ]
    Scorecard.objects.filter(pilot__in=pilots[2:4]).update(target_share=0.25)
    segment = evidence_from(summary_counts(Scorecard.objects.all()), decided=5, minimum=2)
    assert [side.measures[1].mean for side in (segment.splits[3].followed,)] == [0.75]
    assert segment.splits[3].not_followed.measures[1].mean == 0.25


# --- The page -----------------------------------------------------------------------------------


def section(response) -> str:
    page = response.content.decode()
    start = page.index('<section class="evidence"')
    return page[start : page.index("</section>", start)]


def test_page_shows_the_table_with_its_counts_and_no_percentages_below_the_minimum(
    client, lead, running
):
    for stage in (Stage.GRADUATED, Stage.STOPPED, Stage.STOPPED):
        decided(stage=stage)
    scorecards_recompute(today=TODAY)
    client.force_login(lead)
    shown = section(client.get(DASHBOARD))
    assert "The 3 decided pilots (graduated or stopped)" in shown
    assert "<caption>Decided pilots by practice, followed or not</caption>" in shown
    assert '<div class="table-wrap" role="region" aria-label="Practices and outcomes"' in shown
    assert shown.count('<th scope="rowgroup" colspan="5"') == len(evidence.PRACTICES)
    assert shown.count("Too few decided pilots to compare") == len(evidence.PRACTICES)
    assert "%" not in shown.split("<table", 1)[1].split("</table>")[0]
    assert '<th scope="row">Not followed</th>\n        <td>3</td>' in shown
    assert "1 of 3" in shown  # graduated, not followed, counts only


def test_page_shows_rates_with_enough_pilots_a_side(client, lead, settings):
    settings.PILOTGATE_EVIDENCE_MIN_PILOTS = 1
    graduated = decided(stage=Stage.GRADUATED)
    task_created_on(graduated, START + timedelta(days=10))
    decided()
    scorecards_recompute(today=TODAY)
    client.force_login(lead)
    shown = section(client.get(DASHBOARD))
    handover = shown.split("Handover planned before the window", 1)[1]
    assert '<strong>100%</strong> <span class="muted">1 of 1</span>' in handover
    assert '<strong>0%</strong> <span class="muted">0 of 1</span>' in handover
    assert "Too few decided pilots to compare" not in handover.split("Critical-segment")[0]


def test_page_says_so_when_nothing_is_decided(client, lead, running):
    scorecards_recompute(today=TODAY)
    client.force_login(lead)
    shown = section(client.get(DASHBOARD))
    assert "No pilot has graduated or stopped yet" in shown
    assert "<table" not in shown


# --- Queries ------------------------------------------------------------------------------------


def decided_portfolio(n: int, owner) -> None:
    """``n`` graduated and ``n`` stopped pilots with a history, tasks, segments and readings."""
    for k in range(n):
        for stage in (Stage.GRADUATED, Stage.STOPPED):
            pilot = decided(
                stage=stage,
                owner=owner,
                owner_status=OwnershipStatus.ACCEPTED,
                owner_responded_at=datetime(2026, 1, 2, tzinfo=UTC),
            )
            factories.complete_registration(pilot)
            InfrastructureAnswer.objects.filter(pilot=pilot).update(answered_at=at(-4))
            PilotEvent.objects.create(
                pilot=pilot,
                action=PilotEvent.Action.INFRASTRUCTURE_ANSWERED,
                subject=InfrastructureItem.MONITORING.label,
                changes={"answer": ["", "yes" if k % 2 else "planned"]},
                at=at(-3),
            )
            task_created_on(pilot, START + timedelta(days=k * 130))  # k > 0: in the window
            primary = pilot.metrics.get()
            factories.ReadingFactory(metric=primary, value=str(10 + k))
            factories.MetricFactory(pilot=pilot, kind=MetricKind.CRITICAL_SEGMENT)


@pytest.mark.parametrize("n", [2, 8])
def test_the_facts_take_three_queries_whatever_the_number(n, owner, django_assert_num_queries):
    decided_portfolio(n, owner)
    with django_assert_num_queries(3):
        facts = decided_practice_facts()
    assert len(facts) == 2 * n
    assert {f.infrastructure_yes_at_start for f in facts.values()} == {True, False}
    assert {f.handover_before_window for f in facts.values()} == {True, False}


@pytest.mark.parametrize("n", [2, 8])
def test_dashboard_with_decided_pilots_runs_a_fixed_number_of_queries(
    n, client, lead, owner, django_assert_num_queries
):
    decided_portfolio(n, owner)
    scorecards_recompute(today=TODAY)
    client.force_login(lead)
    # session, user, groups, people choices, business units, summary (the stored totals,
    # evidence included), page rows, risk trend, the graduated pilots' value, saved views,
    # unread reminders.
    with django_assert_num_queries(11):
        whole = client.get(DASHBOARD)
    # Filtered, the summary is counted: its counts, then its evidence per practice.
    with django_assert_num_queries(12):
        filtered = client.get(DASHBOARD, {"stage": "stopped"})
    assert f"The {2 * n} decided pilots" in section(whole)
    assert f"The {n} decided pilots (graduated or stopped) matching the filters" in section(
        filtered
    )


def test_the_value_realised_splits_by_practice_in_money():
    """A graduated pilot's priced improvement, a stopped one's nothing (0), unpriced: not
    measured (the split's counts take the measured ones only)."""
    from decimal import Decimal

    def primary(pilot, price):
        return factories.MetricFactory(
            pilot=pilot, baseline=Decimal("10"), target=Decimal("40"), value_per_unit=price
        )

    graduated = [decided(stage=Stage.GRADUATED) for _ in range(2)]
    stopped, unpriced = decided(), decided(stage=Stage.GRADUATED)
    for pilot, value in zip(graduated, ("20", "30"), strict=True):
        factories.ReadingFactory(metric=primary(pilot, Decimal("100")), value=Decimal(value))
    primary(stopped, Decimal("100"))
    factories.ReadingFactory(metric=primary(unpriced, None), value=Decimal("25"))
    scorecards_recompute(today=TODAY)
    stored = dict(Scorecard.objects.values_list("pilot_id", "value_per_month"))
    assert [stored[p.pk] for p in (*graduated, stopped, unpriced)] == [
        Decimal("1000.00"),  # (20 - 10) x 100 a month
        Decimal("2000.00"),
        Decimal("0.00"),
        None,
    ]
    counts = summary_counts(Scorecard.objects.all())
    key = "segment_metric_defined"  # none defines one: all four are "not followed"
    assert counts[figure_key(key, "not_followed", "value_per_month_n")] == 3
    assert counts[figure_key(key, "not_followed", "value_per_month_total")] == 3000
