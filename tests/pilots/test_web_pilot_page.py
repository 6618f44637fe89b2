"""The pilot page: who sees it, the nomination, gate decisions and operations acceptance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import escape

from pilots.enums import (
    PORTFOLIO_LEADS_GROUP,
    FailureMode,
    LessonOccasion,
    OwnershipStatus,
    ReadingSource,
    Stage,
)
from pilots.models import GateDecision, Lesson, MetricReading, Pilot, PilotEvent
from pilots.services import ownership
from pilots.services.audit import event_record
from pilots.services.gates import submission_missing_items
from tests import factories

TODAY = date(2026, 3, 1)
ROLES = ["sponsor", "lead", "owner", "member", "ops", "admin_user"]


@pytest.fixture(autouse=True)
def _today(time_machine):
    """Inside the fixtures' pilot dates (build phase), for every fixture and request."""
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


def detail_url(pilot: Pilot) -> str:
    return reverse("pilots:detail", args=[pilot.reference])


def shows(response, message: str) -> bool:
    return escape(message) in response.content.decode()


def stored(pilot: Pilot) -> Pilot:
    return Pilot.objects.get(pk=pilot.pk)


def decide(client, pilot: Pilot, decision: str, **data: str | list[str]):
    return client.post(
        reverse("pilots:decide", args=[pilot.reference]), {"decision": decision, **data}
    )


# --- Who sees the page ----------------------------------------------------------------


def test_pilot_page_outsider_gets_404_on_every_page(client, running, outsider):
    metric = running.metrics.get()
    client.force_login(outsider)
    urls = [
        detail_url(running),
        reverse("pilots:history", args=[running.reference]),
        reverse("pilots:metric", args=[running.reference, metric.pk]),
    ]
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]


def test_pilot_page_unknown_reference_is_404(client, sponsor):
    client.force_login(sponsor)
    assert client.get(reverse("pilots:detail", args=["PIL-0404"])).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_pilot_page_renders_for_each_role(client, running, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(detail_url(running))
    content = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>{running.title}</h1>" in content
    assert '<span class="badge stage-running">Running</span>' in content


def test_pilot_page_reference_is_case_insensitive(client, running, sponsor):
    client.force_login(sponsor)
    response = client.get(reverse("pilots:detail", args=[running.reference.lower()]))
    assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_history_renders_every_event_for_each_role(client, running, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("pilots:history", args=[running.reference]))
    assert response.status_code == 200
    assert shows(response, "Ownership accepted")
    assert shows(response, "Approved → Running")


def test_metric_page_lists_the_readings(client, running, member):
    metric = running.metrics.get()
    factories.ReadingFactory(metric=metric, observed_on=date(2026, 2, 1), value=Decimal("17.5"))
    client.force_login(member)
    response = client.get(reverse("pilots:metric", args=[running.reference, metric.pk]))
    assert response.status_code == 200
    assert '<td data-label="Date">1 Feb 2026</td><td data-label="Value">17.5</td>' in (
        response.content.decode()
    )
    assert 'class="chart-point"' in response.content.decode()


def test_metric_page_of_another_pilots_metric_is_404(client, running, sponsor):
    other = factories.MetricFactory()
    client.force_login(sponsor)
    response = client.get(reverse("pilots:metric", args=[running.reference, other.pk]))
    assert response.status_code == 404


def test_pilot_page_draft_lists_what_is_missing_to_its_sponsor(client, sponsor):
    pilot = factories.PilotFactory(sponsor=sponsor)
    client.force_login(sponsor)
    response = client.get(detail_url(pilot))
    register = reverse("pilots:register", args=[pilot.reference, "metric"])
    assert f'<a href="{register}">Define the primary business metric.</a>' in (
        response.content.decode()
    )
    assert shows(response, "Continue registration")


def test_pilot_page_draft_links_missing_items_only_for_those_who_may_edit_it(
    client, sponsor, owner, lead, admin_user
):
    """The nominee of an unfinished draft saw every item linked to a step that was 403."""
    pilot = factories.PilotFactory(sponsor=sponsor, planned_start=None, planned_end=None)
    ownership.owner_nominate(pilot=pilot, by=sponsor, owner=owner)
    missing = submission_missing_items(pilot)
    assert len(missing) >= 8
    steps = {reverse("pilots:register", args=[pilot.reference, item.section]) for item in missing}

    for viewer in (owner, admin_user):  # may see it, may not edit its registration
        client.force_login(viewer)
        content = client.get(detail_url(pilot)).content.decode()
        assert all(escape(item.message) in content for item in missing)
        assert [step for step in steps if step in content] == []
        assert {client.get(step).status_code for step in steps} == {403}

    for editor in (sponsor, lead):
        client.force_login(editor)
        content = client.get(detail_url(pilot)).content.decode()
        for item in missing:
            step = reverse("pilots:register", args=[pilot.reference, item.section])
            assert f'<a href="{step}">{escape(item.message)}</a>' in content
        assert {client.get(step).status_code for step in steps} == {200}


# --- The nomination ---------------------------------------------------------------------


def test_nominee_sees_the_accept_and_decline_forms(client, draft, owner):
    client.force_login(owner)
    response = client.get(detail_url(draft))
    content = response.content.decode()
    assert "You are nominated as business owner" in content
    assert 'name="decision" value="accept"' in content
    assert 'name="decision" value="decline"' in content
    assert f'action="{reverse("pilots:ownership", args=[draft.reference])}"' in content


@pytest.mark.parametrize("role", ["sponsor", "lead", "member", "ops"])
def test_others_do_not_see_the_nomination_forms(client, draft, request, role):
    client.force_login(request.getfixturevalue(role))
    content = client.get(detail_url(draft)).content.decode()
    assert "You are nominated as business owner" not in content
    assert reverse("pilots:ownership", args=[draft.reference]) not in content


def test_accept_moves_the_owner_to_accepted(client, draft, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:ownership", args=[draft.reference]), {"decision": "accept"}
    )
    assert response.status_code == 302
    assert response["Location"] == detail_url(draft)
    pilot = stored(draft)
    assert pilot.owner_status == OwnershipStatus.ACCEPTED
    assert pilot.owner_responded_at is not None
    assert draft.events.filter(action=PilotEvent.Action.OWNER_ACCEPTED, actor=owner).exists()


def test_decline_without_reason_rerenders_and_changes_nothing(client, draft, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:ownership", args=[draft.reference]), {"decision": "decline", "reason": " "}
    )
    assert response.status_code == 200
    assert "<details open>" in response.content.decode()  # the decline form, with its error
    assert 'class="errorlist' in response.content.decode()
    pilot = stored(draft)
    assert (pilot.owner_status, pilot.owner_decline_reason) == (OwnershipStatus.PENDING, "")
    assert not draft.events.filter(action=PilotEvent.Action.OWNER_DECLINED).exists()


def test_decline_without_reason_says_why_a_reason_is_needed(client, draft, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:ownership", args=[draft.reference]), {"decision": "decline", "reason": ""}
    )
    assert shows(response, "Say why you decline")


def test_decline_with_reason_records_it_and_goes_home(client, draft, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:ownership", args=[draft.reference]),
        {"decision": "decline", "reason": "I run a different unit."},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    pilot = stored(draft)
    assert (pilot.owner_status, pilot.owner_decline_reason) == (
        OwnershipStatus.DECLINED,
        "I run a different unit.",
    )
    event = draft.events.get(action=PilotEvent.Action.OWNER_DECLINED)
    assert event.reason == "I run a different unit."
    assert client.get(detail_url(draft)).status_code == 404  # a declined owner no longer sees it


@pytest.mark.parametrize("role", ["sponsor", "member"])
def test_ownership_answer_by_someone_else_is_403(client, draft, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("pilots:ownership", args=[draft.reference]), {"decision": "accept"}
    )
    assert response.status_code == 403
    assert stored(draft).owner_status == OwnershipStatus.PENDING


def test_ownership_answer_by_an_outsider_is_404(client, draft, outsider):
    client.force_login(outsider)
    response = client.post(
        reverse("pilots:ownership", args=[draft.reference]), {"decision": "accept"}
    )
    assert response.status_code == 404


# --- Gate decisions ---------------------------------------------------------------------


def test_lead_approves_a_proposed_pilot_whose_owner_accepted(client, proposed, owner, lead):
    ownership.ownership_accept(pilot=proposed, by=owner)
    client.force_login(lead)
    response = decide(client, proposed, "approve", rationale="Clear metric and owner.")
    assert response.status_code == 302
    assert response["Location"] == detail_url(proposed)
    assert stored(proposed).stage == Stage.APPROVED
    decision = GateDecision.objects.get(pilot=proposed, to_stage=Stage.APPROVED)
    assert (decision.decided_by, decision.rationale) == (lead, "Clear metric and owner.")


def test_lead_sees_the_gate_decision_form_on_a_proposed_pilot(client, proposed, lead):
    client.force_login(lead)
    content = client.get(detail_url(proposed)).content.decode()
    assert 'name="decision" value="approve"' in content
    assert 'name="decision" value="reject"' in content


def test_approve_while_the_owner_is_pending_lists_the_missing_item(client, proposed, lead):
    client.force_login(lead)
    response = decide(client, proposed, "approve", rationale="Looks good.")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Cannot approve yet." in content
    assert shows(response, "The nominated business owner has not accepted ownership yet.")
    # Fixed by the nominee; a proposed pilot's registration opens to nobody: no link.
    owner_step = reverse("pilots:register", args=[proposed.reference, "owner"])
    assert owner_step not in content
    assert client.get(owner_step).status_code == 403
    assert stored(proposed).stage == Stage.PROPOSED
    assert not GateDecision.objects.filter(pilot=proposed, to_stage=Stage.APPROVED).exists()


def test_approve_without_rationale_lists_both_missing_items(client, proposed, lead):
    client.force_login(lead)
    response = decide(client, proposed, "approve", rationale="")
    assert shows(response, "The nominated business owner has not accepted ownership yet.")
    assert shows(response, "Write the rationale for approving.")
    assert "2 items missing" in response.content.decode()
    assert stored(proposed).stage == Stage.PROPOSED


def test_sponsor_posting_approve_is_403(client, proposed, owner, sponsor):
    ownership.ownership_accept(pilot=proposed, by=owner)
    client.force_login(sponsor)
    response = decide(client, proposed, "approve", rationale="Mine is great.")
    assert response.status_code == 403
    assert shows(response, f"{INDEPENDENCE} must approve it.")
    assert stored(proposed).stage == Stage.PROPOSED


def test_lead_rejects_with_a_reason_back_to_draft(client, proposed, lead):
    client.force_login(lead)
    response = decide(client, proposed, "reject", rationale="The baseline is a guess.")
    assert response.status_code == 302
    assert stored(proposed).stage == Stage.DRAFT
    assert GateDecision.objects.get(pilot=proposed, to_stage=Stage.DRAFT).rationale == (
        "The baseline is a guess."
    )


def test_sponsor_starts_an_approved_pilot_today(client, approved, sponsor):
    client.force_login(sponsor)
    response = decide(client, approved, "start", rationale="")
    assert response.status_code == 302
    pilot = stored(approved)
    assert (pilot.stage, pilot.started_on) == (Stage.RUNNING, date(2026, 3, 1))


def test_stop_without_lessons_learned_is_refused(client, running, lead):
    client.force_login(lead)
    response = decide(client, running, "stop", rationale="No uplift.", what_failed=" ")
    assert response.status_code == 200
    assert "Cannot stop yet." in response.content.decode()
    assert shows(response, "Write the lessons learned: what worked, what failed.")
    assert stored(running).stage == Stage.RUNNING
    assert not GateDecision.objects.filter(pilot=running, to_stage=Stage.STOPPED).exists()


def test_stop_with_lessons_learned_stops_the_pilot(client, running, lead):
    client.force_login(lead)
    response = decide(
        client,
        running,
        "stop",
        rationale="No uplift.",
        what_worked="The owner's weekly check-ins.",
        what_failed="Agree the data source first.",
        failure_modes=["lab_to_desk_gap", "metric_mirage"],
        tags="Data, Vendor",
    )
    assert response.status_code == 302
    assert stored(running).stage == Stage.STOPPED
    decision = GateDecision.objects.get(pilot=running, to_stage=Stage.STOPPED)
    assert decision.lessons_learned == (
        "What worked: The owner's weekly check-ins.\n\nWhat failed: Agree the data source first."
    )
    lesson = Lesson.objects.get(pilot=running)
    assert (lesson.occasion, lesson.what_failed, lesson.failure_modes, lesson.tags) == (
        LessonOccasion.STOP,
        "Agree the data source first.",
        [FailureMode.LAB_TO_DESK_GAP, FailureMode.METRIC_MIRAGE],
        ["data", "vendor"],
    )


def test_stop_with_a_bad_lesson_rerenders_with_the_error_and_writes_nothing(client, running, lead):
    client.force_login(lead)
    response = decide(
        client,
        running,
        "stop",
        rationale="No uplift.",
        what_failed="Data.",
        tags="a, b, c, d, e, f, g",
    )
    assert response.status_code == 200
    assert shows(response, "At most 6 tags (a handful); this has 7.")
    assert stored(running).stage == Stage.RUNNING
    assert not Lesson.objects.exists()
    assert not GateDecision.objects.filter(pilot=running, to_stage=Stage.STOPPED).exists()


def test_graduate_is_refused_with_every_missing_item(client, running, lead):
    client.force_login(lead)
    response = decide(client, running, "graduate", rationale="Live.")
    assert response.status_code == 200
    assert "Cannot graduate yet." in response.content.decode()
    # Where acceptance is recorded (the people section), not the step naming operations.
    people = detail_url(running) + "#people"
    assert f'<a href="{people}">Operations has not accepted the system yet.</a>' in (
        response.content.decode()
    )
    assert shows(response, "The handover plan has no knowledge-transfer task.")
    assert stored(running).stage == Stage.RUNNING


@pytest.mark.parametrize(
    ("fixture", "decision", "data"),
    [
        ("proposed", "approve", {"rationale": "Looks good."}),
        ("running", "graduate", {"rationale": "Live."}),
        ("running", "stop", {"rationale": "No uplift."}),  # no lessons learned
    ],
)
def test_refused_decision_address_answers_a_get_with_the_decision_section(
    client, request, lead, fixture, decision, data
):
    """The refusal is rendered at /decide/; reloading or sharing that address is a GET."""
    pilot = request.getfixturevalue(fixture)
    client.force_login(lead)
    refused = decide(client, pilot, decision, **data)
    assert (refused.status_code, refused.wsgi_request.path) == (200, f"{detail_url(pilot)}decide/")
    assert f"Cannot {decision} yet." in refused.content.decode()

    response = client.get(reverse("pilots:decide", args=[pilot.reference]))
    assert (response.status_code, response["Location"]) == (302, f"{detail_url(pilot)}#decision")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'id="decision"' in page.content.decode()
    assert stored(pilot).stage == pilot.stage  # the GET decided nothing


INDEPENDENCE = "A portfolio lead who is neither this pilot's sponsor nor its business owner"


@pytest.mark.parametrize(
    ("decision", "data"),
    [
        ("graduate", {"rationale": "Live."}),
        ("stop", {"rationale": "No uplift.", "what_failed": "Data first."}),
    ],
)
def test_the_sponsor_may_not_take_the_final_decision(client, running, sponsor, decision, data):
    client.force_login(sponsor)
    response = decide(client, running, decision, **data)
    assert response.status_code == 403
    assert shows(
        response,
        f"{INDEPENDENCE} must record its {'graduation' if decision == 'graduate' else 'stop'}.",
    )
    assert stored(running).stage == Stage.RUNNING
    assert not GateDecision.objects.filter(pilot=running, to_stage=decision + "d").exists()


def test_the_sponsor_sees_no_final_decision_buttons_and_who_decides(client, running, sponsor):
    client.force_login(sponsor)
    page = client.get(detail_url(running)).content.decode()
    assert 'value="graduate"' not in page
    assert 'value="stop"' not in page
    # The card of the rule takes the decision's anchor: the home page's link lands on it.
    assert '<section class="card" id="decision" aria-labelledby="h-decision-rule">' in page
    assert escape(f"{INDEPENDENCE} must take its final decision (graduate or stop).") in page


def test_on_an_approved_pilot_the_sponsor_is_told_only_stop_applies(client, approved, sponsor):
    """Never started: graduating is not possible, so the rule names the stop alone."""
    client.force_login(sponsor)
    page = client.get(detail_url(approved)).content.decode()
    assert escape(f"{INDEPENDENCE} must record its stop.") in page
    assert "graduate or stop" not in page


def test_a_lead_who_owns_the_pilot_sees_no_final_decision_buttons(client, running, owner):
    owner.groups.add(Group.objects.get_or_create(name=PORTFOLIO_LEADS_GROUP)[0])
    client.force_login(owner)
    page = client.get(detail_url(running)).content.decode()
    assert 'value="graduate"' not in page
    assert escape(f"{INDEPENDENCE} must take its final decision (graduate or stop).") in page


def test_an_independent_lead_sees_the_final_decision_buttons(client, running, lead):
    client.force_login(lead)
    page = client.get(detail_url(running)).content.decode()
    assert 'value="graduate"' in page
    assert 'value="stop"' in page
    assert "h-decision-rule" not in page


def test_the_sponsor_sees_who_approves_a_proposed_pilot(client, proposed, sponsor):
    client.force_login(sponsor)
    page = client.get(detail_url(proposed)).content.decode()
    assert 'value="approve"' not in page
    assert escape(f"{INDEPENDENCE} must approve it.") in page


def test_member_cannot_record_any_decision(client, running, member):
    client.force_login(member)
    response = decide(client, running, "stop", rationale="x", what_failed="y")
    assert response.status_code == 403
    assert stored(running).stage == Stage.RUNNING


def test_decide_by_an_outsider_is_404(client, running, outsider):
    client.force_login(outsider)
    response = decide(client, running, "stop", rationale="x", what_failed="y")
    assert response.status_code == 404
    assert stored(running).stage == Stage.RUNNING


# --- Operations acceptance --------------------------------------------------------------


def test_operations_accept_by_the_operations_owner(client, running, ops):
    client.force_login(ops)
    response = client.post(reverse("pilots:operations_accept", args=[running.reference]))
    assert response.status_code == 302
    assert response["Location"] == detail_url(running) + "#people"
    pilot = stored(running)
    assert pilot.operations_accepted_by == ops
    assert pilot.operations_accepted_at is not None
    assert running.events.filter(action=PilotEvent.Action.OPERATIONS_ACCEPTED).exists()


def test_operations_owner_sees_the_accept_button(client, running, ops, member):
    url = reverse("pilots:operations_accept", args=[running.reference])
    client.force_login(ops)
    assert url in client.get(detail_url(running)).content.decode()
    client.force_login(member)
    assert url not in client.get(detail_url(running)).content.decode()


@pytest.mark.parametrize("role", ["member", "sponsor", "owner"])
def test_operations_accept_by_anyone_else_is_403(client, running, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.post(reverse("pilots:operations_accept", args=[running.reference]))
    assert response.status_code == 403
    assert stored(running).operations_accepted_at is None


def test_operations_accept_before_running_is_403(client, approved, ops):
    client.force_login(ops)
    response = client.post(reverse("pilots:operations_accept", args=[approved.reference]))
    assert response.status_code == 403
    assert stored(approved).operations_accepted_at is None


# --- A fixed number of queries ------------------------------------------------------------


def fill_running_pilot(pilot: Pilot, owner, n: int) -> None:
    """n readings, team members (who record them), tasks and events on a running pilot."""
    metric = pilot.metrics.get()
    people = [factories.UserFactory(username=f"person{i}") for i in range(n)]
    for i, person in enumerate(people):
        factories.add_member(pilot, person)
        MetricReading.objects.create(
            metric=metric,
            observed_on=date(2026, 1, 6) + timedelta(days=i),
            value=Decimal(11 + i),
            recorded_by=person,
            source=ReadingSource.WEB,
        )
        factories.TaskFactory(pilot=pilot, assignee=person, receiver=owner, position=i)
        event_record(pilot=pilot, actor=person, action=PilotEvent.Action.UPDATED, subject=str(i))
        factories.CheckInFactory(pilot=pilot, author=owner)


@pytest.mark.parametrize("n", [1, 10])
def test_pilot_page_query_count_does_not_grow(client, running, owner, n, django_assert_num_queries):
    fill_running_pilot(running, owner, n)
    client.force_login(owner)
    # session, user, groups, the pilot (with its plan and people), 5 prefetches (members,
    # tasks, decisions, checklist, metrics), the checkpoint decisions, metrics with their
    # latest day, the latest readings, the recent readings, the chart's series, the recent
    # check-ins with their authors, the recent events, the unread reminders (the header's
    # inbox badge), the open changes to the approved contract, the approval's snapshot (the
    # value committed)
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(20):
        response = client.get(detail_url(running))
    assert response.status_code == 200
    assert f"0 of {n} knowledge-transfer task" in response.content.decode()


def test_a_critical_segment_shows_its_guardrail_on_the_card_and_beside_its_chart(
    client, running, member
):
    floor = factories.MetricFactory(
        pilot=running, kind="critical_segment", name="Urgent claims", guardrail=Decimal("12")
    )
    line = factories.MetricFactory(pilot=running, kind="critical_segment", name="Large claims")
    factories.ReadingFactory(metric=floor, observed_on=date(2026, 2, 1), value=Decimal("11"))
    client.force_login(member)

    page = client.get(reverse("pilots:detail", args=[running.reference])).content.decode()
    assert "Guardrail: a floor of 12 %" in page
    assert "Guardrail: its own trajectory from baseline to target" in page
    assert page.count('<span class="badge bad">Beyond its guardrail</span>') == 1
    detail = client.get(reverse("pilots:metric", args=[running.reference, floor.pk]))
    assert "Guardrail: a floor of 12 %" in detail.content.decode()
    detail = client.get(reverse("pilots:metric", args=[running.reference, line.pk]))
    assert "its own trajectory from baseline to target (the dashed line)" in (
        detail.content.decode()
    )
