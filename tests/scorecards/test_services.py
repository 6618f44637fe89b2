"""Stored scorecards: recomputed from the database in bulk, after every change
(after commit, in a task), nightly, and snapshotted once a week."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.db import transaction

from config.celery import app as celery_app
from pilots.enums import MetricKind, Stage
from pilots.models import GateDecision, Pilot
from pilots.services import handover, ingest
from scorecards import tasks
from scorecards.models import (
    PortfolioTotals,
    RiskLevel,
    Scorecard,
    ScorecardReason,
    ScorecardSnapshot,
)
from scorecards.services import (
    scorecards_recompute,
    scorecards_snapshot,
    summary_counts,
    week_of,
)
from tests import factories

DAY = date(2026, 3, 2)  # a Monday; the running fixture started 5 Jan, ends 5 Jul


def card(pilot: Pilot) -> Scorecard:
    return Scorecard.objects.get(pilot=pilot)


def reading(pilot: Pilot, day: date, value: str) -> None:
    factories.ReadingFactory(
        metric=pilot.metrics.get(kind=MetricKind.PRIMARY), observed_on=day, value=Decimal(value)
    )


def test_recompute_stores_scores_risk_reasons_and_links(running, draft):
    reading(running, DAY - timedelta(days=20), "12")  # stale, behind
    assert scorecards_recompute(today=DAY) == 1  # running and draft are the same pilot
    stored = card(running)
    codes = [reason["code"] for reason in stored.reasons]
    assert codes == ["METRIC_BEHIND", "METRIC_STALE"]  # worst first, then by points, code
    assert stored.reasons[1] == {
        "code": "METRIC_STALE",
        "practice": "metric",
        "points": 30,
        "risk": RiskLevel.WATCH,
        "sentence": f"No reading of “{running.metrics.get().name}” since 10 Feb 2026.",
        "section": "metrics",
        "link": f"/pilots/{running.reference}/#metrics",
    }
    assert (stored.metric, stored.overall, stored.risk) == (40, 85, RiskLevel.WATCH)
    assert sorted(ScorecardReason.objects.values_list("code", flat=True)) == sorted(codes)
    assert stored.sparkline == [[(DAY - timedelta(days=20)).isoformat(), "12"]]
    assert stored.computed_for == DAY
    assert stored.has_accepted_owner
    assert stored.has_primary_metric


def test_an_unacknowledged_contract_change_is_a_reason_until_a_lead_acknowledges(
    approved, sponsor, lead
):
    from pilots.services import contract, registration

    end = approved.planned_end + timedelta(days=14)
    registration.pilot_update(pilot=approved, by=sponsor, planned_end=end, reason="Late data.")
    scorecards_recompute(today=DAY)
    (changed,) = [r for r in card(approved).reasons if r["code"] == "CONTRACT_CHANGED"]
    assert changed["sentence"].startswith("The approved contract changed (Planned end)")
    assert changed["link"] == f"/pilots/{approved.reference}/#contract"
    assert (changed["risk"], changed["practice"]) == (RiskLevel.WATCH, "metric")

    contract.contract_acknowledge(pilot=approved, by=lead)
    scorecards_recompute(today=DAY)
    assert "CONTRACT_CHANGED" not in {r["code"] for r in card(approved).reasons}


def test_a_drafts_reasons_link_to_its_registration_steps(sponsor):
    pilot = factories.PilotFactory(sponsor=sponsor)
    scorecards_recompute(today=DAY)
    links = {reason["code"]: reason["link"] for reason in card(pilot).reasons}
    assert links["NO_OWNER"] == f"/pilots/{pilot.reference}/register/owner/"
    assert links["NO_PRIMARY_METRIC"] == f"/pilots/{pilot.reference}/register/metric/"
    assert card(pilot).risk == RiskLevel.WATCH  # a draft counts no worse than watch


def test_a_running_pilots_reasons_link_where_they_are_fixed(running, sponsor):
    """Naming an operations owner is done on the registration step, editable while running;
    readings on the pilot page."""
    Pilot.objects.filter(pk=running.pk).update(operations_owner=None, receiving_team="")
    scorecards_recompute(today=DAY)
    links = {reason["code"]: reason["link"] for reason in card(running).reasons}
    assert links["NO_OPERATIONS_OWNER"] == f"/pilots/{running.reference}/register/operations/"
    assert links["METRIC_STALE"] == f"/pilots/{running.reference}/#metrics"


def test_a_proposed_pilots_reasons_link_to_the_pilot_page(proposed):
    """Nobody edits a proposed pilot's registration: its page shows where things stand."""
    scorecards_recompute(today=DAY)
    links = {reason["code"]: reason["link"] for reason in card(proposed).reasons}
    assert links["OWNER_PENDING"] == f"/pilots/{proposed.reference}/#people"


def test_recompute_of_some_pilots_leaves_the_others(running, sponsor):
    other = factories.PilotFactory(sponsor=sponsor)
    scorecards_recompute(today=DAY)
    before = card(other).computed_at
    scorecards_recompute(pilot_ids=[running.pk], today=DAY + timedelta(days=1))
    assert card(running).computed_for == DAY + timedelta(days=1)
    assert card(other).computed_at == before


def test_a_reason_clears_when_the_fact_is_fixed(running, member):
    scorecards_recompute(today=date(2026, 5, 6))
    assert "HANDOVER_UNPLANNED" in [r["code"] for r in card(running).reasons]
    factories.TaskFactory(pilot=running, assignee=member, due_on=date(2026, 6, 1))
    scorecards_recompute(today=date(2026, 5, 6))
    assert "HANDOVER_UNPLANNED" not in [r["code"] for r in card(running).reasons]
    assert not ScorecardReason.objects.filter(code="HANDOVER_UNPLANNED").exists()


def test_degrading_after_graduation_from_the_readings(running, lead):
    for days, value in [(40, "38"), (30, "40"), (17, "36"), (10, "36"), (3, "35")]:
        reading(running, DAY - timedelta(days=days), value)
    Pilot.objects.filter(pk=running.pk).update(
        stage=Stage.GRADUATED, operations_accepted_at=datetime(2026, 2, 5, tzinfo=UTC)
    )
    GateDecision.objects.create(
        pilot=running,
        decided_by=lead,
        decided_at=datetime(2026, 2, 5, 12, tzinfo=UTC),  # after the 40 of 31 Jan
        from_stage=Stage.RUNNING,
        to_stage=Stage.GRADUATED,
        rationale="In production.",
    )
    scorecards_recompute(today=DAY)
    assert [r["code"] for r in card(running).reasons] == ["DEGRADING"]


def test_an_on_track_checkin_against_a_metric_behind_diverges_and_links_to_the_checkins(
    running, owner
):
    reading(running, DAY - timedelta(days=1), "12")  # behind its line
    factories.CheckInFactory(
        pilot=running, author=owner, created_at=datetime(2026, 3, 1, 9, tzinfo=UTC)
    )
    scorecards_recompute(today=DAY)
    reason = next(r for r in card(running).reasons if r["code"] == "CONFIDENCE_DIVERGES")
    assert (reason["practice"], reason["risk"], reason["link"]) == (
        "ownership",
        RiskLevel.WATCH,
        f"/pilots/{running.reference}/#checkins",
    )
    assert reason["sentence"].startswith("The owner says on track on 1 Mar 2026; “")
    assert reason["sentence"].endswith("” is behind its trajectory.")


def test_only_the_latest_checkin_counts(running, owner):
    reading(running, DAY - timedelta(days=1), "12")  # behind: an at-risk owner agrees
    for hour, confidence in ((8, "on_track"), (9, "at_risk")):
        factories.CheckInFactory(
            pilot=running,
            author=owner,
            confidence=confidence,
            created_at=datetime(2026, 3, 1, hour, tzinfo=UTC),
        )
    scorecards_recompute(today=DAY)
    assert "CONFIDENCE_DIVERGES" not in {r["code"] for r in card(running).reasons}


def test_deactivating_the_owner_is_critical(running):
    running.owner.is_active = False
    running.owner.save()
    reading(running, DAY, "30")
    scorecards_recompute(today=DAY)
    assert card(running).risk == RiskLevel.CRITICAL
    # Running: watched for orphaning, so ORPHANED names it (OWNER_INACTIVE is before the start).
    first = card(running).reasons[0]
    assert first["code"] == "ORPHANED"
    assert "account is deactivated" in first["sentence"]


def portfolio(n: int, sponsor, owner, member) -> None:
    for pilot in factories.due_portfolio(n, sponsor=sponsor, owner=owner, assignee=member):
        factories.ReadingFactory(metric=pilot.metrics.get(), observed_on=date(2026, 6, 30))
        factories.CheckInFactory(pilot=pilot, author=owner)  # read with the pilot: no query


# In a savepoint (2): the recompute lock (PostgreSQL only), 12 + 3 fact queries, then the
# upsert, deleting and writing the reason rows.
def recompute_queries() -> int:
    from django.db import connection

    # savepoint and release, the lock (PostgreSQL), 12 facts (two of them the series
    # around graduation, 3 the keepers of the orphaned rule), the decided pilots' 3
    # practice facts (scorecards.evidence), 3 writes, and the portfolio totals: their
    # count, their evidence per practice and their upsert.
    return 2 + (1 if connection.vendor == "postgresql" else 0) + 12 + 3 + 3 + 3


@pytest.mark.parametrize("size", [3, 12])
def test_recompute_runs_a_fixed_number_of_queries(
    size, sponsor, owner, member, django_assert_num_queries
):
    portfolio(size, sponsor, owner, member)
    with django_assert_num_queries(recompute_queries()):
        assert scorecards_recompute(today=date(2026, 7, 6)) == size


def test_recompute_keeps_the_stage_and_the_portfolio_totals(sponsor, owner, member):
    portfolio(3, sponsor, owner, member)
    scorecards_recompute(today=date(2026, 7, 6))
    first = Pilot.objects.order_by("pk").first()
    Pilot.objects.filter(pk=first.pk).update(stage=Stage.STOPPED)  # as a gate decision would
    scorecards_recompute(pilot_ids=[first.pk], today=date(2026, 7, 6))  # only that pilot

    stages = dict(Pilot.objects.values_list("pk", "stage"))
    assert dict(Scorecard.objects.values_list("pilot_id", "stage")) == stages
    totals = PortfolioTotals.objects.get()
    assert totals.figures == summary_counts(Scorecard.objects.all())
    assert totals.figures["total"] == 3
    assert totals.figures["stage_stopped"] == 1


# --- After a change, in a task, after commit -----------------------------------------------


def test_a_change_queues_a_recompute_of_its_pilot_after_commit(
    running, member, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(celery_app, "send_task") as send_task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        handover.task_create(
            pilot=running,
            by=running.owner,
            title="Runbook",
            kind="runbook",
            assignee=member,
            receiver_team="Ops",
            due_on=date(2026, 6, 1),
        )
        assert send_task.call_count == 0  # not before the commit
    refreshes = [c for c in send_task.call_args_list if c.args == ("scorecards.recompute",)]
    assert refreshes == [mock.call("scorecards.recompute", kwargs={"pilot_ids": [running.pk]})]


def test_a_rolled_back_change_queues_nothing(running, member, django_capture_on_commit_callbacks):
    def change_then_fail() -> None:
        with transaction.atomic():
            handover.task_create(
                pilot=running,
                by=running.owner,
                title="Runbook",
                kind="runbook",
                assignee=member,
                receiver_team="Ops",
                due_on=date(2026, 6, 1),
            )
            raise RuntimeError("boom")

    with (
        mock.patch.object(celery_app, "send_task") as send_task,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
    ):
        change_then_fail()
    send_task.assert_not_called()


def test_one_transaction_changing_several_pilots_queues_one_task(
    running, sponsor, member, django_capture_on_commit_callbacks
):
    (other,) = factories.due_portfolio(1, sponsor=sponsor, owner=running.owner, assignee=member)
    rows = [
        {"metric": pilot.metrics.get(kind=MetricKind.PRIMARY).pk, "observed_on": day, "value": v}
        for pilot in (running, other)
        for day, v in (("2026-03-01", "20"), ("2026-03-02", "21"))
    ]
    with (
        mock.patch.object(celery_app, "send_task") as send_task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        ingest.readings_ingest(by=running.owner, rows=rows, source="api")
    send_task.assert_called_once_with(
        "scorecards.recompute", kwargs={"pilot_ids": sorted([running.pk, other.pk])}
    )


def test_the_recompute_task_recomputes_those_pilots(running):
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        assert tasks.scorecards_recompute.run(pilot_ids=[running.pk]) == 1
    assert card(running).computed_for == DAY


# --- Nightly and weekly ---------------------------------------------------------------------


def test_nightly_recompute_picks_up_reasons_time_alone_brings(running, lead):
    reading(running, date(2026, 7, 1), "40")
    factories.TaskFactory(pilot=running, assignee=lead, due_on=date(2026, 7, 20))
    with time_machine.travel(datetime(2026, 7, 5, 2, 30, tzinfo=UTC), tick=False):
        tasks.scorecards_nightly.run()
    assert "DECISION_OVERDUE" not in [r["code"] for r in card(running).reasons]
    with time_machine.travel(datetime(2026, 7, 6, 2, 30, tzinfo=UTC), tick=False):
        result = tasks.scorecards_nightly.run()
    assert result == {"recomputed": 1, "snapshotted": 1}
    assert card(running).reasons[0]["code"] == "DECISION_OVERDUE"
    assert card(running).risk == RiskLevel.CRITICAL


def test_one_snapshot_per_pilot_per_week_the_first_one_stays(running):
    scorecards_recompute(today=DAY)
    assert scorecards_snapshot(today=DAY) == 1
    first = ScorecardSnapshot.objects.get()
    assert first.week == DAY  # a Monday
    running.owner.is_active = False
    running.owner.save()
    scorecards_recompute(today=DAY + timedelta(days=3))
    assert scorecards_snapshot(today=DAY + timedelta(days=3)) == 0  # same week
    assert ScorecardSnapshot.objects.get().risk == first.risk
    scorecards_recompute(today=DAY + timedelta(days=7))
    assert scorecards_snapshot(today=DAY + timedelta(days=7)) == 1
    latest = ScorecardSnapshot.objects.order_by("week").last()
    assert (latest.week, latest.risk) == (DAY + timedelta(days=7), RiskLevel.CRITICAL)
    assert "ORPHANED" in latest.reason_codes


def test_week_of_is_the_monday():
    assert week_of(date(2026, 3, 8)) == date(2026, 3, 2)
    assert week_of(date(2026, 3, 2)) == date(2026, 3, 2)


def test_the_refresh_task_pilots_sends_by_name_exists():
    from pilots.services import audit

    celery_app.loader.import_default_modules()
    assert audit.REFRESH_TASK in celery_app.tasks  # a typo here would lose every refresh
    assert celery_app.tasks[audit.REFRESH_TASK].run.__module__ == "scorecards.tasks"


def test_recompute_command_keeps_history_and_this_weeks_snapshot(running, capsys):
    from django.core.management import call_command

    call_command("recompute_scorecards", "--date", "2026-03-04", "--history", "3")
    assert "1 scorecards recomputed for 2026-03-04; 1 new snapshots this week" in (
        capsys.readouterr().out
    )
    weeks = list(ScorecardSnapshot.objects.order_by("week").values_list("week", flat=True))
    assert weeks == [date(2026, 2, 9), date(2026, 2, 16), date(2026, 2, 23), date(2026, 3, 2)]
    assert card(running).computed_for == date(2026, 3, 4)


def test_recompute_command_refuses_bad_input(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--date must be a day"):
        call_command("recompute_scorecards", "--date", "4/3/2026")
    with pytest.raises(CommandError, match="--history must be between"):
        call_command("recompute_scorecards", "--history", "500")


def test_the_weekly_totals_match_counting_the_snapshots(running, sponsor, owner, member, lead):
    from scorecards.selectors import dashboard_scorecards, risk_trend

    factories.due_portfolio(3, sponsor=sponsor, owner=owner, assignee=member)
    for day in (date(2026, 6, 22), date(2026, 6, 29), date(2026, 7, 6)):
        scorecards_recompute(today=day)
        scorecards_snapshot(today=day)
    scorecards_snapshot(today=date(2026, 7, 8))  # again in the same week: totals unchanged
    everything = dashboard_scorecards(lead)
    counted = risk_trend(everything, today=date(2026, 7, 8), weeks=4)
    totals = risk_trend(everything, today=date(2026, 7, 8), weeks=4, whole_portfolio=True)
    assert totals == counted
    assert [week.total for week in totals] == [0, 4, 4, 4]
    assert totals[-1].per_risk[RiskLevel.CRITICAL] == 4  # past their end on 6 July


def test_degrading_sees_the_level_at_graduation_beyond_the_sparkline(running, lead, settings):
    """More readings after graduation than the sparkline keeps: still compared with the
    level the metric had on graduation day."""
    settings.PILOTGATE_ORPHANED_AFTER_DAYS = 1_000  # readings made here are nobody's touch
    graduated = date(2026, 1, 31)
    reading(running, graduated, "40")
    for week in range(1, 15):  # 14 weekly readings after graduation, all lower
        reading(running, graduated + timedelta(weeks=week), "35")
    Pilot.objects.filter(pk=running.pk).update(
        stage=Stage.GRADUATED, operations_accepted_at=datetime(2026, 1, 31, tzinfo=UTC)
    )
    GateDecision.objects.create(
        pilot=running,
        decided_by=lead,
        decided_at=datetime(2026, 1, 31, 16, tzinfo=UTC),
        from_stage=Stage.RUNNING,
        to_stage=Stage.GRADUATED,
        rationale="In production.",
    )
    today = graduated + timedelta(weeks=14, days=1)
    scorecards_recompute(today=today)
    assert len(card(running).sparkline) == 12  # the graduation reading is not among them
    # Its 90-day value review, due 9 days ago, is owed too (watch).
    assert [r["code"] for r in card(running).reasons] == ["DEGRADING", "VALUE_REVIEW_DUE"]
    scorecards_recompute(today=graduated + timedelta(days=366))
    assert "DEGRADING" not in [r["code"] for r in card(running).reasons]  # a year on


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_refresh_is_sent_at_once():
    from pilots.services import audit

    with mock.patch.object(celery_app, "send_task") as send_task:
        audit.refresh_after_commit(42)
    send_task.assert_called_once_with("scorecards.recompute", kwargs={"pilot_ids": [42]})


# --- Catching up what a lost refresh left out of date ------------------------------------------


def test_catch_up_finds_pilots_without_a_scorecard_or_changed_since(running, sponsor, member):
    from scorecards.services import scorecards_out_of_date

    fresh = factories.PilotFactory(sponsor=sponsor)
    Scorecard.objects.all().delete()
    assert scorecards_out_of_date() == sorted([running.pk, fresh.pk])  # none has one yet
    scorecards_recompute(today=DAY)
    assert scorecards_out_of_date() == []
    handover.task_create(  # a change whose refresh task never ran
        pilot=running,
        by=running.owner,
        title="Runbook",
        kind="runbook",
        assignee=member,
        receiver_team="Ops",
        due_on=date(2026, 6, 1),
    )
    assert scorecards_out_of_date() == [running.pk]


def test_catch_up_notices_a_deactivated_owner_and_the_task_fixes_it(running):
    from scorecards.services import scorecards_out_of_date

    reading(running, DAY, "30")
    scorecards_recompute(today=DAY)
    running.owner.is_active = False
    running.owner.save()  # not a pilot change: no refresh was queued
    assert scorecards_out_of_date() == [running.pk]
    assert tasks.scorecards_catch_up.run() == 1
    assert "ORPHANED" in [reason["code"] for reason in card(running).reasons]
    assert scorecards_out_of_date() == []
    assert tasks.scorecards_catch_up.run() == 0  # nothing left to catch up
