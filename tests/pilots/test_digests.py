"""Digests: a kind a person chose to get in a digest is held, not emailed alone, and
goes out in one email a day or week, exactly once, retried on an SMTP failure."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from pilots.enums import DigestCadence, OwnershipStatus, ReminderKind, ReminderStatus, Stage
from pilots.models import Digest, DigestChoice, GateDecision, OutboxMessage, Pilot, Reminder
from pilots.reminders import delivery, digests, portfolio, tasks
from pilots.reminders.inbox import inbox_of
from tests import factories
from tests.pilots.test_reminder_sweep import failing_then_working

K = ReminderKind
DAY = date(2026, 12, 2)  # a Wednesday
DIGEST_TASK = "pilots.digest_deliver"


def notice(pilot: Pilot, user, kind: str, n: int) -> Reminder:
    """An event notification recorded for ``user`` and delivered (held or emailed)."""
    row = recorded(
        pilot,
        user,
        kind,
        DAY,
        f"Reason {n} for {pilot.reference}.",
        period=f"E{n}",
        action=f"Action {n}.",
        status=ReminderStatus.PENDING,
    )
    delivery.reminder_deliver(reminder_id=row.pk)
    row.refresh_from_db()
    return row


@pytest.fixture
def pilot(draft):
    Reminder.objects.all().delete()
    mail.outbox.clear()
    return draft


@pytest.fixture
def daily(owner):
    digests.digest_choices_set(
        user=owner,
        choices={K.PILOT_STARTED: DigestCadence.DAILY, K.PILOT_APPROVED: DigestCadence.DAILY},
    )
    return owner


def queued_digests() -> list[int]:
    return sorted(
        OutboxMessage.objects.filter(task=DIGEST_TASK).values_list("kwargs__digest_id", flat=True)
    )


def test_a_held_item_is_not_emailed_alone_but_is_in_the_inbox_at_once(pilot, daily, sponsor):
    held = notice(pilot, daily, K.PILOT_STARTED, 1)
    at_once = notice(pilot, daily, K.OWNER_NOMINATED, 2)  # not chosen: emailed at once
    other = notice(pilot, sponsor, K.PILOT_STARTED, 3)  # someone else's choice is theirs
    assert (held.status, at_once.status, other.status) == ("held", "emailed", "emailed")
    assert [m.to for m in mail.outbox] == [[daily.email], [sponsor.email]]
    assert mail.outbox[0].subject.endswith(K.OWNER_NOMINATED.label)
    assert set(inbox_of(daily)) == {held, at_once}


def test_the_digest_sends_one_email_with_every_item_once(pilot, daily):
    first = notice(pilot, daily, K.PILOT_STARTED, 1)
    second = notice(factories.PilotFactory(), daily, K.PILOT_APPROVED, 2)
    (digest_id,) = digests.digests_record(cadence=DigestCadence.DAILY, day=DAY)
    assert queued_digests() == [digest_id]
    assert digests.digest_deliver(digest_id=digest_id) == ReminderStatus.EMAILED
    (email,) = mail.outbox
    assert email.to == [daily.email]
    assert email.subject == "Pilotgate daily digest: 2 items"
    for item in (first, second):
        assert item.reason in email.body
        assert settings.SITE_URL + item.link in email.body
        assert item.reason in email.alternatives[0][0]
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.DIGESTED}
    # A second run of the day, and a redelivered task, send nothing.
    assert digests.digests_record(cadence=DigestCadence.DAILY, day=DAY) == []
    assert digests.digest_deliver(digest_id=digest_id) == "skipped"
    assert len(mail.outbox) == 1
    assert Digest.objects.get().status == ReminderStatus.EMAILED


def test_an_smtp_failure_is_retried_and_the_digest_goes_once(pilot, daily):
    item = notice(pilot, daily, K.PILOT_STARTED, 1)
    (digest_id,) = digests.digests_record(cadence=DigestCadence.DAILY, day=DAY)
    with failing_then_working(1), pytest.raises(delivery.DeliveryFailed):
        digests.digest_deliver(digest_id=digest_id)
    digest = Digest.objects.get()
    item.refresh_from_db()
    assert (digest.status, digest.attempts, item.status) == ("pending", 1, "held")
    assert digest.last_error.startswith("SMTPServerDisconnected")
    # The task asks Celery to retry with backoff.
    with (
        failing_then_working(1),
        mock.patch.object(
            tasks.digest_deliver, "retry", side_effect=RuntimeError("retry")
        ) as retry,
        pytest.raises(RuntimeError),
    ):
        tasks.digest_deliver.run(digest_id=digest_id)
    assert retry.call_count == 1
    assert digests.digest_deliver(digest_id=digest_id) == ReminderStatus.EMAILED
    digest.refresh_from_db()
    item.refresh_from_db()
    assert (digest.status, digest.attempts, digest.last_error, item.status) == (
        "emailed",
        3,
        "",
        "digested",
    )
    assert len(mail.outbox) == 1


def test_the_last_failed_attempt_marks_the_items_failed(pilot, daily):
    item = notice(pilot, daily, K.PILOT_STARTED, 1)
    (digest_id,) = digests.digests_record(cadence=DigestCadence.DAILY, day=DAY)
    Digest.objects.update(attempts=delivery.MAX_ATTEMPTS - 1)
    with failing_then_working(1), pytest.raises(delivery.DeliveryFailed):
        digests.digest_deliver(digest_id=digest_id)
    item.refresh_from_db()
    assert (Digest.objects.get().status, item.status) == ("failed", "failed")
    assert item.last_error.startswith("Digest failed")


def test_a_digest_lost_with_its_worker_is_queued_again_by_the_redelivery_job(pilot, daily):
    notice(pilot, daily, K.PILOT_STARTED, 1)
    (digest_id,) = digests.digests_record(cadence=DigestCadence.DAILY, day=DAY)
    OutboxMessage.objects.all().delete()
    Digest.objects.update(
        status=ReminderStatus.SENDING, claimed_at=timezone.now() - timedelta(minutes=5)
    )
    assert tasks.reminders_redeliver.run() == 1
    assert queued_digests() == [digest_id]
    assert digests.digest_deliver(digest_id=digest_id) == ReminderStatus.EMAILED
    assert len(mail.outbox) == 1


def test_items_recorded_after_the_digest_go_into_the_next_one(pilot, daily):
    notice(pilot, daily, K.PILOT_STARTED, 1)
    (today,) = digests.digests_record(cadence=DigestCadence.DAILY, day=DAY)
    late = notice(pilot, daily, K.PILOT_APPROVED, 2)
    assert digests.digests_record(cadence=DigestCadence.DAILY, day=DAY) == []
    digests.digest_deliver(digest_id=today)
    late.refresh_from_db()
    assert late.status == ReminderStatus.HELD
    (tomorrow,) = digests.digests_record(cadence=DigestCadence.DAILY, day=date(2026, 12, 3))
    assert list(Reminder.objects.filter(digest_id=tomorrow)) == [late]
    digests.digest_deliver(digest_id=tomorrow)
    assert [m.subject for m in mail.outbox] == [
        "Pilotgate daily digest: 1 item",
        "Pilotgate daily digest: 1 item",
    ]
    assert late.reason in mail.outbox[1].body
    assert late.reason not in mail.outbox[0].body


def test_weekly_items_wait_for_the_weekly_digest(pilot, owner):
    digests.digest_choices_set(user=owner, choices={K.PILOT_STARTED: DigestCadence.WEEKLY})
    item = notice(pilot, owner, K.PILOT_STARTED, 1)
    assert digests.digests_record(cadence=DigestCadence.DAILY, day=DAY) == []
    (weekly,) = digests.digests_record(cadence=DigestCadence.WEEKLY, day=DAY)
    assert Digest.objects.get().period == "2026-W49"
    assert list(Reminder.objects.filter(digest_id=weekly)) == [item]
    # Back to "at once": what is still held goes out in the next daily digest.
    held = notice(factories.PilotFactory(), owner, K.PILOT_STARTED, 2)
    digests.digest_choices_set(user=owner, choices={})
    (daily,) = digests.digests_record(cadence=DigestCadence.DAILY, day=date(2026, 12, 3))
    assert list(Reminder.objects.filter(digest_id=daily)) == [held]


@pytest.mark.parametrize("n", [1, 5])
def test_recording_the_digests_takes_a_fixed_number_of_queries(pilot, n, django_assert_num_queries):
    for i in range(n):
        user = factories.UserFactory()
        DigestChoice.objects.create(user=user, kind=K.PILOT_STARTED, cadence="daily")
        notice(pilot, user, K.PILOT_STARTED, i)
    with django_assert_num_queries(7):
        ids = digests.digests_record(cadence=DigestCadence.DAILY, day=DAY)
    assert len(ids) == n
    assert Reminder.objects.filter(digest__isnull=True).count() == 0


def test_choices_are_validated_against_the_kinds_and_cadences(owner):
    with pytest.raises(digests.ValidationError):
        digests.digest_choices_set(user=owner, choices={"nonsense": "daily"})
    with pytest.raises(digests.ValidationError):
        digests.digest_choices_set(user=owner, choices={K.PILOT_STARTED: "hourly"})
    assert not DigestChoice.objects.exists()


# --- The profile page and the leads' log ---------------------------------------------------


def test_the_profile_shows_and_saves_the_digest_choices(client, owner):
    client.force_login(owner)
    html = client.get(reverse("pilots:profile")).content.decode()
    assert 'id="digests"' in html
    assert 'name="digest-pilot_started"' in html
    response = client.post(
        reverse("pilots:profile"),
        {"save": "digests", "digest-pilot_started": "weekly", "digest-task_overdue": "daily"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("pilots:profile") + "#digests"
    assert digests.digest_choices_of(owner) == {"pilot_started": "weekly", "task_overdue": "daily"}
    html = client.get(reverse("pilots:profile")).content.decode()
    assert '<option value="weekly" selected>' in html
    # Saving the digests leaves the mutes alone, and the other way round.
    client.post(reverse("pilots:profile"), {"muted": ["metric_stale"]})
    assert digests.digest_choices_of(owner) == {"pilot_started": "weekly", "task_overdue": "daily"}


def test_the_profile_refuses_an_unknown_cadence(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:profile"), {"save": "digests", "digest-pilot_started": "hourly"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not DigestChoice.objects.exists()


def test_the_leads_log_shows_held_and_digested_items_truthfully(client, lead, pilot, daily):
    notice(pilot, daily, K.PILOT_STARTED, 1)
    client.force_login(lead)
    assert "held for a digest" in client.get(reverse("pilots:reminders")).content.decode()
    (digest_id,) = digests.digests_record(cadence=DigestCadence.DAILY, day=DAY)
    digests.digest_deliver(digest_id=digest_id)
    assert "emailed in a digest" in client.get(reverse("pilots:reminders")).content.decode()


def test_staff_see_digests_and_choices_in_the_admin_read_only(client, admin_user, pilot, daily):
    notice(pilot, daily, K.PILOT_STARTED, 1)
    (digest_id,) = digests.digests_record(cadence=DigestCadence.DAILY, day=DAY)
    client.force_login(admin_user)
    page = client.get(reverse("admin:pilots_digest_changelist")).content.decode()
    assert DAY.isoformat() in page
    choices = client.get(reverse("admin:pilots_digestchoice_changelist")).content.decode()
    assert "Pilot started" in choices
    change = client.get(reverse("admin:pilots_digest_change", args=[digest_id]))
    assert 'name="_save"' not in change.content.decode()


# --- The leads' weekly portfolio digest ---------------------------------------------------

MONDAY = date(2026, 12, 7)  # the digest of 30 Nov to 6 Dec


def recorded(
    pilot: Pilot,
    user,
    kind: str,
    day: date,
    reason: str,
    *,
    period: str = "",
    action: str = "Look.",
    status: str = ReminderStatus.EMAILED,
) -> Reminder:
    return Reminder.objects.create(
        pilot=pilot,
        kind=kind,
        recipient=user,
        period=period or f"W{pilot.pk}{kind[:4]}{day}",
        day=day,
        sweep="00000000-0000-0000-0000-000000000000",
        reason=reason,
        action=action,
        link=f"/pilots/{pilot.reference}/",
        status=status,
    )


def closed(pilot: Pilot, lead, stage: str, day: date) -> None:
    GateDecision.objects.create(
        pilot=pilot,
        decided_by=lead,
        decided_at=timezone.make_aware(datetime.combine(day, time(12))),
        from_stage=Stage.RUNNING,
        to_stage=stage,
        rationale=f"{stage.title()} for good reasons.",
        lessons_learned="What we learned.",
    )


@pytest.fixture
def week(proposed, lead, sponsor):
    """A small portfolio's week: one pilot at risk (told twice), one review overdue,
    one graduated, one stopped, and one risk from the week before (not in it)."""
    Reminder.objects.all().delete()
    risky, late, done, dropped = (factories.PilotFactory(sponsor=sponsor) for _ in range(4))
    recorded(risky, sponsor, K.RISK_WORSENED, date(2026, 12, 1), "Watch: behind trajectory.")
    recorded(risky, sponsor, K.RISK_WORSENED, date(2026, 12, 3), "At risk: far behind.")
    recorded(late, lead, K.REVIEW_OVERDUE, date(2026, 12, 2), "Waiting 6 days for review.")
    recorded(dropped, sponsor, K.RISK_WORSENED, date(2026, 11, 29), "Last week's news.")
    closed(done, lead, Stage.GRADUATED, date(2026, 12, 4))
    closed(dropped, lead, Stage.STOPPED, date(2026, 12, 6))
    return {"risky": risky, "late": late, "done": done, "dropped": dropped, "proposed": proposed}


def refs(lines) -> list[str]:
    return [line.pilot.reference for line in lines]


def test_the_portfolio_week_lists_what_changed_and_what_waits(week, lead):
    got = portfolio.portfolio_week(lead, last_day=date(2026, 12, 6))
    assert refs(got.at_risk) == [week["risky"].reference]
    assert [line.text for line in got.at_risk] == ["At risk: far behind."]  # the latest
    assert refs(got.reviews_overdue) == [week["late"].reference]
    assert refs(got.to_review) == [week["proposed"].reference]
    assert got.to_review[0].text.startswith("Submitted ")
    assert refs(got.graduated) == [week["done"].reference]
    assert refs(got.stopped) == [week["dropped"].reference]
    assert (got.checkpoints_due, got.decisions_due) == ([], [])


def test_what_waits_for_a_decision_leaves_out_the_leads_own_pilots(lead, sponsor):
    """An independent lead decides a pilot its sponsor or owner leads: the digest asks
    only those who may; the news of the lead's own pilots is still in it."""
    Reminder.objects.all().delete()
    own, owned, other = (
        factories.PilotFactory(sponsor=lead),
        factories.PilotFactory(
            sponsor=sponsor,
            owner=lead,
            owner_status=OwnershipStatus.ACCEPTED,
            owner_responded_at=timezone.now(),
        ),
        factories.PilotFactory(sponsor=sponsor),
    )
    for pilot in (own, owned, other):
        recorded(pilot, sponsor, K.DECISION_OVERDUE, date(2026, 12, 2), "Decide.")
        recorded(pilot, sponsor, K.CHECKPOINT_OVERDUE, date(2026, 12, 2), "Checkpoint.")
        recorded(pilot, sponsor, K.RISK_WORSENED, date(2026, 12, 2), "At risk.")
    got = portfolio.portfolio_week(lead, last_day=date(2026, 12, 6))
    assert refs(got.decisions_due) == refs(got.checkpoints_due) == [other.reference]
    assert sorted(refs(got.at_risk)) == sorted(p.reference for p in (own, owned, other))


def test_the_review_queue_in_the_digest_leaves_out_the_leads_own_proposals(lead, proposed):
    proposed.sponsor = lead
    proposed.save(update_fields=["sponsor"])
    got = portfolio.portfolio_week(lead, last_day=date(2026, 12, 6))
    assert got.to_review == []


@pytest.mark.parametrize("n", [1, 5])
def test_the_portfolio_week_takes_four_queries_whatever_its_size(
    lead, sponsor, n, django_assert_num_queries
):
    for _ in range(n):
        pilot = factories.PilotFactory(sponsor=sponsor)
        recorded(pilot, sponsor, K.RISK_WORSENED, date(2026, 12, 2), "At risk.")
        recorded(pilot, lead, K.DECISION_OVERDUE, date(2026, 12, 2), "Decide.")
        closed(pilot, lead, Stage.STOPPED, date(2026, 12, 2))
    with django_assert_num_queries(4):
        got = portfolio.portfolio_week(lead, last_day=date(2026, 12, 6))
        assert (len(got.at_risk), len(got.decisions_due), len(got.stopped)) == (n, n, n)


def test_each_lead_gets_one_portfolio_email_a_week_with_links(week, lead, settings):
    other = factories.lead_user("lead2")
    ids = digests.portfolio_digests_record(day=MONDAY)
    assert digests.portfolio_digests_record(day=MONDAY) == []  # a second run: nothing
    assert sorted(Digest.objects.values_list("recipient__username", flat=True)) == sorted(
        [lead.username, other.username]
    )
    for pk in ids:
        assert digests.digest_deliver(digest_id=pk) == ReminderStatus.EMAILED
        assert digests.digest_deliver(digest_id=pk) == "skipped"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([lead.email, other.email])
    body = mail.outbox[0].body
    assert mail.outbox[0].subject == "Pilotgate portfolio: the week to 6 Dec 2026"
    for title in ("Newly at risk (1)", "Waiting for a gate decision (1)", "Graduated (1)"):
        assert title in body
    assert f"{settings.SITE_URL}/pilots/{week['risky'].reference}/" in body
    assert "Last week's news." not in body


def test_a_quiet_week_sends_no_portfolio_email(lead):
    Reminder.objects.all().delete()
    (pk,) = digests.portfolio_digests_record(day=MONDAY)
    assert digests.digest_deliver(digest_id=pk) == ReminderStatus.CANCELLED
    assert mail.outbox == []
