"""The readable history: names, the app's dates, labels, choices' labels, and its filters."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from pilots.models import PilotEvent
from pilots.selectors.history import BY_THE_SYSTEM, readable_events
from pilots.services import handover, ownership
from tests import factories


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


def history(client, pilot, **params) -> str:
    response = client.get(reverse("pilots:history", args=[pilot.reference]), params)
    assert response.status_code == 200
    return response.content.decode()


def actions(page: str) -> list[str]:
    """The kinds of the events shown, newest first."""
    return re.findall(r'<li class="event">\s*<div><strong>([^<]+)</strong>', page)


def changes(page: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", "", item.replace("</li>", " | ")).split())
        for item in re.findall(r'<ul class="changes">(.*?)</ul>', page, re.S)
    ]


def test_history_shows_labels_choice_labels_names_and_days(client, running, owner, ops):
    ops.first_name, ops.last_name = "Olu", "Ops"
    ops.save()
    handover.task_create(
        pilot=running,
        by=owner,
        title="Runbook",
        kind="runbook",
        assignee=owner,
        receiver=ops,
        receiver_team="",
        due_on=date(2026, 6, 1),
        evidence_url="",
    )
    client.force_login(owner)
    page = history(client, running, kind=PilotEvent.Action.TASK_ADDED)
    assert actions(page) == ["Knowledge-transfer task added"]
    shown = changes(page)[0]
    assert "Kind: Runbook" in shown  # the choice's label, not "runbook"
    assert "Receiver: Olu Ops" in shown  # the name, not the username
    assert "Due on: 1 Jun 2026" in shown  # the app's format, not 2026-06-01
    assert "Status: To do" in shown
    assert "receiver_team" not in page
    assert "due_on" not in page


def test_stage_change_shows_the_stages_labels(client, running, owner):
    client.force_login(owner)
    page = history(client, running, kind=PilotEvent.Action.STAGE_CHANGED)
    assert changes(page) == [
        "Stage: Approved → Running | Started on: — → 5 Jan 2026 |",
        "Stage: Proposed → Approved |",
        "Stage: Draft → Proposed |",
    ]


def test_history_filters_by_person_and_by_the_system(client, running, owner, lead, sponsor):
    PilotEvent.objects.create(pilot=running, actor=None, action=PilotEvent.Action.UPDATED)
    client.force_login(owner)
    by_lead = history(client, running, person=lead.pk)
    assert actions(by_lead) == ["Stage changed"]  # the approval
    assert escape(lead.get_full_name()) in by_lead
    assert actions(history(client, running, person=BY_THE_SYSTEM)) == ["Updated"]
    page = history(client, running)
    # The person filter offers who acted on the pilot, by name, and the system.
    options = re.search(r'<select name="person".*?</select>', page, re.S).group()
    assert escape(owner.get_full_name()) in options
    assert escape(lead.get_full_name()) in options
    assert "The system (a job)" in options


def test_history_filter_with_nothing_matching_says_so(client, running, owner, outsider):
    client.force_login(owner)
    page = history(client, running, kind=PilotEvent.Action.READING_DELETED)
    assert "No event matches" in page
    assert f'href="{reverse("pilots:history", args=[running.reference])}">Clear' in page
    assert "No change recorded yet" not in page


def test_history_refuses_an_unknown_person_without_filtering(client, running, owner, outsider):
    client.force_login(owner)
    page = history(client, running, person=outsider.pk)
    assert "Select a valid choice." in page
    assert len(actions(page)) == running.events.count()


def test_history_pages_keep_the_filters(client, running, owner):
    for _ in range(55):
        PilotEvent.objects.create(pilot=running, actor=owner, action=PilotEvent.Action.UPDATED)
    client.force_login(owner)
    page = history(client, running, kind="updated", person=owner.pk)
    assert len(actions(page)) == 50
    assert f'href="?kind=updated&amp;person={owner.pk}&amp;page=2"' in page
    second = history(client, running, kind="updated", person=owner.pk, page=2)
    assert actions(second) == ["Updated"] * 5


def test_readable_events_name_people_in_one_query(running, owner, ops, django_assert_num_queries):
    ownership.operations_accept(pilot=running, by=ops)
    events = list(running.events.select_related("actor"))
    with django_assert_num_queries(1):
        readable_events(events)


@pytest.mark.parametrize("n", [1, 12])
def test_history_query_count_does_not_grow(client, running, owner, n, django_assert_num_queries):
    for _ in range(n):
        factories.TaskFactory(pilot=running, assignee=owner)
        PilotEvent.objects.create(
            pilot=running,
            actor=owner,
            action=PilotEvent.Action.TASK_CHANGED,
            changes={"assignee": [None, owner.username], "due_on": ["2026-05-01", "2026-06-01"]},
        )
    client.force_login(owner)
    # session, user, the pilot, who acted (the person filter), the page count, the page's
    # events with their actors, the names of the people they name, the user's groups and
    # unread reminders (navigation)
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(10):
        page = history(client, running, kind="task_changed")
    assert len(actions(page)) == n
