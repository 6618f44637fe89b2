"""The calendar feed: /calendar/<secret>.ics, one user's dates, no session needed.

The feed is read as a calendar app reads it: a fresh client with no session,
its body parsed by the icalendar library.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from pilots.accounts.calendar import calendar_feed_of, calendar_feed_reset, secret_digest
from pilots.enums import CheckpointChoice, OwnershipStatus, Stage, TaskStatus
from pilots.models import CalendarFeed, CheckpointDecision, GateDecision, Pilot
from tests import factories

SITE = "https://pilotgate.example.com"
START, END = date(2026, 1, 5), date(2026, 7, 5)  # the window opens on 6 May 2026
OPENS = date(2026, 5, 6)
NEXT_DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _today(time_machine, settings):
    settings.SITE_URL = SITE
    settings.PILOTGATE_CHECKPOINT_GRACE_DAYS = 7
    settings.PILOTGATE_DECISION_GRACE_DAYS = 0
    settings.PILOTGATE_OWNERSHIP_PENDING_DAYS = 3
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


def pilot(stage: str = Stage.RUNNING, **fields) -> Pilot:
    """A pilot put straight into ``stage`` (5 Jan to 5 Jul 2026)."""
    defaults = {"stage": stage, "receiving_team": "Operations"}
    if stage in (Stage.RUNNING, Stage.GRADUATED, Stage.STOPPED):
        defaults["started_on"] = START
    if stage == Stage.GRADUATED:
        defaults["operations_accepted_at"] = datetime(2026, 7, 1, tzinfo=UTC)
    owner = fields.get("owner")
    if owner is not None and "owner_status" not in fields:
        defaults["owner_status"] = OwnershipStatus.ACCEPTED
        defaults["owner_responded_at"] = datetime(2026, 1, 2, tzinfo=UTC)
    return factories.PilotFactory(**{**defaults, **fields})


def feed_url(user) -> str:
    return reverse("pilots:calendar_feed", args=[calendar_feed_of(user).secret])


def fetch(url: str):
    """As a calendar app: no session, no cookies."""
    return Client().get(url)


def events(response) -> dict[str, tuple[date, date, str]]:
    """The feed's events by UID: (first day, last day, summary)."""
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    found = {}
    for event in calendar.walk("VEVENT"):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is date, "all-day events"
        assert type(end) is date
        found[str(event["UID"])] = (start, end - NEXT_DAY, str(event["SUMMARY"]))
    return found


def uid(key: str, user) -> str:
    return f"{key}-user-{user.pk}@pilotgate.example.com"


def expect(user, on: Pilot, key: str, first: date, what: str, last: date | None = None):
    """An expected event as ``events`` gives it: a pilot's (``key``) or a task's (``task-…``)."""
    full_key = key if key.startswith("task-") else f"pilot-{on.pk}-{key}"
    return uid(full_key, user), (first, last or first, f"{what} · {on.reference} {on.title}")


# --- What a user with several roles sees, and nothing of anyone else's -----------------


@pytest.fixture
def cast(db):
    ana = factories.UserFactory(username="ana")
    other = factories.sponsor_user("other")
    boss = factories.UserFactory(username="boss")
    ops = factories.UserFactory(username="ops")
    return ana, other, boss, ops


def test_the_feed_has_exactly_the_users_own_dates(cast):
    ana, other, boss, ops = cast
    # Ana sponsors a running pilot; she gives one of its tasks (another is done).
    sponsored = pilot(sponsor=ana, owner=boss, operations_owner=ops, title="Claims triage")
    give = factories.TaskFactory(pilot=sponsored, assignee=ana, due_on=date(2026, 5, 20))
    factories.TaskFactory(
        pilot=sponsored,
        assignee=ana,
        status=TaskStatus.DONE,
        completed_at=datetime(2026, 2, 1, tzinfo=UTC),
        confirmed_at=datetime(2026, 2, 2, tzinfo=UTC),
        evidence_url="https://wiki.example.com/done",
    )
    # She is on another's team; a task there waits for her to confirm its receipt.
    on_team = pilot(sponsor=other, owner=boss, title="Invoice matching")
    factories.add_member(on_team, ana)
    confirm = factories.TaskFactory(
        pilot=on_team,
        assignee=boss,
        receiver=ana,
        status=TaskStatus.WAITING,
        completed_at=datetime(2026, 2, 20, tzinfo=UTC),
        completed_by=boss,
        evidence_url="https://wiki.example.com/runbook",
        due_on=date(2026, 6, 1),
    )
    # She will operate an approved pilot; its team's task comes to her as operations owner.
    operated = pilot(
        Stage.APPROVED,
        sponsor=other,
        owner=boss,
        operations_owner=ana,
        title="Fraud flags",
        planned_start=date(2026, 4, 1),
        planned_end=date(2026, 10, 1),
    )
    receive = factories.TaskFactory(pilot=operated, assignee=boss, due_on=date(2026, 9, 15))
    # She has been nominated business owner of a draft, and not answered yet.
    nominated = pilot(
        Stage.DRAFT,
        sponsor=other,
        owner=ana,
        owner_status=OwnershipStatus.PENDING,
        owner_nominated_at=datetime(2026, 2, 26, 9, tzinfo=UTC),
        title="Churn scoring",
    )
    # Hers but closed: nothing left to date.
    pilot(Stage.STOPPED, sponsor=ana, title="Old idea")
    # Not hers: none of it.
    foreign = pilot(sponsor=other, owner=boss, operations_owner=ops, title="Routing")
    factories.TaskFactory(pilot=foreign, assignee=boss, receiver=ops, due_on=date(2026, 5, 1))
    factories.TaskFactory(pilot=foreign, assignee=ops, due_on=date(2026, 5, 2))

    found = events(fetch(feed_url(ana)))

    window, finish = "Handover window: hand over to operations", "Planned end: graduate or stop"
    assert found == dict(
        [
            expect(ana, sponsored, "handover-window", OPENS, window, END),
            expect(ana, sponsored, "end", END, finish),
            expect(
                ana,
                sponsored,
                f"task-{give.pk}-give",
                date(2026, 5, 20),
                f"Hand over “{give.title}”",
            ),
            expect(ana, on_team, "handover-window", OPENS, window, END),
            expect(ana, on_team, "end", END, finish),
            expect(
                ana,
                on_team,
                f"task-{confirm.pk}-receive",
                date(2026, 6, 1),
                f"Confirm receipt of “{confirm.title}”",
            ),
            # 1 Apr to 1 Oct: 183 days, the window opens 122 days in.
            expect(ana, operated, "handover-window", date(2026, 8, 1), window, date(2026, 10, 1)),
            expect(ana, operated, "end", date(2026, 10, 1), finish),
            expect(
                ana,
                operated,
                f"task-{receive.pk}-receive",
                date(2026, 9, 15),
                f"Receive “{receive.title}”",
            ),
            # Nominated on 26 Feb: chased 3 days later.
            expect(
                ana,
                nominated,
                "nomination",
                date(2026, 3, 1),
                "Answer your nomination as business owner",
            ),
        ]
    )


def test_the_sponsor_and_owner_of_an_approved_pilot_see_its_planned_start(cast):
    ana, _other, boss, ops = cast
    approved = pilot(Stage.APPROVED, sponsor=ana, owner=boss, operations_owner=ops)
    for user in (ana, boss):
        assert events(fetch(feed_url(user)))[uid(f"pilot-{approved.pk}-start", user)] == (
            START,
            START,
            f"Planned start: start the pilot · {approved.reference} {approved.title}",
        )
    assert uid(f"pilot-{approved.pk}-start", ops) not in events(fetch(feed_url(ops)))


def test_a_submitted_pilots_gate_decision_is_dated_by_the_gates_time_limit(cast, lead, settings):
    settings.PILOTGATE_REVIEW_DAYS = 5
    _ana, other, boss, _ops = cast
    proposed = pilot(Stage.PROPOSED, sponsor=other, owner=boss, title="Submitted one")
    GateDecision.objects.create(
        pilot=proposed,
        decided_by=other,
        decided_at=datetime(2026, 2, 27, 12, tzinfo=UTC),
        from_stage=Stage.DRAFT,
        to_stage=Stage.PROPOSED,
        rationale="Submitted for review.",
    )
    found = events(fetch(feed_url(lead)))
    # Waiting more than 5 days from 27 Feb is overdue: the last day within is 4 Mar.
    assert found[uid(f"pilot-{proposed.pk}-gate", lead)][:2] == (date(2026, 3, 4),) * 2


def test_a_lead_sees_the_portfolios_decisions_but_not_on_pilots_they_sponsor(cast, lead):
    _ana, other, boss, _ops = cast
    proposed = pilot(Stage.PROPOSED, sponsor=other, owner=boss, title="Proposed one")
    running = pilot(sponsor=other, owner=boss, title="Running one")
    approved = pilot(Stage.APPROVED, sponsor=other, owner=boss, title="Approved one")
    # Decided for its window already: no checkpoint, the final decision still.
    decided = pilot(sponsor=other, owner=boss, title="Decided one")
    CheckpointDecision.objects.create(
        pilot=decided,
        decision=CheckpointChoice.CONTINUE,
        rationale="On track.",
        window_opened_on=OPENS,
        previous_end=END,
        decided_by=lead,
        decided_at=datetime(2026, 2, 27, tzinfo=UTC),
    )
    # The lead's own pilot: its dates as its sponsor, none of its decisions.
    own = pilot(sponsor=lead, owner=boss, title="Lead's own")
    pilot(Stage.DRAFT, sponsor=other, title="A draft")
    pilot(Stage.GRADUATED, sponsor=other, owner=boss, title="Graduated")

    found = events(fetch(feed_url(lead)))

    final = "Final decision: graduate or stop"
    assert found == dict(
        [
            expect(lead, proposed, "gate", START, "Gate decision: approve or reject"),
            # Due when the window opens (6 May), overdue 7 days later: decide by 12 May.
            expect(
                lead,
                running,
                "checkpoint",
                date(2026, 5, 12),
                "Checkpoint: continue, extend or stop",
            ),
            expect(lead, running, "final-decision", END, final),
            expect(lead, approved, "final-decision", END, final),
            expect(lead, decided, "final-decision", END, final),
            expect(
                lead, own, "handover-window", OPENS, "Handover window: hand over to operations", END
            ),
            expect(lead, own, "end", END, "Planned end: graduate or stop"),
        ]
    )


def test_an_event_links_to_the_pilot_on_the_configured_site(cast):
    ana, *_ = cast
    running = pilot(sponsor=ana)
    calendar = Calendar.from_ical(fetch(feed_url(ana)).content)
    event = next(
        e
        for e in calendar.walk("VEVENT")
        if str(e["UID"]) == uid(f"pilot-{running.pk}-handover-window", ana)
    )
    link = f"{SITE}/pilots/{running.reference}/#handover"
    assert str(event["URL"]) == link
    assert link in str(event["DESCRIPTION"])
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert str(calendar["X-WR-CALNAME"]) == f"Pilotgate: {ana.get_full_name()}"
    # How often calendar apps should fetch it again, in both spellings.
    assert calendar.decoded("REFRESH-INTERVAL") == timedelta(hours=1)
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT1H"


def test_uids_stay_the_same_when_the_plan_moves(cast):
    """A calendar app updates an event by its UID: a moved end moves the event."""
    ana, *_ = cast
    running = pilot(sponsor=ana)
    url = feed_url(ana)
    key = uid(f"pilot-{running.pk}-end", ana)
    assert events(fetch(url))[key][0] == END
    Pilot.objects.filter(pk=running.pk).update(planned_end=date(2026, 8, 1))
    assert events(fetch(url))[key][0] == date(2026, 8, 1)


def test_the_feed_response_is_a_private_calendar(cast):
    ana, *_ = cast
    pilot(sponsor=ana)
    response = fetch(feed_url(ana))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-store"}
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "Set-Cookie" not in response


@pytest.mark.parametrize("n", [1, 5])
def test_the_feed_costs_the_same_queries_however_many_pilots(
    n, cast, lead, django_assert_num_queries
):
    """The feed's owner, their groups, the pilots, the user's memberships, the tasks."""
    ana, other, boss, ops = cast
    for _ in range(n):
        mine = pilot(sponsor=ana, owner=boss, operations_owner=ops)
        factories.add_member(mine, ops)
        factories.TaskFactory(pilot=mine, assignee=ana)
        factories.TaskFactory(pilot=mine, assignee=boss, receiver=ana)
        pilot(Stage.PROPOSED, sponsor=other, owner=boss)
        theirs = pilot(sponsor=other, owner=boss)
        factories.TaskFactory(pilot=theirs, assignee=boss)  # no operations owner: a lead receives
    # Ana: a window, an end, a task to give, one to receive. The lead: a gate, two
    # checkpoints, two final decisions, a task to receive.
    for user, per_pilot in ((ana, 4), (lead, 6)):
        url = feed_url(user)
        with django_assert_num_queries(5):
            found = events(fetch(url))
        assert len(found) == per_pilot * n


# --- The secret: unknown, reset, deactivated ------------------------------------------


def test_an_unknown_secret_is_a_404(db):
    assert fetch("/calendar/not-a-real-secret-at-all.ics").status_code == 404


def test_a_reset_makes_the_old_address_404_and_the_new_one_work(cast):
    ana, *_ = cast
    pilot(sponsor=ana)
    old = feed_url(ana)
    assert fetch(old).status_code == 200
    calendar_feed_reset(user=ana)
    new = feed_url(ana)
    assert new != old
    assert fetch(old).status_code == 404
    assert len(events(fetch(new))) == 2


def test_a_deactivated_users_feed_is_a_404(cast):
    ana, *_ = cast
    url = feed_url(ana)
    ana.is_active = False
    ana.save()
    assert fetch(url).status_code == 404


def test_the_secret_is_unguessable_and_found_by_its_digest(cast):
    ana, other, *_ = cast
    feed = calendar_feed_of(ana)
    assert len(feed.secret) >= 43  # 32 random bytes, URL-safe
    assert feed.secret_digest == secret_digest(feed.secret)
    assert calendar_feed_of(ana) == feed  # made once, on first use
    assert calendar_feed_of(other).secret != feed.secret
    assert CalendarFeed.objects.count() == 2


def test_the_feed_answers_only_get_and_head(cast):
    ana, *_ = cast
    url = feed_url(ana)
    assert Client().head(url).status_code == 200
    assert Client().post(url).status_code == 405
