"""Event notifications: each change tells exactly the people it concerns, never its actor,
once per event and recipient, in the change's transaction, emailed once after the commit."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from celery import current_app as celery_app
from django.core import mail
from django.db import transaction
from django.urls import reverse

from pilots.enums import ReminderKind, ReminderStatus, Stage
from pilots.models import OutboxMessage, Pilot, PilotEvent, Reminder
from pilots.reminders import delivery
from pilots.reminders.inbox import reminder_mutes_set
from pilots.services import gates, handover, notifications, ownership, registration
from scorecards.models import Scorecard
from scorecards.services import scorecards_recompute
from tests import factories
from tests.pilots.reminder_helpers import forget_notifications

K = ReminderKind
DELIVER = "pilots.reminder_deliver"


def told(kind: str) -> set[str]:
    """Usernames notified of ``kind`` (the unique constraint keeps one per event each)."""
    return set(Reminder.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def queued() -> list[int]:
    """The reminders whose delivery task waits in the outbox."""
    return sorted(
        OutboxMessage.objects.filter(task=DELIVER).values_list("kwargs__reminder_id", flat=True)
    )


@pytest.fixture
def second_lead(db):
    return factories.lead_user("lead2")


@pytest.fixture
def fresh(draft):
    """The draft with the fixtures' own notifications forgotten."""
    forget_notifications()
    return draft


# --- Who is told of what ----------------------------------------------------------------


def test_nominating_an_owner_tells_the_nominee_and_not_the_sponsor(fresh, sponsor, owner2):
    ownership.owner_nominate(pilot=fresh, by=sponsor, owner=owner2)
    assert told(K.OWNER_NOMINATED) == {"owner2"}
    (note,) = Reminder.objects.filter(kind=K.OWNER_NOMINATED)
    assert note.reason == (
        f"{sponsor.get_full_name()} nominated you as the business owner of "
        f"{fresh.reference} {fresh.title}."
    )
    assert note.link == reverse("pilots:detail", args=[fresh.reference]) + "#nomination"
    assert note.period == f"E{PilotEvent.objects.latest('at', 'pk').pk}"
    assert queued() == [note.pk]


@pytest.fixture
def owner2(db):
    return factories.UserFactory(username="owner2")


def test_accepting_or_declining_ownership_tells_the_sponsor_not_the_nominee(fresh, sponsor, owner):
    ownership.ownership_accept(pilot=fresh, by=owner)
    assert told(K.OWNERSHIP_ACCEPTED) == {"sponsor"}
    other = factories.PilotFactory(sponsor=sponsor)
    ownership.owner_nominate(pilot=other, by=sponsor, owner=owner)
    ownership.ownership_decline(pilot=other, by=owner, reason="No budget for it.")
    (declined,) = Reminder.objects.filter(kind=K.OWNERSHIP_DECLINED)
    assert declined.recipient == sponsor
    assert declined.reason.endswith("No budget for it.")


def test_naming_an_operations_owner_tells_them(fresh, sponsor, owner2):
    registration.pilot_update(pilot=fresh, by=sponsor, operations_owner=owner2)
    assert told(K.OPERATIONS_NAMED) == {"owner2"}
    registration.pilot_update(pilot=fresh, by=sponsor, title="Renamed")  # not a naming
    assert told(K.OPERATIONS_NAMED) == {"owner2"}


def test_registering_a_pilot_with_an_operations_owner_tells_them(sponsor, ops):
    registration.pilot_create(by=sponsor, title="Invoice triage", operations_owner=ops)
    assert told(K.OPERATIONS_NAMED) == {"ops"}


def test_adding_a_team_member_tells_them_but_not_when_they_add_themselves(fresh, sponsor, owner2):
    registration.member_add(pilot=fresh, by=sponsor, user=owner2, role="Analyst")
    registration.member_add(pilot=fresh, by=sponsor, user=sponsor, role="Sponsor")
    assert told(K.MEMBER_ADDED) == {"owner2"}


def test_submitting_tells_every_active_lead_but_not_a_lead_who_submits(
    fresh, sponsor, lead, second_lead
):
    retired = factories.lead_user("retired")
    retired.is_active = False
    retired.save()
    gates.pilot_submit(pilot=fresh, by=sponsor)
    assert told(K.PILOT_SUBMITTED) == {"lead", "lead2"}
    (note,) = Reminder.objects.filter(kind=K.PILOT_SUBMITTED, recipient=lead)
    assert note.link == reverse("pilots:detail", args=[fresh.reference]) + "#decision"

    other = factories.PilotFactory(sponsor=lead, operations_owner=second_lead)
    factories.complete_registration(other, owner=factories.UserFactory(username="o3"))
    Reminder.objects.all().delete()
    gates.pilot_submit(pilot=other, by=lead)
    assert told(K.PILOT_SUBMITTED) == {"lead2"}


def test_gate_decisions_tell_sponsor_owner_and_operations_never_the_deciding_lead(
    proposed, sponsor, owner, ops, lead, member
):
    ownership.ownership_accept(pilot=proposed, by=owner)
    gates.pilot_approve(pilot=proposed, by=lead, rationale="Credible plan.")
    assert told(K.PILOT_APPROVED) == {"sponsor", "owner", "ops"}
    gates.pilot_start(pilot=proposed, by=sponsor, today=proposed.planned_start)
    assert told(K.PILOT_STARTED) == {"owner", "ops"}  # the sponsor started it
    gates.pilot_stop(pilot=proposed, by=lead, rationale="No value.", lessons_learned="Measure.")
    assert told(K.PILOT_STOPPED) == {"sponsor", "owner", "ops"}
    (stopped,) = Reminder.objects.filter(kind=K.PILOT_STOPPED, recipient=owner)
    assert stopped.reason == (
        f"{lead.get_full_name()} stopped {proposed.reference} {proposed.title}. No value."
    )


def test_rejecting_tells_the_sponsor_and_the_nominee_with_the_reason(proposed, lead):
    forget_notifications()
    gates.pilot_reject(pilot=proposed, by=lead, reason="The baseline is a guess.")
    assert told(K.PILOT_REJECTED) == {"sponsor", "owner", "ops"}
    assert {r.reason.endswith("The baseline is a guess.") for r in Reminder.objects.all()} == {True}


def test_graduating_tells_sponsor_owner_and_operations(running, sponsor, owner, ops, lead, member):
    task = factories.TaskFactory(pilot=running, assignee=member)
    handover.task_complete(task=task, by=member, evidence_url="https://example.com/runbook")
    handover.task_confirm(task=task, by=ops)
    ownership.operations_accept(pilot=running, by=ops)
    forget_notifications()
    gates.pilot_graduate(pilot=running, by=lead, rationale="In production.")
    assert told(K.PILOT_GRADUATED) == {"sponsor", "owner", "ops"}
    assert running.stage == Stage.GRADUATED


def test_task_assignment_tells_the_assignee_unless_they_assign_themselves(running, owner, member):
    forget_notifications()
    task = handover.task_create(
        pilot=running,
        by=owner,
        title="Runbook",
        kind="runbook",
        assignee=member,
        receiver_team="Ops",
        due_on=date(2026, 6, 1),
    )
    assert told(K.TASK_ASSIGNED) == {"member"}
    (note,) = Reminder.objects.filter(kind=K.TASK_ASSIGNED)
    assert note.link == reverse("pilots:detail", args=[running.reference]) + f"#task-{task.pk}"
    handover.task_update(task=task, by=owner, due_on=date(2026, 6, 2))  # not a new assignee
    handover.task_update(task=task, by=owner, assignee=owner)  # assigned to oneself
    assert told(K.TASK_ASSIGNED) == {"member"}


def test_reassigning_a_task_tells_the_new_assignee(running, owner, member, sponsor):
    task = factories.TaskFactory(pilot=running, assignee=member)
    forget_notifications()
    handover.task_update(task=task, by=owner, assignee=sponsor)
    assert told(K.TASK_ASSIGNED) == {"sponsor"}


def test_a_completed_task_tells_its_receiver_and_their_answer_tells_the_giver(
    running, member, ops, owner
):
    task = factories.TaskFactory(pilot=running, assignee=member)
    forget_notifications()
    handover.task_complete(task=task, by=member, evidence_url="https://example.com/runbook")
    assert told(K.TASK_COMPLETED) == {"ops"}  # a team receives it: the operations owner
    handover.task_decline(task=task, by=ops, reason="The runbook has no rollback.")
    assert told(K.TASK_DECLINED) == {"member"}
    # Completed by the business owner for the assignee: both givers hear the answer.
    handover.task_complete(task=task, by=owner, evidence_url="https://example.com/runbook-2")
    handover.task_confirm(task=task, by=ops)
    assert told(K.TASK_CONFIRMED) == {"member", "owner"}
    # Each completion is its own event: told of each, once.
    assert told(K.TASK_COMPLETED) == {"ops"}
    assert Reminder.objects.filter(kind=K.TASK_COMPLETED).count() == 2


def test_a_task_for_a_named_receiver_tells_that_receiver(running, member, owner, sponsor):
    task = factories.TaskFactory(pilot=running, assignee=member, receiver=sponsor)
    forget_notifications()
    handover.task_complete(task=task, by=member, evidence_url="https://example.com/runbook")
    assert told(K.TASK_COMPLETED) == {"sponsor"}


def test_deactivated_accounts_and_muted_kinds_are_not_told(proposed, owner, ops, sponsor, lead):
    ops.is_active = False
    ops.save()
    reminder_mutes_set(user=sponsor, kinds=[K.PILOT_APPROVED])
    forget_notifications()
    ownership.ownership_accept(pilot=proposed, by=owner)
    gates.pilot_approve(pilot=proposed, by=lead, rationale="Credible plan.")
    assert told(K.PILOT_APPROVED) == {"owner"}


def test_changes_that_concern_nobody_else_record_nothing(fresh, sponsor):
    registration.pilot_update(pilot=fresh, by=sponsor, title="A better title")
    assert not Reminder.objects.exists()
    assert queued() == []


def test_the_demo_seed_tells_no_one_of_the_history_it_plays(fresh, sponsor, owner2):
    with notifications.notifications_skipped():
        ownership.owner_nominate(pilot=fresh, by=sponsor, owner=owner2)
    assert not Reminder.objects.exists()
    assert queued() == []
    ownership.owner_nominate(pilot=fresh, by=sponsor, owner=factories.UserFactory())
    assert Reminder.objects.count() == 1  # only inside the block


# --- Exactly once, in the change's transaction ----------------------------------------------


def test_recording_an_events_notifications_twice_records_them_once(fresh, sponsor, owner2):
    ownership.owner_nominate(pilot=fresh, by=sponsor, owner=owner2)
    event = PilotEvent.objects.get(action=PilotEvent.Action.OWNER_NOMINATED)
    again = notifications.event_notify(event=event, kind=K.OWNER_NOMINATED, to=[owner2.pk])
    assert again == []  # a retry: the unique constraint kept the first, nothing new to send
    assert Reminder.objects.filter(kind=K.OWNER_NOMINATED).count() == 1
    assert len(queued()) == 1


def test_a_rolled_back_change_records_no_notification_and_queues_no_email(fresh, sponsor, owner2):
    inside: list[set[str]] = []

    def nominate_then_fail() -> None:
        with transaction.atomic():
            ownership.owner_nominate(pilot=fresh, by=sponsor, owner=owner2)
            inside.append(told(K.OWNER_NOMINATED))
            raise RuntimeError("the request failed after the nomination")

    with pytest.raises(RuntimeError):
        nominate_then_fail()
    assert inside == [{"owner2"}]  # recorded with the change...
    assert not Reminder.objects.exists()  # ...and rolled back with it
    assert queued() == []


def test_the_email_goes_out_once_through_the_delivery_task_after_commit(
    fresh, sponsor, owner2, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://pilotgate.example.com"
    with (
        mock.patch.object(celery_app, "send_task") as send_task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        ownership.owner_nominate(pilot=fresh, by=sponsor, owner=owner2)
        assert send_task.call_count == 0  # nothing leaves before the commit
    (note,) = Reminder.objects.filter(kind=K.OWNER_NOMINATED)
    deliveries = [c for c in send_task.call_args_list if c.args == (DELIVER,)]
    assert deliveries == [mock.call(DELIVER, kwargs={"reminder_id": note.pk})]
    # What the worker does with it, twice (a redelivered task): one email.
    assert delivery.reminder_deliver(reminder_id=note.pk) == ReminderStatus.EMAILED
    assert delivery.reminder_deliver(reminder_id=note.pk) == "skipped"
    (message,) = mail.outbox
    assert message.to == [owner2.email]
    assert (
        message.subject == f"{fresh.reference} {fresh.title}: You are nominated as business owner"
    )
    assert note.reason in message.body
    url = f"https://pilotgate.example.com/pilots/{fresh.reference}/#nomination"
    assert url in message.body
    assert "tells you once of each change" in message.body
    html = message.alternatives[0][0]
    assert f'href="{url}"' in html
    assert "reminds you at most once a week" not in html


def test_a_notification_is_not_cancelled_by_the_reminder_rules(fresh, sponsor, owner2):
    ownership.owner_nominate(pilot=fresh, by=sponsor, owner=owner2)
    ownership.ownership_accept(pilot=fresh, by=owner2)  # nothing left "to do" by then
    (note,) = Reminder.objects.filter(kind=K.OWNER_NOMINATED)
    assert delivery.reminder_deliver(reminder_id=note.pk) == ReminderStatus.EMAILED


def test_a_lost_notification_email_is_redelivered(fresh, sponsor, owner2):
    ownership.owner_nominate(pilot=fresh, by=sponsor, owner=owner2)
    (note,) = Reminder.objects.filter(kind=K.OWNER_NOMINATED)
    later = note.created_at + delivery.REDELIVER_AFTER + timedelta(minutes=1)
    assert delivery.reminders_redeliver(now=later) == [note.pk]


# --- Risk worsened, from the scorecards' recompute ------------------------------------------


def test_a_worse_risk_tells_sponsor_owner_and_operations_once_with_the_reason(running):
    forget_notifications()
    scorecards_recompute(pilot_ids=[running.pk], today=running.planned_start)
    before = Scorecard.objects.get(pilot=running).risk
    assert not Reminder.objects.exists()  # a first scorecard worsens nothing
    late = running.planned_end + timedelta(days=10)  # no reading, no decision: worse
    scorecards_recompute(pilot_ids=[running.pk], today=late)
    card = Scorecard.objects.get(pilot=running)
    assert card.risk > before
    assert told(K.RISK_WORSENED) == {"sponsor", "owner", "ops"}
    (note,) = Reminder.objects.filter(kind=K.RISK_WORSENED, recipient__username="owner")
    assert note.reason.startswith(f"The risk of {running.reference} {running.title} rose from ")
    assert card.reasons[0]["sentence"] in note.reason
    assert note.link == reverse("scorecards:pilot", args=[running.reference])
    assert note.period == f"R{late.isoformat()}-{card.risk}"
    # Recomputed again the same day (the nightly run after a change's refresh): nothing new.
    Scorecard.objects.filter(pilot=running).update(risk=before)
    scorecards_recompute(pilot_ids=[running.pk], today=late)
    assert Reminder.objects.filter(kind=K.RISK_WORSENED).count() == 3


def test_a_better_risk_or_a_rebuild_of_the_past_tells_no_one(running):
    forget_notifications()
    late = running.planned_end + timedelta(days=10)
    scorecards_recompute(pilot_ids=[running.pk], today=late)
    scorecards_recompute(pilot_ids=[running.pk], today=running.planned_start)  # the past
    scorecards_recompute(pilot_ids=[running.pk], today=late, notify=False)
    scorecards_recompute(pilot_ids=[running.pk], today=late)  # the same risk
    assert not Reminder.objects.exists()


# --- The inbox shows them ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 5])
def test_the_inbox_shows_notifications_in_bounded_queries(
    client, sponsor, n, django_assert_num_queries
):
    nominee = factories.UserFactory(username="nominee")
    for i in range(n):
        pilot: Pilot = factories.PilotFactory(sponsor=sponsor, title=f"Pilot {i}")
        ownership.owner_nominate(pilot=pilot, by=sponsor, owner=nominee)
    client.force_login(nominee)
    # session, user, groups (navigation), unread count, page count, the page's rows
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(7):
        response = client.get(reverse("pilots:inbox"))
    html = response.content.decode()
    assert html.count("nominated you as the business owner of") == n
    assert f"nominated you as the business owner of {pilot.reference} Pilot {n - 1}." in html
