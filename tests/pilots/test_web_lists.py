"""The pilot list, the review queue and the home page: what each user sees, in fixed queries."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from pilots.models import Pilot
from pilots.selectors.agenda import AGENDA_LIMIT
from pilots.services import gates, handover, ownership
from tests import factories

LIST = reverse("scorecards:list")
REVIEW = reverse("pilots:review")
HOME = reverse("home")


@pytest.fixture(autouse=True)
def _today(time_machine):
    """Inside the fixtures' pilot dates, for every fixture and request."""
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


def listed(response) -> list[str]:
    """The references in a pilot table, in the order shown."""
    return re.findall(
        r'<td class="mono" data-label="Reference"><a href="[^"]+">(PIL-\d+)</a></td>',
        response.content.decode(),
    )


def shows(response, message: str) -> bool:
    return escape(message) in response.content.decode()


def proposed_pilot(sponsor, owner, **fields) -> Pilot:
    pilot = factories.PilotFactory(sponsor=sponsor, **fields)
    factories.complete_registration(pilot, owner=owner)
    gates.pilot_submit(pilot=pilot, by=sponsor)
    return pilot


# --- The pilot list ---------------------------------------------------------------------


def test_list_and_page_of_closed_pilots_say_when_they_closed_not_a_phase(
    client, running, sponsor, owner, ops, lead, time_machine
):
    """A stopped pilot's row said "opens 6 May 2026", its page "build phase"."""
    other = factories.PilotFactory(sponsor=sponsor, operations_owner=ops, title="Graduates")
    factories.complete_registration(other, owner=owner)
    gates.pilot_submit(pilot=other, by=sponsor)
    ownership.ownership_accept(pilot=other, by=owner)
    gates.pilot_approve(pilot=other, by=lead, rationale="Fine.")
    gates.pilot_start(pilot=other, by=sponsor)
    other.tasks.create(
        title="Runbook",
        kind="runbook",
        assignee=owner,
        receiver_team="Ops",
        due_on=date(2026, 3, 1),
    )
    handover.task_complete(task=other.tasks.get(), by=owner, evidence_url="https://x.example/r")
    handover.task_confirm(task=other.tasks.get(), by=ops)
    ownership.operations_accept(pilot=other, by=ops)
    gates.pilot_graduate(pilot=other, by=lead, rationale="Live.")
    gates.pilot_stop(pilot=running, by=lead, rationale="No uplift.", lessons_learned="Data.")
    time_machine.move_to(datetime(2026, 3, 20, 12, tzinfo=UTC), tick=False)

    client.force_login(sponsor)
    rows = client.get(LIST, {"stage": ""}).content.decode()
    assert "stopped on 1 Mar 2026" in rows
    assert "graduated on 1 Mar 2026" in rows
    assert "opens" not in rows
    assert "opened" not in rows
    for pilot, outcome in ((running, "stopped"), (other, "graduated")):
        page = client.get(reverse("pilots:detail", args=[pilot.reference])).content.decode()
        assert f"20 Mar 2026 · {outcome} on 1 Mar 2026</dd>" in page
        assert "build phase" not in page
        assert "handover window in" not in page


def test_list_says_a_window_opened_once_it_has(client, running, sponsor, time_machine):
    client.force_login(sponsor)
    assert "opens 6 May 2026" in client.get(LIST).content.decode()
    time_machine.move_to(datetime(2026, 5, 7, 12, tzinfo=UTC), tick=False)
    client.force_login(sponsor)  # the session of 1 Mar has expired
    assert "opened 6 May 2026" in client.get(LIST).content.decode()


def test_list_outsider_sees_no_pilot(client, running, outsider):
    client.force_login(outsider)
    response = client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == []
    assert shows(response, "No pilots yet")
    assert "No pilot matches" not in response.content.decode()


def test_list_shows_only_the_pilots_the_user_may_see(client, running, member):
    hidden = factories.PilotFactory(title="Someone else's pilot")
    client.force_login(member)
    response = client.get(LIST)
    assert listed(response) == [running.reference]
    assert hidden.reference not in response.content.decode()


def test_list_lead_sees_every_pilot(client, running, lead):
    other = factories.PilotFactory()
    client.force_login(lead)
    assert set(listed(client.get(LIST))) == {running.reference, other.reference}


def test_list_search_by_title(client, lead):
    wanted = factories.PilotFactory(title="Invoice triage assistant")
    factories.PilotFactory(title="Churn predictor")
    client.force_login(lead)
    assert listed(client.get(LIST, {"q": "triage"})) == [wanted.reference]


def test_list_search_by_reference_ignores_case(client, lead):
    wanted = factories.PilotFactory(title="Invoice triage assistant")
    factories.PilotFactory(title="Churn predictor")
    client.force_login(lead)
    assert listed(client.get(LIST, {"q": wanted.reference.lower()})) == [wanted.reference]


def test_list_search_never_widens_visibility(client, draft, sponsor):
    hidden = factories.PilotFactory(title="Secret triage")
    client.force_login(sponsor)
    response = client.get(LIST, {"q": hidden.reference})
    assert listed(response) == []
    assert shows(response, "No pilot matches")


def test_list_filter_by_stage(client, running, lead):
    draft = factories.PilotFactory()
    client.force_login(lead)
    assert listed(client.get(LIST, {"stage": "running"})) == [running.reference]
    assert listed(client.get(LIST, {"stage": "draft"})) == [draft.reference]


def test_list_filter_by_business_unit(client, lead):
    finance = factories.BusinessUnitFactory(name="Finance")
    claims = factories.BusinessUnitFactory(name="Claims")
    wanted = factories.PilotFactory(business_unit=claims)
    factories.PilotFactory(business_unit=finance)
    client.force_login(lead)
    assert listed(client.get(LIST, {"business_unit": claims.pk})) == [wanted.reference]


def test_list_filter_by_role_owner(client, draft, owner):
    elsewhere = factories.PilotFactory()
    factories.add_member(elsewhere, owner)  # visible to the owner, but not as owner
    client.force_login(owner)
    assert set(listed(client.get(LIST))) == {draft.reference, elsewhere.reference}
    assert listed(client.get(LIST, {"role": "owner"})) == [draft.reference]
    assert listed(client.get(LIST, {"role": "member"})) == [elsewhere.reference]


def test_list_sort_by_title(client, lead):
    b = factories.PilotFactory(title="Beta")
    c = factories.PilotFactory(title="Gamma")
    a = factories.PilotFactory(title="Alpha")
    client.force_login(lead)
    assert listed(client.get(LIST, {"sort": "title"})) == [a.reference, b.reference, c.reference]
    assert listed(client.get(LIST, {"sort": "-title"})) == [c.reference, b.reference, a.reference]


def test_list_sort_by_end_date_latest_first(client, lead):
    soon = factories.PilotFactory(planned_end=date(2026, 5, 1))
    late = factories.PilotFactory(planned_end=date(2026, 12, 1))
    middle = factories.PilotFactory(planned_end=date(2026, 8, 1))
    client.force_login(lead)
    assert listed(client.get(LIST, {"sort": "-end"})) == [
        late.reference,
        middle.reference,
        soon.reference,
    ]
    assert listed(client.get(LIST, {"sort": "end"})) == [
        soon.reference,
        middle.reference,
        late.reference,
    ]


def test_list_default_order_is_newest_first(client, lead):
    pilots = factories.PilotFactory.create_batch(3)  # same created_at: the pk breaks ties
    client.force_login(lead)
    assert listed(client.get(LIST)) == [p.reference for p in reversed(pilots)]


def test_list_paginates_by_25(client, lead):
    pilots = factories.PilotFactory.create_batch(30)
    client.force_login(lead)

    first = client.get(LIST)
    second = client.get(LIST, {"page": 2})

    assert len(listed(first)) == 25
    assert len(listed(second)) == 5
    assert set(listed(first)) | set(listed(second)) == {p.reference for p in pilots}
    assert "Page 1 of 2 · 30 in all" in first.content.decode()
    assert 'href="?page=2" rel="next"' in first.content.decode()


def test_list_page_past_the_end_shows_the_last_page(client, lead):
    factories.PilotFactory.create_batch(30)
    client.force_login(lead)
    response = client.get(LIST, {"page": 99})
    assert response.status_code == 200
    assert len(listed(response)) == 5
    assert "Page 2 of 2 · 30 in all" in response.content.decode()


def test_list_pagination_keeps_the_filters(client, lead):
    factories.PilotFactory.create_batch(26, title="Triage")
    client.force_login(lead)
    response = client.get(LIST, {"q": "Triage", "sort": "title"})
    assert 'href="?q=Triage&amp;sort=title&amp;page=2" rel="next"' in response.content.decode()


def test_list_filtered_with_no_match_shows_the_empty_state(client, running, lead):
    client.force_login(lead)
    response = client.get(LIST, {"q": "nothing like this"})
    assert listed(response) == []
    assert shows(response, "No pilot matches")
    assert "No pilots yet" not in response.content.decode()


def fill_portfolio(sponsor, n: int) -> list[Pilot]:
    """n pilots of one sponsor, each with its own owner, operations owner and unit."""
    return [
        factories.complete_registration(
            factories.PilotFactory(
                sponsor=sponsor,
                operations_owner=factories.UserFactory(username=f"ops{i}"),
                business_unit=factories.BusinessUnitFactory(name=f"Unit {i}"),
            ),
            owner=factories.UserFactory(username=f"owner{i}"),
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("n", [1, 12])
def test_list_query_count_does_not_grow(client, sponsor, n, django_assert_num_queries):
    fill_portfolio(sponsor, n)
    client.force_login(sponsor)
    # session, user, the page count, the page's pilots (with their people and unit), the
    # business-unit choices of the filter form, the user's groups and unread reminders
    # (navigation)
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(8):
        response = client.get(LIST)
    assert len(listed(response)) == n


# --- The review queue -------------------------------------------------------------------


def test_review_queue_lead_sees_proposed_pilots_longest_waiting_first(
    client, time_machine, sponsor, owner, lead
):
    older = factories.complete_registration(factories.PilotFactory(sponsor=sponsor), owner=owner)
    newer = factories.complete_registration(factories.PilotFactory(sponsor=sponsor), owner=owner)
    gates.pilot_submit(pilot=newer, by=sponsor)  # submitted first, though created second
    time_machine.shift(timedelta(hours=1))
    gates.pilot_submit(pilot=older, by=sponsor)
    factories.PilotFactory(sponsor=sponsor)  # a draft: not in the queue
    client.force_login(lead)
    response = client.get(REVIEW)
    assert response.status_code == 200
    assert listed(response) == [newer.reference, older.reference]


def test_review_queue_marks_the_pilots_past_the_gates_time_limit_as_the_reminder_does(
    client, time_machine, sponsor, owner, lead, lead2
):
    """Submitted on 2 Jun (local): in time for 5 days, then on the page and reminded alike."""
    from pilots.enums import ReminderKind
    from pilots.reminders.rules import reminders_due

    time_machine.move_to(datetime(2026, 6, 2, 9, tzinfo=UTC), tick=False)
    pilot = proposed_pilot(sponsor, owner)
    badge = '<span class="badge bad">over the 5-day limit</span>'
    for day, overdue in ((date(2026, 6, 7), False), (date(2026, 6, 8), True)):
        time_machine.move_to(datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12))
        client.force_login(lead)  # a new session each day (sessions end after a day)
        reminded = {
            item.recipient_id
            for item in reminders_due(day)
            if item.kind == ReminderKind.REVIEW_OVERDUE and item.pilot_id == pilot.pk
        }
        assert (badge in client.get(REVIEW).content.decode()) is overdue, day
        assert reminded == ({lead.pk, lead2.pk} if overdue else set()), day


def test_review_queue_empty_state(client, draft, lead):
    client.force_login(lead)
    response = client.get(REVIEW)
    assert shows(response, "The queue is empty")


@pytest.mark.parametrize("role", ["sponsor", "owner", "outsider", "admin_user"])
def test_review_queue_non_lead_gets_403(client, proposed, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(REVIEW)
    assert response.status_code == 403
    assert shows(response, "Only portfolio leads review proposed pilots.")


@pytest.mark.parametrize("n", [1, 12])
def test_review_queue_query_count_does_not_grow(
    client, sponsor, lead, n, django_assert_num_queries
):
    for i in range(n):
        proposed_pilot(
            sponsor,
            factories.UserFactory(username=f"owner{i}"),
            business_unit=factories.BusinessUnitFactory(name=f"Unit {i}"),
        )
    client.force_login(lead)
    # session, user, the user's groups, the page count, the page's pilots, the unread
    # reminders (the header's inbox badge)
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(7):
        response = client.get(REVIEW)
    assert response.content.decode().count('#decision">PIL-') == n


# --- The home page ----------------------------------------------------------------------


def test_home_shows_the_nomination_to_the_nominee(client, draft, owner):
    client.force_login(owner)
    response = client.get(HOME)
    content = response.content.decode()
    assert "Ownership to accept" in content
    assert f"{reverse('pilots:detail', args=[draft.reference])}#nomination" in content
    assert "Nothing is waiting for you" not in content


def test_home_shows_the_sponsors_drafts_with_what_is_missing(client, draft, sponsor):
    unfinished = factories.PilotFactory(sponsor=sponsor, title="Half done")
    missing = len(gates.submission_missing_items(unfinished))
    client.force_login(sponsor)
    response = client.get(HOME)
    content = response.content.decode()
    assert "Registrations to finish" in content
    assert f'<span class="badge warn">{missing} items missing</span>' in content
    assert '<span class="badge ok">ready to submit</span>' in content  # the complete draft
    assert reverse("pilots:register", args=[unfinished.reference, "review"]) in content


def test_home_shows_the_review_section_to_a_lead(client, proposed, lead):
    client.force_login(lead)
    response = client.get(HOME)
    content = response.content.decode()
    assert "Gates to decide" in content
    assert "1 proposed pilot waiting for a portfolio lead." in content
    assert f"{reverse('pilots:detail', args=[proposed.reference])}#decision" in content


def test_home_review_section_is_only_for_leads(client, proposed, sponsor):
    client.force_login(sponsor)
    assert "Gates to decide" not in client.get(HOME).content.decode()


def test_home_outsider_sees_the_empty_state(client, running, outsider):
    client.force_login(outsider)
    response = client.get(HOME)
    assert response.status_code == 200
    assert shows(response, "Nothing is waiting for you")
    assert running.reference not in response.content.decode()


def test_home_shows_a_due_reading_to_the_owner(client, running, owner):
    client.force_login(owner)
    content = client.get(HOME).content.decode()
    assert "Readings due" in content
    assert "no reading yet" in content


@pytest.mark.parametrize("n", [1, 12])
def test_home_query_count_for_a_sponsor_does_not_grow(
    client, sponsor, n, django_assert_num_queries
):
    fill_portfolio(sponsor, n)
    client.force_login(sponsor)
    # session, user, groups, the drafts and their metrics and checklists, then one query
    # per agenda list: nominations, readings due, tasks due, tasks to confirm, to start, to
    # close, to accept, and the unread reminders (the header's inbox badge)
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(15):
        response = client.get(HOME)
    assert response.content.decode().count("ready to submit") == min(n, AGENDA_LIMIT)


@pytest.mark.parametrize("n", [1, 12])
def test_home_query_count_for_a_nominee_does_not_grow(
    client, sponsor, owner, n, django_assert_num_queries
):
    for _ in range(n):
        factories.complete_registration(factories.PilotFactory(sponsor=sponsor), owner=owner)
    client.force_login(owner)
    # session, user, groups, then one query per agenda list: drafts, nominations, readings
    # due, tasks due, tasks to confirm, to start, to close, to accept, and the unread
    # reminders (inbox badge)
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(13):
        response = client.get(HOME)
    assert response.content.decode().count("#nomination") == min(n, AGENDA_LIMIT)


@pytest.mark.parametrize("n", [1, AGENDA_LIMIT, 12])
def test_home_query_count_for_a_lead_does_not_grow(
    client, sponsor, lead, n, django_assert_num_queries
):
    for i in range(n):
        proposed_pilot(sponsor, factories.UserFactory(username=f"owner{i}"))
    client.force_login(lead)
    # session, user, groups, then one query per agenda list: drafts, nominations, readings
    # due, tasks due, tasks to confirm, to review, to start, to close, to accept, the
    # queue's total, and the unread reminders (the header's inbox badge).
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(15):
        response = client.get(HOME)
    assert f"{n} proposed pilot" in response.content.decode()


def test_home_offers_a_lead_only_the_final_decisions_they_may_take(
    client, running, lead, time_machine
):
    time_machine.move_to(
        datetime.combine(running.planned_end + timedelta(days=3), datetime.min.time(), UTC)
    )
    client.force_login(lead)
    assert "decision overdue" in client.get(HOME).content.decode()

    running.sponsor = lead  # now the lead's own pilot: an independent lead decides
    running.save(update_fields=["sponsor"])
    assert "decision overdue" not in client.get(HOME).content.decode()
