"""The pilot page's checkpoint: who sees the form, what it re-renders, what it records."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from pilots.enums import CheckpointChoice
from pilots.models import CheckpointDecision, Pilot
from pilots.services import ownership
from tests import factories

IN_WINDOW = datetime(2026, 5, 10, 10, tzinfo=UTC)  # the running fixture's window opened 6 May
OVERDUE = datetime(2026, 5, 20, 10, tzinfo=UTC)
BUILD = datetime(2026, 3, 2, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _in_the_window():
    with time_machine.travel(IN_WINDOW, tick=False):
        yield


def page(client, user, pilot) -> str:
    client.force_login(user)
    return client.get(f"/pilots/{pilot.reference}/").content.decode()


def post(client, user, pilot, **data):
    client.force_login(user)
    return client.post(f"/pilots/{pilot.reference}/checkpoint/", data)


def test_a_lead_sees_the_form_with_three_choices_and_what_continue_needs(client, lead, running):
    html = page(client, lead, running)
    assert 'id="checkpoint"' in html
    assert "<strong>Checkpoint due.</strong> The handover window opened on 6 May 2026" in html
    assert "by 13 May 2026" in html
    assert html.count('name="decision" value="continue"') == 1
    assert 'value="extend"' in html
    assert 'value="stop"' in html
    assert "The handover plan has no knowledge-transfer task" in html
    assert "The operations owner has not accepted the system yet" in html
    assert "No checkpoint decision yet." in html


@pytest.mark.parametrize("who", ["sponsor", "owner", "ops"])
def test_others_read_who_decides_and_get_no_form(client, running, who, request):
    html = page(client, request.getfixturevalue(who), running)
    assert 'id="checkpoint"' in html
    assert 'action="/pilots/' + running.reference + '/checkpoint/"' not in html
    assert (
        "A portfolio lead who is neither this pilot&#x27;s sponsor nor its business owner must "
        "take its checkpoint decision (continue, extend or stop)." in html
    )


def test_no_checkpoint_section_in_the_build_phase(client, lead, running):
    with time_machine.travel(BUILD, tick=False):
        assert 'id="checkpoint"' not in page(client, lead, running)


def test_overdue_is_said_on_the_page(client, lead, running):
    with time_machine.travel(OVERDUE, tick=False):
        html = page(client, lead, running)
    assert "<strong>Checkpoint overdue.</strong>" in html
    assert "was due by 13 May 2026" in html


def test_continue_refused_re_renders_with_the_missing_items_and_records_nothing(
    client, lead, running
):
    response = post(client, lead, running, decision="continue", rationale="Looks good.")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Cannot record this checkpoint decision." in html
    assert "The handover plan has no knowledge-transfer task" in html
    assert "\nLooks good.</textarea>" in html  # what was written is kept
    assert not CheckpointDecision.objects.exists()


def test_bad_words_re_render_on_their_fields(client, lead, running):
    response = post(client, lead, running, decision="extend", rationale="", new_end="2026-07-01")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Write the reason for this decision." in html
    assert "The new planned end must be after the current one (5 Jul 2026)." in html
    running.refresh_from_db()
    assert running.planned_end == date(2026, 7, 5)


def test_no_choice_is_a_field_error(client, lead, running):
    html = post(client, lead, running, rationale="Hm.").content.decode()
    assert "Choose continue, extend or stop." in html


def test_extend_then_continue_in_the_new_window(client, lead, running, ops):
    response = post(
        client,
        lead,
        running,
        decision="extend",
        rationale="Operations starts in June.",
        new_end="2026-07-20",
    )
    assert response.status_code == 302
    assert response["Location"] == f"/pilots/{running.reference}/#checkpoint"
    running.refresh_from_db()
    assert running.planned_end == date(2026, 7, 20)
    html = page(client, lead, running)
    assert "Planned end moved from 5 Jul 2026 to 20 Jul 2026." in html
    # The new window (16 May) opens within the lead days: continue may be decided now.
    factories.TaskFactory(pilot=running, assignee=running.owner)
    ownership.operations_accept(pilot=running, by=ops)
    response = post(client, lead, running, decision="continue", rationale="All in place.")
    assert response.status_code == 302
    assert list(
        CheckpointDecision.objects.order_by("decided_at", "pk").values_list("decision", flat=True)
    ) == [CheckpointChoice.EXTEND, CheckpointChoice.CONTINUE]


@pytest.mark.parametrize("who", ["sponsor", "owner"])
def test_the_sponsor_and_owner_are_refused_with_the_rule(client, running, who, request):
    response = post(
        client,
        request.getfixturevalue(who),
        running,
        decision="extend",
        rationale="More time.",
        new_end="2026-09-01",
    )
    assert response.status_code == 403
    assert "must take its checkpoint decision" in response.content.decode()
    assert Pilot.objects.get(pk=running.pk).planned_end == date(2026, 7, 5)


def test_a_get_goes_to_the_checkpoint_section(client, lead, running):
    client.force_login(lead)
    response = client.get(f"/pilots/{running.reference}/checkpoint/")
    assert response.status_code == 302
    assert response["Location"] == f"/pilots/{running.reference}/#checkpoint"
