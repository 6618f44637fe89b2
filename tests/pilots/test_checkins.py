"""Owner check-ins: the database's invariants, the service's rules, the pilot page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.html import escape

from pilots.errors import NotAllowed
from pilots.models import CheckIn, Pilot, PilotEvent
from pilots.models.history import HistoryIsAppendOnly
from pilots.permissions import CHECKIN_RULE
from pilots.services import checkins, gates, metrics, ownership
from tests import factories
from tests.pilots.metric_helpers import primary

pytestmark = pytest.mark.django_db

# Day 55 of the fixture pilot (start 5 Jan 2026, primary 10 -> 40 by 5 Jul): the line is
# at about 19.1.
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def today(time_machine):
    time_machine.move_to(NOW, tick=False)


def reading(pilot: Pilot, owner, value: str, on: date = date(2026, 2, 28)) -> None:
    metrics.reading_record(metric=primary(pilot), by=owner, observed_on=on, value=Decimal(value))


def check_in(pilot: Pilot, owner, confidence: str = "on_track", **more) -> CheckIn:
    return checkins.checkin_record(
        pilot=pilot, by=owner, confidence=confidence, narrative="Volumes are up.", **more
    )


def violates(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


# --- The database --------------------------------------------------------------------------


def test_the_database_refuses_an_unknown_confidence_and_an_empty_narrative(running, owner):
    violates(lambda: factories.CheckInFactory(pilot=running, confidence="great"))
    violates(lambda: factories.CheckInFactory(pilot=running, narrative=""))
    assert CheckIn.objects.count() == 0


def test_a_checkin_is_history_written_once(running, owner):
    checkin = factories.CheckInFactory(pilot=running, author=owner)
    checkin.narrative = "Rewritten"
    with pytest.raises(HistoryIsAppendOnly):
        checkin.save()
    with pytest.raises(HistoryIsAppendOnly):
        checkin.delete()
    with pytest.raises(HistoryIsAppendOnly):
        CheckIn.objects.filter(pk=checkin.pk).update(narrative="Rewritten")


# --- The service ---------------------------------------------------------------------------


@pytest.mark.usefixtures("today")
def test_the_owner_checks_in_and_the_history_says_so(running, owner):
    checkin = check_in(running, owner, "at_risk", blockers="  The feed is late.  ")

    assert (checkin.author, checkin.confidence, checkin.blockers) == (
        owner,
        "at_risk",
        "The feed is late.",
    )
    event = running.events.get(action=PilotEvent.Action.CHECKIN_RECORDED)
    assert (event.actor, event.subject) == (owner, "At risk on 1 Mar 2026")
    assert event.changes == {
        "confidence": [None, "at_risk"],
        "narrative": [None, "Volumes are up."],
        "blockers": [None, "The feed is late."],
    }


@pytest.mark.usefixtures("today")
@pytest.mark.parametrize("who", ["sponsor", "member", "ops", "lead"])
def test_only_the_accepted_owner_checks_in(request, running, who):
    with pytest.raises(NotAllowed, match=CHECKIN_RULE):
        check_in(running, request.getfixturevalue(who))
    assert CheckIn.objects.count() == 0
    assert not running.events.filter(action=PilotEvent.Action.CHECKIN_RECORDED).exists()


@pytest.mark.usefixtures("today")
def test_a_nominee_who_has_not_accepted_cannot_check_in(proposed, owner):
    with pytest.raises(NotAllowed, match=CHECKIN_RULE):
        check_in(proposed, owner)


@pytest.mark.usefixtures("today")
def test_no_checkin_before_the_pilot_runs(approved, owner):
    with pytest.raises(ValidationError) as refused:
        check_in(approved, owner)
    assert refused.value.code == "stage_locked"
    assert refused.value.messages == [
        "Cannot record a check-in while the pilot is approved: check-ins are recorded while "
        "the pilot runs, and for 12 months after it graduates."
    ]
    assert CheckIn.objects.count() == 0


def graduate(pilot: Pilot, owner, ops, lead) -> None:
    task = factories.TaskFactory(pilot=pilot, assignee=owner)
    from pilots.services import handover

    handover.task_complete(task=task, by=owner, evidence_url="https://wiki.example.com/r")
    handover.task_confirm(task=task, by=ops)  # the receiving side signs off
    ownership.operations_accept(pilot=pilot, by=ops)
    gates.pilot_graduate(pilot=pilot, by=lead, rationale="Live.")


def test_checkins_continue_for_a_year_after_graduation_then_stop(
    running, owner, ops, lead, time_machine
):
    time_machine.move_to(NOW, tick=False)
    graduate(running, owner, ops, lead)
    time_machine.move_to(NOW + timedelta(days=365), tick=False)
    assert check_in(running, owner).pilot == running
    time_machine.move_to(NOW + timedelta(days=367), tick=False)
    with pytest.raises(ValidationError, match="while the pilot is graduated"):
        check_in(running, owner)


@pytest.mark.usefixtures("today")
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"confidence": "great", "narrative": "Fine."}, "confidence"),
        ({"confidence": "on_track", "narrative": "   "}, "narrative"),
        ({"confidence": "on_track", "narrative": "x" * 501}, "narrative"),
        ({"confidence": "on_track", "narrative": "Fine.", "blockers": "x" * 501}, "blockers"),
    ],
)
def test_bad_input_names_its_field_and_writes_nothing(running, owner, fields, field):
    with pytest.raises(ValidationError) as refused:
        checkins.checkin_record(pilot=running, by=owner, **fields)
    assert set(refused.value.message_dict) == {field}
    assert CheckIn.objects.count() == 0
    assert not running.events.filter(action=PilotEvent.Action.CHECKIN_RECORDED).exists()


# --- The pilot page ------------------------------------------------------------------------


def detail(client, pilot: Pilot) -> str:
    return client.get(reverse("pilots:detail", args=[pilot.reference])).content.decode()


def section(page: str) -> str:
    return page.split('id="checkins"', 1)[1].split("</section>", 1)[0]


@pytest.mark.usefixtures("today")
def test_the_section_says_when_the_first_checkin_is_due_and_offers_the_owner_the_form(
    client, running, owner, member
):
    client.force_login(owner)
    shown = section(detail(client, running))
    assert "No check-in yet." in shown
    # Weekly, from the start (5 Jan): due 12 Jan, long past.
    assert "Next check-in due <strong>12 Jan 2026</strong>" in shown
    assert '<span class="badge warn">overdue</span>' in shown
    assert reverse("pilots:checkin_new", args=[running.reference]) in shown
    assert 'name="confidence" value="off_track"' in shown

    client.force_login(member)
    shown = section(detail(client, running))
    assert "Next check-in due" in shown
    assert 'name="confidence"' not in shown  # only the owner checks in


@pytest.mark.usefixtures("today")
def test_the_owner_records_a_checkin_from_the_page(client, running, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:checkin_new", args=[running.reference]),
        {"confidence": "at_risk", "narrative": "Volumes dipped.", "blockers": "Feed late."},
        follow=True,
    )
    assert response.redirect_chain == [
        (reverse("pilots:detail", args=[running.reference]) + "#checkins", 302)
    ]
    page = response.content.decode()
    assert "Check-in recorded: at risk." in page
    shown = section(page)
    assert '<span class="badge warn">At risk</span>' in shown
    assert "Volumes dipped." in shown
    assert "<strong>Blockers:</strong> Feed late." in shown
    assert "Next check-in due <strong>8 Mar 2026</strong>" in shown  # a week on
    history = client.get(reverse("pilots:history", args=[running.reference])).content.decode()
    assert "Owner checked in</strong>: At risk on 1 Mar 2026" in history


@pytest.mark.usefixtures("today")
def test_bad_input_re_renders_the_page_with_messages_and_writes_nothing(client, running, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:checkin_new", args=[running.reference]),
        {"narrative": "  ", "blockers": "Kept as typed"},
    )
    assert response.status_code == 200
    shown = section(response.content.decode())
    assert "Choose on track, at risk or off track." in shown
    assert "Write a few words on where the pilot stands." in shown
    assert "Kept as typed" in shown
    assert CheckIn.objects.count() == 0


@pytest.mark.usefixtures("today")
def test_others_are_refused_with_the_rule(client, running, sponsor):
    client.force_login(sponsor)
    response = client.post(
        reverse("pilots:checkin_new", args=[running.reference]),
        {"confidence": "on_track", "narrative": "All good."},
    )
    assert response.status_code == 403
    assert escape(CHECKIN_RULE) in response.content.decode()
    assert CheckIn.objects.count() == 0


@pytest.mark.usefixtures("today")
def test_a_page_shows_no_form_before_the_pilot_runs(client, approved, owner):
    client.force_login(owner)
    shown = section(detail(client, approved))
    assert 'name="confidence"' not in shown
    assert "The business owner checks in while the pilot runs" in shown


@pytest.mark.usefixtures("today")
def test_the_page_shows_the_divergence_beside_the_checkins(client, running, owner):
    reading(running, owner, "12")  # behind the line (about 19 on 28 Feb)
    check_in(running, owner, "on_track")
    client.force_login(owner)
    shown = section(detail(client, running))
    assert "The owner's confidence diverges from the metric." in shown
    assert (
        f"The owner says on track on 1 Mar 2026; “{primary(running).name}” is behind its "
        "trajectory." in shown
    )


@pytest.mark.usefixtures("today")
def test_a_consistent_checkin_shows_no_divergence(client, running, owner):
    reading(running, owner, "12")
    check_in(running, owner, "off_track")
    client.force_login(owner)
    assert "diverges" not in section(detail(client, running))


@pytest.mark.usefixtures("today")
def test_the_section_shows_the_five_latest_and_points_to_the_history_for_the_rest(
    client, running, owner
):
    for day in range(1, 7):
        factories.CheckInFactory(
            pilot=running,
            author=owner,
            narrative=f"Week {day}.",
            created_at=datetime(2026, 2, day, 9, tzinfo=UTC),
        )
    client.force_login(owner)
    shown = section(detail(client, running))
    assert [f"Week {day}." in shown for day in range(1, 7)] == [False] + [True] * 5
    assert "Older check-ins are in the pilot" in shown
