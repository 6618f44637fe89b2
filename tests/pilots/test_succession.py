"""Orphaned pilots (the rule, the reminder) and succession (the service and its pages)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from pilots import rules
from pilots.enums import OwnershipStatus, ReminderKind, Stage, SuccessionRole, TaskStatus
from pilots.errors import NotAllowed
from pilots.models import Pilot, PilotEvent, Reminder, Succession
from pilots.reminders.rules import reminders_due
from pilots.reminders.sweep import reminders_sweep
from pilots.selectors.keepers import watched_pilots
from pilots.selectors.pilots import rule_settings
from pilots.services import handover, ownership
from pilots.services.succession import succession_accept, succession_decline, succession_nominate
from tests import factories

START = date(2026, 3, 2)


def orphanings(pilot: Pilot, today: date) -> list[str]:
    watched = watched_pilots(pilot_ids=[pilot.pk])[pilot.pk]
    return [o.sentence for o in watched.orphanings(today=today, rules_=rule_settings())]


def deactivate(user) -> None:
    user.is_active = False
    user.save()


# --- The rule ------------------------------------------------------------------------------


def test_a_deactivated_keeper_orphans_a_running_pilot(running, ops):
    assert orphanings(running, START) == []
    deactivate(ops)
    assert orphanings(running, START) == [
        f"Operations owner {ops.get_full_name()}'s account is deactivated"
    ]


def test_an_idle_business_owner_orphans_it_and_a_touch_clears_it(running, owner, settings):
    settings.PILOTGATE_ORPHANED_AFTER_DAYS = 60
    accepted = PilotEvent.objects.filter(
        pilot=running, action=PilotEvent.Action.OWNER_ACCEPTED
    ).get()
    touched = accepted.at.date()
    assert orphanings(running, touched + timedelta(days=59)) == []
    later = touched + timedelta(days=74)
    assert orphanings(running, later) == [
        f"Business owner {owner.get_full_name()} has not touched it for 74 days"
    ]
    # A reading of theirs is a touch: the pilot is kept again.
    PilotEvent.objects.create(
        pilot=running,
        actor=owner,
        action=PilotEvent.Action.READING_RECORDED,
        at=datetime.combine(later, datetime.min.time(), tzinfo=UTC),
    )
    assert orphanings(running, later) == []


def test_closed_and_unstarted_pilots_are_not_watched(approved, owner, sponsor):
    deactivate(owner)
    assert watched_pilots(pilot_ids=[approved.pk]) == {}
    Pilot.objects.filter(pk=approved.pk).update(stage=Stage.STOPPED)
    assert watched_pilots(pilot_ids=[approved.pk]) == {}


def test_the_giver_of_an_open_task_is_watched(running, member):
    factories.TaskFactory(pilot=running, assignee=member)
    deactivate(member)
    assert orphanings(running, START) == [
        f"Task giver {member.get_full_name()}'s account is deactivated"
    ]


# --- The reminder --------------------------------------------------------------------------


def test_orphaned_alerts_the_sponsor_and_leads_once_per_episode(running, owner, sponsor, lead):
    deactivate(owner)
    day = timezone.localdate() + timedelta(days=1)  # after the owner's last touch
    found = [d for d in reminders_due(day) if d.kind == ReminderKind.ORPHANED]
    assert {d.recipient_id for d in found} == {sponsor.pk, lead.pk}
    assert f"Business owner {owner.get_full_name()}'s account is deactivated" in found[0].reason
    reminders_sweep(day=day, deliver="inline")
    assert Reminder.objects.filter(kind=ReminderKind.ORPHANED).count() == 2
    # Next week, and the week after: the same episode, nobody is told again.
    for later in (day + timedelta(days=7), day + timedelta(days=21)):
        assert [d for d in reminders_due(later) if d.kind == ReminderKind.ORPHANED] == []


def test_a_gone_sponsor_alerts_the_leads_only(running, sponsor, lead):
    deactivate(sponsor)
    found = [d for d in reminders_due(START) if d.kind == ReminderKind.ORPHANED]
    assert [d.recipient_id for d in found] == [lead.pk]


# --- The succession service ----------------------------------------------------------------


def test_the_sponsor_names_a_successor_who_must_accept(running, sponsor, owner):
    successor = factories.UserFactory(username="sam", first_name="Sam", last_name="Lee")
    deactivate(owner)
    succession = succession_nominate(
        pilot=running, by=sponsor, role=SuccessionRole.OWNER, successor=successor, reason="Left."
    )
    running.refresh_from_db()
    assert running.owner_id == owner.pk  # nothing changed hands yet
    nominated = PilotEvent.objects.filter(action=PilotEvent.Action.SUCCESSION_NOMINATED).get()
    assert (nominated.changes, nominated.reason) == ({"owner": ["owner", "sam"]}, "Left.")
    told = set(Reminder.objects.filter(period=f"E{nominated.pk}").values_list("kind", "recipient"))
    # The successor at once; the predecessor is deactivated; the actor is never told.
    assert told == {(ReminderKind.SUCCESSION_NOMINATED, successor.pk)}

    succession_accept(succession=succession, by=successor)
    running.refresh_from_db()
    assert (running.owner_id, running.owner_status) == (successor.pk, OwnershipStatus.ACCEPTED)
    accepted = PilotEvent.objects.filter(action=PilotEvent.Action.SUCCESSION_ACCEPTED).get()
    assert accepted.changes["owner"] == ["owner", "sam"]
    assert accepted.reason == "Left."
    assert set(
        Reminder.objects.filter(period=f"E{accepted.pk}").values_list("kind", "recipient")
    ) == {(ReminderKind.SUCCESSION_ACCEPTED, sponsor.pk)}
    assert orphanings(running, START) == []


def test_who_may_name_a_successor(running, sponsor, owner, lead, outsider):
    successor = factories.UserFactory(username="sam")
    with pytest.raises(NotAllowed):
        succession_nominate(
            pilot=running, by=owner, role=SuccessionRole.OWNER, successor=successor, reason="x"
        )
    # The sponsor's own role: a lead only.
    with pytest.raises(NotAllowed):
        succession_nominate(
            pilot=running, by=sponsor, role=SuccessionRole.SPONSOR, successor=successor, reason="x"
        )
    succession = succession_nominate(
        pilot=running, by=lead, role=SuccessionRole.SPONSOR, successor=successor, reason="Moved."
    )
    with pytest.raises(NotAllowed):
        succession_accept(succession=succession, by=outsider)
    succession_accept(succession=succession, by=successor)
    running.refresh_from_db()
    assert running.sponsor_id == successor.pk


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"successor": "owner"}, "successor"),
        ({"successor": "inactive"}, "successor"),
    ],
)
def test_bad_input_changes_nothing(running, sponsor, owner, changes, field):
    inactive = factories.UserFactory(username="inactive", is_active=False)
    people = {"owner": owner, "inactive": inactive}
    kwargs = {"successor": factories.UserFactory(username="sam"), "reason": "Left."}
    kwargs |= {k: people.get(v, v) for k, v in changes.items()}
    with pytest.raises(ValidationError) as refused:
        succession_nominate(pilot=running, by=sponsor, role=SuccessionRole.OWNER, **kwargs)
    assert field in refused.value.message_dict
    assert Succession.objects.count() == 0
    assert not PilotEvent.objects.filter(action=PilotEvent.Action.SUCCESSION_NOMINATED).exists()


def test_the_successor_may_decline_with_a_reason(running, sponsor, ops):
    successor = factories.UserFactory(username="sam")
    succession = succession_nominate(
        pilot=running, by=sponsor, role=SuccessionRole.OPERATIONS, successor=successor, reason="r"
    )
    with pytest.raises(ValidationError):
        succession_decline(succession=succession, by=successor, reason="")
    succession_decline(succession=succession, by=successor, reason="Not my team.")
    running.refresh_from_db()
    assert running.operations_owner_id == ops.pk
    with pytest.raises(ValidationError):
        succession_accept(succession=succession, by=successor)


def test_a_task_givers_open_tasks_move_to_the_successor(running, sponsor, member):
    open_task = factories.TaskFactory(pilot=running, assignee=member)
    successor = factories.UserFactory(username="sam")
    succession = succession_nominate(
        pilot=running,
        by=sponsor,
        role=SuccessionRole.TASK_GIVER,
        predecessor=member,
        successor=successor,
        reason="Moved team.",
    )
    succession_accept(succession=succession, by=successor)
    open_task.refresh_from_db()
    assert (open_task.assignee_id, open_task.status) == (successor.pk, TaskStatus.TODO)


def test_succession_works_in_operation(running, sponsor, owner, ops, lead):
    task = factories.TaskFactory(pilot=running, assignee=owner)
    handover.task_complete(task=task, by=owner, evidence_url="https://wiki.example.com/r")
    handover.task_confirm(task=task, by=ops)
    ownership.operations_accept(pilot=running, by=ops)
    from pilots.services import gates

    gates.pilot_graduate(pilot=running, by=lead, rationale="Live.")
    successor = factories.UserFactory(username="sam")
    succession = succession_nominate(
        pilot=running, by=sponsor, role=SuccessionRole.OPERATIONS, successor=successor, reason="r"
    )
    succession_accept(succession=succession, by=successor)
    running.refresh_from_db()
    assert running.stage == Stage.GRADUATED
    assert (running.operations_owner_id, running.operations_accepted_by_id) == (
        successor.pk,
        successor.pk,
    )


def test_a_stopped_pilot_has_no_role_to_hand_on(running, sponsor):
    Pilot.objects.filter(pk=running.pk).update(stage=Stage.STOPPED)
    with pytest.raises(ValidationError):
        succession_nominate(
            pilot=running,
            by=sponsor,
            role=SuccessionRole.OWNER,
            successor=factories.UserFactory(username="sam"),
            reason="r",
        )


# --- The pages -----------------------------------------------------------------------------


def test_the_pages_name_a_successor_and_the_successor_accepts(client, running, sponsor, owner):
    successor = factories.UserFactory(username="sam", first_name="Sam", last_name="Lee")
    url = reverse("pilots:succession", args=[running.reference])
    client.force_login(sponsor)
    page = client.get(url)
    assert page.status_code == 200
    bad = client.post(url, {"role": "owner", "successor": "sam", "reason": ""})
    assert bad.status_code == 200
    assert "Say why the role changes hands." in bad.content.decode()
    assert Succession.objects.count() == 0
    done = client.post(url, {"role": "owner", "successor": "sam", "reason": "Left."})
    assert done.status_code == 302
    client.force_login(successor)
    assert "Business owner of" in client.get(reverse("pilots:successions")).content.decode()
    succession = Succession.objects.get()
    answer = client.post(reverse("pilots:succession_accept", args=[succession.pk]))
    assert answer.status_code == 302
    running.refresh_from_db()
    assert running.owner_id == successor.pk


def test_only_the_sponsor_or_a_lead_open_the_succession_page(client, running, owner, outsider):
    url = reverse("pilots:succession", args=[running.reference])
    client.force_login(owner)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_rules_table_mentions_orphaned():
    assert "orphaned" in rules.__doc__


@pytest.mark.django_db
def test_the_demo_has_an_orphaned_pilot_and_a_succession():
    from django.core.management import call_command

    from scorecards.models import Scorecard
    from scorecards.services import scorecards_recompute

    call_command("seed_demo", verbosity=0)
    scorecards_recompute()
    orphaned = Pilot.objects.get(title="Supplier cost-centre routing")
    card = Scorecard.objects.get(pilot=orphaned)
    (reason,) = [r for r in card.reasons if r["code"] == "ORPHANED"]
    assert "Business owner Sam Patel's account is deactivated" in reason["sentence"]
    found = [d for d in reminders_due(timezone.localdate()) if d.kind == ReminderKind.ORPHANED]
    assert {d.pilot_id for d in found} == {orphaned.pk}
    handed = Pilot.objects.get(title="Picker route planner")
    assert (handed.stage, handed.operations_owner.username) == (Stage.GRADUATED, "ops2")
    event = handed.events.get(action=PilotEvent.Action.SUCCESSION_ACCEPTED)
    assert event.changes["operations_owner"] == ["ops", "ops2"]
    assert "data platform team" in event.reason
