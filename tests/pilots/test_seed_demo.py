"""seed_demo builds every situation of the brief, and a second run changes nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import F, Q
from django.utils import timezone

from config.celery import app as celery_app
from pilots.enums import CheckpointChoice, OwnershipStatus, ReminderKind, Stage, TaskStatus
from pilots.models import (
    CheckIn,
    CheckpointDecision,
    GateDecision,
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    Pilot,
    PilotEvent,
)
from pilots.permissions import is_independent_lead, pilot_roles
from pilots.reminders.rules import reminders_due
from pilots.selectors.metrics import pilot_metric_statuses
from pilots.selectors.pilots import pilot_timeline
from pilots.services import audit, gates
from pilots.timeline import Trajectory
from scorecards.models import RiskLevel, Scorecard, ScorecardSnapshot

ROOT = Path(__file__).resolve().parents[2]


def snapshot() -> dict[str, object]:
    return {
        "users": sorted(get_user_model().objects.values_list("username", "is_superuser")),
        "pilots": sorted(
            Pilot.objects.values_list(
                "reference", "title", "stage", "owner_status", "planned_start", "planned_end"
            )
        ),
        "metrics": Metric.objects.count(),
        "readings": sorted(MetricReading.objects.values_list("metric_id", "observed_on", "value")),
        "tasks": sorted(KnowledgeTransferTask.objects.values_list("title", "status", "due_on")),
        "decisions": GateDecision.objects.count(),
        "events": PilotEvent.objects.count(),
        "checkins": CheckIn.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_twice_gives_the_same_data(capsys):
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")

    assert snapshot() == first
    assert "pilotgate-demo" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_demo_covers_every_stage_and_risk_situation():
    call_command("seed_demo")
    pilots = list(Pilot.objects.all())

    assert 20 <= len(pilots) <= 40
    assert set(Counter(p.stage for p in pilots)) == set(Stage.values)
    users = set(get_user_model().objects.values_list("username", flat=True))
    assert {"sponsor", "owner", "member", "ops", "lead", "admin"} <= users
    assert get_user_model().objects.get(username="admin").is_superuser

    statuses = Counter(p.owner_status for p in pilots)
    assert statuses[OwnershipStatus.NONE] >= 1
    assert statuses[OwnershipStatus.PENDING] >= 1
    assert statuses[OwnershipStatus.DECLINED] >= 1

    running = [p for p in pilots if p.stage == Stage.RUNNING]
    timelines = {p.pk: pilot_timeline(p) for p in running}
    tasks = set(KnowledgeTransferTask.objects.values_list("pilot_id", flat=True))
    assert any(
        t.handover_approaching and p.pk not in tasks for p in running if (t := timelines[p.pk])
    )
    assert any(t.handover_open and p.pk not in tasks for p in running if (t := timelines[p.pk]))
    assert any(t.today > t.end for t in timelines.values()), "a decision is overdue"

    all_statuses = [s for p in running for s in pilot_metric_statuses(p)]
    assert any(s.stale for s in all_statuses)
    assert {Trajectory.BEHIND, Trajectory.ON_TRACK, Trajectory.ACHIEVED} <= {
        s.trajectory for s in all_statuses
    }
    assert GateDecision.objects.filter(from_stage=Stage.PROPOSED, to_stage=Stage.DRAFT).exists()


@pytest.mark.django_db
def test_seed_demo_decisions_are_taken_by_an_independent_lead():
    call_command("seed_demo")
    independent = [
        Stage.APPROVED,
        Stage.GRADUATED,
        Stage.STOPPED,
    ]
    decisions = list(
        GateDecision.objects.filter(to_stage__in=independent).select_related("pilot", "decided_by")
    )
    assert {d.to_stage for d in decisions} == set(independent)
    for decision in decisions:
        roles = pilot_roles(decision.decided_by, decision.pilot)
        assert is_independent_lead(roles), (decision.pilot.reference, decision.to_stage)
    pilots = Pilot.objects.exclude(owner=None)
    assert all(p.owner_id != p.sponsor_id for p in pilots), "no sponsor owns their pilot"


@pytest.mark.django_db
def test_seed_demo_queues_no_refresh_and_make_seed_scores_every_pilot(
    django_capture_on_commit_callbacks,
):
    """The seed's ~700 service calls queue nothing; `make seed`'s recompute does it once."""
    with (
        mock.patch.object(celery_app, "send_task") as send_task,  # the broker lives outside
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("seed_demo")
        call_command("recompute_scorecards", "--history", "8")

    assert send_task.call_args_list == []
    pilots = set(Pilot.objects.values_list("pk", flat=True))
    assert set(Scorecard.objects.values_list("pilot_id", flat=True)) == pilots
    assert ScorecardSnapshot.objects.values("week").distinct().count() == 9


@pytest.mark.django_db
def test_refresh_skipped_holds_only_inside_its_block(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(celery_app, "send_task") as send_task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        with audit.refresh_skipped():
            audit.refresh_after_commit(1)
        audit.refresh_after_commit(2)

    send_task.assert_called_once_with(audit.REFRESH_TASK, kwargs={"pilot_ids": [2]})


@pytest.mark.django_db
def test_seed_demo_refuses_settings_that_do_not_allow_it(settings):
    """Production (PILOTGATE_ALLOW_SEED_DEMO off): no published password, no superuser."""
    settings.PILOTGATE_ALLOW_SEED_DEMO = False
    with pytest.raises(CommandError, match="refuses to run under these settings"):
        call_command("seed_demo")
    assert get_user_model().objects.count() == 0
    assert Pilot.objects.count() == 0


def test_seed_demo_refuses_the_production_settings(tmp_path):
    """The command itself, as an operator would run it in a production container."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PILOTGATE_", "DATABASE_URL", "CELERY_", "EMAIL_URL"))
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_READ_DOT_ENV_FILE": "false",
            "DJANGO_SECRET_KEY": "x" * 60,
            "DJANGO_ALLOWED_HOSTS": "pilotgate.example.com",
            "EMAIL_URL": "smtp+tls://user:pw@smtp.example.com:587",
            # Never reached: the command stops before it touches the database.
            "DATABASE_URL": f"sqlite:///{tmp_path / 'never.sqlite3'}",
            "CELERY_BROKER_URL": "redis://redis.example.com:6379/0",
            "SITE_URL": "https://pilotgate.example.com",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "seed_demo refuses to run under these settings (production)" in result.stderr
    assert "PILOTGATE_ALLOW_SEED_DEMO=true" in result.stderr
    assert not (tmp_path / "never.sqlite3").exists()


@pytest.mark.django_db
def test_seed_demo_gives_every_submitted_metric_its_provenance_and_one_draft_none():
    call_command("seed_demo")
    provenance_items = {
        pilot.reference: [i.code for i in gates.provenance_missing_items(pilot)]
        for pilot in Pilot.objects.prefetch_related("metrics")
    }
    lacking = {ref for ref, codes in provenance_items.items() if codes}
    assert lacking, "a draft shows the missing provenance"
    assert set(Pilot.objects.filter(reference__in=lacking).values_list("stage", flat=True)) == {
        Stage.DRAFT
    }
    assert not Metric.objects.exclude(pilot__stage=Stage.DRAFT).filter(baseline_source="")


@pytest.mark.django_db
def test_seed_demo_rate_pilots_define_a_segment_metric_and_one_draft_is_told_to():
    """The default policy (rates): every submitted pilot whose primary metric is a rate or a
    share has a critical-segment metric; a complete draft in "%" shows the missing item."""
    call_command("seed_demo")
    needing = {
        pilot.reference: pilot.stage
        for pilot in Pilot.objects.prefetch_related("metrics")
        if gates.segment_missing_items(
            pilot, next(m for m in pilot.metrics.all() if m.kind == "primary")
        )
    }
    assert needing
    assert set(needing.values()) == {Stage.DRAFT}
    supplier = Pilot.objects.get(title="Supplier risk early warning")
    assert supplier.reference in needing


@pytest.mark.django_db
def test_seed_demo_counts_pil_0010_segment_breach_on_its_scorecard_and_dashboard(client):
    """Issue 15: the metric mirage's 2% counted. PIL-0010's primary is on track but its
    critical segment ("P1 incidents routed within 15 minutes") is behind its trajectory."""
    call_command("seed_demo")
    call_command("recompute_scorecards")
    pilot = Pilot.objects.get(title="Ticket routing for IT service desk")
    segment = pilot.metrics.get(name="P1 incidents routed within 15 minutes")
    card = Scorecard.objects.get(pilot=pilot)

    codes = [reason["code"] for reason in card.reasons]
    assert "SEGMENT_BREACH" in codes
    assert card.risk >= RiskLevel.AT_RISK
    assert card.overall < 100
    breach = next(r for r in card.reasons if r["code"] == "SEGMENT_BREACH")
    assert breach["link"] == f"/pilots/{pilot.reference}/#metric-{segment.pk}"

    client.force_login(get_user_model().objects.get(username="lead"))
    page = client.get("/portfolio/", {"reason": "SEGMENT_BREACH"}).content.decode()
    assert set(re.findall(r"PIL-\d{4}", page)) == {pilot.reference}


@pytest.mark.django_db
def test_seed_demo_shows_a_divergent_checkin_and_consistent_ones(client):
    """Issue 15, item 8: optimism made visible. "Collections call prioritisation" is far
    behind its trajectory while its owner's latest check-in says on track; the other
    owners' check-ins agree with their metrics."""
    call_command("seed_demo")
    call_command("recompute_scorecards")
    divergent = Pilot.objects.get(title="Collections call prioritisation")
    latest = divergent.checkins.latest()
    assert (latest.confidence, latest.author.username) == ("on_track", "owner2")

    diverging = {
        card.pilot.title
        for card in Scorecard.objects.select_related("pilot")
        if any(reason["code"] == "CONFIDENCE_DIVERGES" for reason in card.reasons)
    }
    assert diverging == {divergent.title}
    checked_in = set(
        CheckIn.objects.exclude(pilot=divergent).values_list("pilot__title", flat=True)
    )
    assert len(checked_in) >= 3
    reason = next(
        r for r in Scorecard.objects.get(pilot=divergent).reasons if r["code"] == "METRIC_BEHIND"
    )
    assert reason["risk"] >= RiskLevel.WATCH

    client.force_login(get_user_model().objects.get(username="lead"))
    page = client.get("/portfolio/", {"reason": "CONFIDENCE_DIVERGES"}).content.decode()
    assert set(re.findall(r"PIL-\d{4}", page)) == {divergent.reference}
    shown = client.get(f"/pilots/{divergent.reference}/").content.decode()
    assert "The owner's confidence diverges from the metric." in shown


@pytest.mark.django_db
def test_seed_demo_shows_a_waiver_that_expired_and_keeps_every_other_waiver_approved(client):
    """Issue 15, item 4: a running pilot's monitoring waiver ran out (WAIVER_EXPIRED on its
    scorecard and its page); every other approved or running pilot that is not "yes" on an
    item holds an approved waiver lasting past its planned start."""
    call_command("seed_demo")
    call_command("recompute_scorecards")
    pilot = Pilot.objects.get(title="Returns reason classification")
    card = Scorecard.objects.get(pilot=pilot)
    assert [r["code"] for r in card.reasons if r["code"] == "WAIVER_EXPIRED"] == ["WAIVER_EXPIRED"]
    assert {
        p.reference
        for p in Pilot.objects.all()
        if "WAIVER_EXPIRED" in [r["code"] for r in Scorecard.objects.get(pilot=p).reasons]
    } == {pilot.reference}
    client.force_login(get_user_model().objects.get(username="sponsor"))
    page = client.get(f"/pilots/{pilot.reference}/").content.decode()
    assert '<strong class="waiver-expired">Waiver expired on' in page

    waived = InfrastructureAnswer.objects.exclude(answer="yes").filter(
        pilot__stage__in=Stage.APPROVED_OR_LATER
    )
    assert {a.pilot.title for a in waived} == {
        "Returns reason classification",
        "Fraud screening for card payments",
    }
    for answer in waived:
        assert answer.waiver_approved_by.username == "lead", answer
        assert answer.waiver_expires_on >= answer.pilot.planned_start, answer
    submitted = Pilot.objects.exclude(stage=Stage.DRAFT).prefetch_related("infrastructure")
    assert [p.reference for p in submitted if gates.waiver_missing_items(p)] == []


@pytest.mark.django_db
def test_seed_demo_has_a_running_pilot_in_its_window_past_the_grace_without_a_checkpoint(
    client, settings
):
    """Issue 15: a pilot in its handover window without a checkpoint decision is a reason
    and a reminder to the leads who may decide; others in their window read sensibly."""
    call_command("seed_demo")
    call_command("recompute_scorecards")
    today = timezone.localdate()
    pilot = Pilot.objects.get(title="Spare parts reorder advisor")
    window = pilot_timeline(pilot, today=today)
    assert window.handover_open
    assert (today - window.handover_opens).days > settings.PILOTGATE_CHECKPOINT_GRACE_DAYS
    assert not CheckpointDecision.objects.filter(pilot=pilot).exists()
    due = next(
        r for r in Scorecard.objects.get(pilot=pilot).reasons if r["code"] == "CHECKPOINT_DUE"
    )
    assert due["risk"] == RiskLevel.AT_RISK
    assert due["link"] == f"/pilots/{pilot.reference}/#checkpoint"
    told = {
        item.recipient_id
        for item in reminders_due(today, pilot_id=pilot.pk)
        if item.kind == ReminderKind.CHECKPOINT_OVERDUE
    }
    assert told == set(
        get_user_model().objects.filter(username="lead").values_list("pk", flat=True)
    )
    client.force_login(get_user_model().objects.get(username="lead"))
    page = client.get(f"/pilots/{pilot.reference}/").content.decode()
    assert "<strong>Checkpoint overdue.</strong>" in page

    # Continued: all done and accepted, nothing due.
    energy = Pilot.objects.get(title="Energy use anomaly detection")
    assert [c.decision for c in energy.checkpoints.all()] == [CheckpointChoice.CONTINUE]
    assert "CHECKPOINT_DUE" not in {r["code"] for r in Scorecard.objects.get(pilot=energy).reasons}
    # Extended: its new window opens later, so nothing is due today.
    notes = Pilot.objects.get(title="Meeting notes summariser")
    (extension,) = notes.checkpoints.all()
    assert (extension.decision, extension.new_end) == (CheckpointChoice.EXTEND, notes.planned_end)
    assert pilot_timeline(notes, today=today).handover_opens > today
    assert "CHECKPOINT_DUE" not in {r["code"] for r in Scorecard.objects.get(pilot=notes).reasons}


@pytest.mark.django_db
def test_seed_demo_has_a_pilot_whose_contract_drifted_awaiting_acknowledgement():
    """Issue 15, item 9: an approved pilot whose target moved after approval, with a reason."""
    from pilots.models import ContractChange
    from pilots.selectors.contract import drift_of
    from scorecards.services import scorecards_recompute

    call_command("seed_demo")
    # The checkpoint's extension of "Meeting notes summariser" is drift too (its end).
    extended = ContractChange.objects.get(key="pilot.planned_end")
    assert extended.pilot.title == "Meeting notes summariser"
    change = ContractChange.objects.select_related("pilot").exclude(pk=extended.pk).get()
    pilot = change.pilot
    assert pilot.stage in Stage.IN_FLIGHT
    assert change.key.endswith(".target")
    assert (change.before, change.after) == ("120", "110")
    assert change.reason
    assert change.acknowledged_at is None
    drift = drift_of(pilot)
    assert [(f.approved, f.now) for f in drift.fields] == [("120", "110")]
    # Every approved pilot's contract was frozen at its approval, by an independent lead.
    approved = Pilot.objects.filter(stage__in=Stage.APPROVED_OR_LATER)
    assert all(p.contract_snapshots.filter(version=1, origin="approval").exists() for p in approved)
    scorecards_recompute()
    assert "CONTRACT_CHANGED" in {
        r.code for r in Scorecard.objects.get(pilot=pilot).reason_rows.all()
    }


@pytest.mark.django_db
def test_seed_demo_has_a_task_waiting_for_ops_and_every_other_done_task_confirmed():
    call_command("seed_demo")
    waiting = KnowledgeTransferTask.objects.filter(status=TaskStatus.WAITING).select_related(
        "pilot", "receiver"
    )
    (task,) = waiting
    assert (task.pilot.title, task.title, task.receiver.username) == (
        "Spare parts reorder advisor",
        "Train the service desk on override handling",
        "ops",
    )
    assert task.confirmed_at is None
    assert (timezone.localdate() - timezone.localdate(task.completed_at)).days == 5
    done = KnowledgeTransferTask.objects.filter(status=TaskStatus.DONE)
    assert done.exists()
    assert not done.filter(Q(confirmed_at__isnull=True) | Q(confirmed_by__isnull=True)).exists()
    # The receiver signs off, never the giver.
    assert not done.filter(confirmed_by=F("assignee")).exists()
    assert not done.filter(confirmed_by=F("completed_by")).exists()
    # Graduated demo pilots passed the gate: every task confirmed.
    graduated = KnowledgeTransferTask.objects.filter(pilot__stage=Stage.GRADUATED)
    assert graduated.exists()
    assert set(graduated.values_list("status", flat=True)) == {TaskStatus.DONE}
    # And the receiver hears of it (waited 5 days, more than the 3 allowed).
    due = [
        (item.kind, item.recipient_id)
        for item in reminders_due(timezone.localdate(), pilot_id=task.pilot_id)
        if item.kind == ReminderKind.TASK_UNCONFIRMED
    ]
    assert due == [(ReminderKind.TASK_UNCONFIRMED, task.receiver_id)]


@pytest.mark.django_db
def test_seed_demo_reminds_before_the_date():
    """Issue 16: a task due in two days, a pilot ending in ten, two approved pilots past
    their planned start; each told to exactly its people."""
    call_command("seed_demo")
    names = dict(get_user_model().objects.values_list("pk", "username"))
    due = sorted(
        (item.kind, Pilot.objects.get(pk=item.pilot_id).title, names[item.recipient_id])
        for item in reminders_due(timezone.localdate())
        if item.kind
        in (ReminderKind.TASK_DUE_SOON, ReminderKind.PILOT_ENDING, ReminderKind.START_OVERDUE)
    )
    assert due == [
        (ReminderKind.PILOT_ENDING, "Energy use anomaly detection", "owner2"),
        (ReminderKind.PILOT_ENDING, "Energy use anomaly detection", "sponsor"),
        (ReminderKind.START_OVERDUE, "Email intent detection for banking", "sponsor2"),
        (ReminderKind.START_OVERDUE, "Warehouse pick-path optimisation", "sponsor"),
        (ReminderKind.TASK_DUE_SOON, "Collections call prioritisation", "member"),
    ]


@pytest.mark.django_db
def test_seed_demo_has_a_decaying_graduated_pilot_whose_owners_are_reminded_once():
    """Graduated 75 days ago; one noisy week ignored, then a slide: DEGRADING, its business
    owner and operations owner reminded exactly once however often the sweep runs, and
    not yet escalated (the decline was found 12 days ago, the escalation is at 14)."""
    from pilots.models import Reminder
    from pilots.reminders import sweep
    from pilots.reminders.sweep import reminders_sweep
    from scorecards.services import scorecards_recompute

    call_command("seed_demo")
    today = timezone.localdate()
    scorecards_recompute(today=today)
    pilot = Pilot.objects.get(title="Van loading sequence optimiser")
    assert pilot.stage == Stage.GRADUATED
    reasons = {r["code"]: r for r in Scorecard.objects.get(pilot=pilot).reasons}
    assert "DEGRADING" in reasons
    since = today - timedelta(days=12)
    assert reasons["DEGRADING"]["sentence"] == (
        f"“Parcels loaded per hour” has fallen back since {since.day} {since:%b %Y}: 111 "
        "parcels (the median of its last 3 readings) against 118.71 parcels at graduation, "
        "31% of the way from baseline to target lost."
    )
    # The other graduated pilots graduated today: nothing after graduation to decline.
    degrading = Scorecard.objects.filter(reason_rows__code="DEGRADING").values_list(
        "pilot__title", flat=True
    )
    assert list(degrading) == ["Van loading sequence optimiser"]

    with mock.patch.object(sweep, "enqueue_deliveries"):
        reminders_sweep(day=today)
        reminders_sweep(day=today)
        reminders_sweep(day=today + timedelta(days=1))
    told = Reminder.objects.filter(pilot=pilot, kind=ReminderKind.DEGRADING)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["ops2", "owner2"]
    assert set(told.values_list("period", flat=True)) == {f"D{since.isoformat()}"}
    assert not Reminder.objects.filter(kind=ReminderKind.DEGRADING_ESCALATED).exists()
    # Two days on it has lasted two weeks: the sponsor and the leads are told, once.
    with mock.patch.object(sweep, "enqueue_deliveries"):
        reminders_sweep(day=today + timedelta(days=2))
        reminders_sweep(day=today + timedelta(days=3))
    escalated = Reminder.objects.filter(pilot=pilot, kind=ReminderKind.DEGRADING_ESCALATED)
    assert sorted(escalated.values_list("recipient__username", flat=True)) == ["lead", "sponsor"]
    assert told.count() == 2
