"""Readings on the pilot page (plain and htmx) and the handover plan's tasks."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from pilots.enums import ReadingSource, TaskKind, TaskStatus
from pilots.models import KnowledgeTransferTask, Metric, MetricReading, Pilot, PilotEvent
from tests import factories

TODAY = date(2026, 3, 1)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _today(time_machine):
    """Inside the fixtures' pilot dates, for every fixture and request."""
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


@pytest.fixture
def metric(running) -> Metric:
    return running.metrics.get()


@pytest.fixture
def member2(running):
    user = factories.UserFactory(username="member2")
    factories.add_member(running, user)
    return user


def shows(response, message: str) -> bool:
    return escape(message) in response.content.decode()


def pilot_url(pilot: Pilot, anchor: str) -> str:
    return reverse("pilots:detail", args=[pilot.reference]) + f"#{anchor}"


def reading_data(metric: Metric, **fields: str) -> dict[str, str]:
    values = {"observed_on": "2026-02-20", "value": "33.5", "note": "From the warehouse", **fields}
    return {f"m{metric.pk}-{name}": value for name, value in values.items()}


def reading_by(metric: Metric, user, day: date = date(2026, 2, 1), value: str = "12"):
    return MetricReading.objects.create(
        metric=metric,
        observed_on=day,
        value=Decimal(value),
        recorded_by=user,
        source=ReadingSource.WEB,
    )


def task_data(**fields) -> dict[str, str]:
    return {
        "title": "Walk the service desk through the runbook",
        "kind": TaskKind.RUNBOOK,
        "assignee": "",
        "receiver": "",
        "receiver_team": "Service desk",
        "due_on": "2026-06-01",
        "evidence_url": "",
        **{name: str(value) for name, value in fields.items()},
    }


# --- Recording a reading ------------------------------------------------------------------


def test_reading_owner_records_one_and_is_redirected(client, running, metric, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]), reading_data(metric)
    )
    assert response.status_code == 302
    assert response["Location"] == pilot_url(running, f"metric-{metric.pk}")
    reading = MetricReading.objects.get(metric=metric)
    assert (reading.observed_on, reading.value, reading.note, reading.recorded_by) == (
        date(2026, 2, 20),
        Decimal("33.5"),
        "From the warehouse",
        owner,
    )
    assert reading.source == ReadingSource.WEB
    event = running.events.get(action=PilotEvent.Action.READING_RECORDED)
    assert event.changes == {"value": [None, "33.5"]}


def test_reading_with_htmx_returns_the_metric_card_only(client, running, metric, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]),
        reading_data(metric),
        **HTMX,
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert content.lstrip().startswith(f'<article class="metric-card" id="metric-{metric.pk}"')
    assert '<td data-label="Date">20 Feb 2026</td><td data-label="Value">33.5</td>' in content
    assert "Reading of 33.5 on 20 Feb 2026 saved." in content
    assert 'id="primary-chart" hx-swap-oob="true"' in content  # the chart is redrawn too
    assert MetricReading.objects.filter(metric=metric, value=Decimal("33.5")).exists()


def test_reading_recording_the_same_day_again_updates_it(client, running, metric, owner):
    client.force_login(owner)
    url = reverse("pilots:reading_new", args=[running.reference, metric.pk])
    client.post(url, reading_data(metric, value="20"))
    client.post(url, reading_data(metric, value="21"))
    assert list(MetricReading.objects.values_list("observed_on", "value")) == [
        (date(2026, 2, 20), Decimal("21"))
    ]


def test_reading_dated_in_the_future_is_refused(client, running, metric, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]),
        reading_data(metric, observed_on="2026-03-02"),
    )
    assert response.status_code == 200
    assert "<html" in response.content.decode()  # the whole pilot page, with the error
    assert shows(response, "A reading cannot be dated in the future.")
    assert not MetricReading.objects.exists()
    assert not running.events.filter(action=PilotEvent.Action.READING_RECORDED).exists()


def test_reading_dated_today_is_accepted(client, running, metric, owner):
    client.force_login(owner)
    client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]),
        reading_data(metric, observed_on=TODAY.isoformat()),
    )
    assert MetricReading.objects.get(metric=metric).observed_on == TODAY


def test_reading_in_the_future_with_htmx_returns_the_card_with_the_error(
    client, running, metric, owner
):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]),
        reading_data(metric, observed_on="2026-03-02"),
        **HTMX,
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert shows(response, "A reading cannot be dated in the future.")
    assert "hx-swap-oob" not in response.content.decode()
    assert not MetricReading.objects.exists()


def test_reading_with_an_invalid_value_rerenders_and_writes_nothing(client, running, metric, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]),
        reading_data(metric, value="lots"),
    )
    assert response.status_code == 200
    assert shows(response, "Enter a number.")
    assert 'value="lots"' in response.content.decode()  # the typed value is kept
    assert not MetricReading.objects.exists()
    assert not running.events.filter(action=PilotEvent.Action.READING_RECORDED).exists()


def test_reading_member_may_record(client, running, metric, member):
    client.force_login(member)
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]), reading_data(metric)
    )
    assert response.status_code == 302
    assert MetricReading.objects.get(metric=metric).recorded_by == member


@pytest.mark.parametrize("role", ["sponsor", "ops", "lead"])
def test_reading_by_someone_who_does_not_record_is_403(client, running, metric, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]), reading_data(metric)
    )
    assert response.status_code == 403
    assert shows(response, "Only the pilot's business owner and team record readings.")
    assert not MetricReading.objects.exists()


def test_reading_before_approval_is_403(client, draft, member):
    metric = draft.metrics.get()
    client.force_login(member)
    response = client.post(
        reverse("pilots:reading_new", args=[draft.reference, metric.pk]), reading_data(metric)
    )
    assert response.status_code == 403
    assert not MetricReading.objects.exists()


def test_reading_on_another_pilots_metric_is_404(client, running, owner):
    other = factories.MetricFactory()
    client.force_login(owner)
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, other.pk]), reading_data(other)
    )
    assert response.status_code == 404
    assert not MetricReading.objects.exists()


# --- Correcting and deleting readings -----------------------------------------------------


def test_reading_member_corrects_their_own(client, running, metric, member):
    reading = reading_by(metric, member)
    client.force_login(member)
    response = client.post(
        reverse("pilots:reading_edit", args=[running.reference, reading.pk]),
        {"value": "14", "note": "Late invoices added"},
    )
    assert response.status_code == 302
    assert response["Location"] == pilot_url(running, f"metric-{metric.pk}")
    reading.refresh_from_db()
    assert (reading.value, reading.note, reading.observed_on) == (
        Decimal("14"),
        "Late invoices added",
        date(2026, 2, 1),
    )
    event = running.events.get(action=PilotEvent.Action.READING_RECORDED)
    assert event.changes == {"value": ["12", "14"]}


def test_reading_edit_with_an_invalid_value_writes_nothing(client, running, metric, member):
    reading = reading_by(metric, member)
    client.force_login(member)
    response = client.post(
        reverse("pilots:reading_edit", args=[running.reference, reading.pk]), {"value": ""}
    )
    assert response.status_code == 200
    assert shows(response, "This field is required.")
    assert MetricReading.objects.get(pk=reading.pk).value == Decimal("12")


def test_reading_member_deletes_their_own(client, running, metric, member):
    reading = reading_by(metric, member)
    client.force_login(member)
    assert (
        client.get(
            reverse("pilots:reading_delete", args=[running.reference, reading.pk])
        ).status_code
        == 200
    )
    response = client.post(reverse("pilots:reading_delete", args=[running.reference, reading.pk]))
    assert response["Location"] == pilot_url(running, f"metric-{metric.pk}")
    assert not MetricReading.objects.filter(pk=reading.pk).exists()
    assert running.events.filter(action=PilotEvent.Action.READING_DELETED, actor=member).exists()


def test_reading_member_cannot_change_the_owners_reading(client, running, metric, owner, member):
    reading = reading_by(metric, owner)
    client.force_login(member)
    edit = reverse("pilots:reading_edit", args=[running.reference, reading.pk])
    delete = reverse("pilots:reading_delete", args=[running.reference, reading.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"value": "99"}).status_code == 403
    assert client.post(delete).status_code == 403
    assert MetricReading.objects.get(pk=reading.pk).value == Decimal("12")


def test_reading_member_cannot_change_another_members_reading(
    client, running, metric, member, member2
):
    reading = reading_by(metric, member2)
    client.force_login(member)
    response = client.post(reverse("pilots:reading_delete", args=[running.reference, reading.pk]))
    assert response.status_code == 403
    assert MetricReading.objects.filter(pk=reading.pk).exists()


def test_reading_owner_corrects_and_deletes_any_reading(client, running, metric, owner, member):
    first = reading_by(metric, member, date(2026, 2, 1))
    second = reading_by(metric, member, date(2026, 2, 8))
    client.force_login(owner)

    client.post(reverse("pilots:reading_edit", args=[running.reference, first.pk]), {"value": "15"})
    client.post(reverse("pilots:reading_delete", args=[running.reference, second.pk]))

    assert list(MetricReading.objects.values_list("pk", "value")) == [(first.pk, Decimal("15"))]


def test_reading_page_shows_edit_links_only_where_allowed(client, running, metric, owner, member):
    own = reading_by(metric, member, date(2026, 2, 1))
    owners = reading_by(metric, owner, date(2026, 2, 8))
    client.force_login(member)
    content = client.get(reverse("pilots:detail", args=[running.reference])).content.decode()
    assert reverse("pilots:reading_edit", args=[running.reference, own.pk]) in content
    assert reverse("pilots:reading_edit", args=[running.reference, owners.pk]) not in content


def test_reading_pages_outsider_gets_404(client, running, metric, owner, outsider):
    reading = reading_by(metric, owner)
    client.force_login(outsider)
    responses = [
        client.post(
            reverse("pilots:reading_new", args=[running.reference, metric.pk]),
            reading_data(metric),
        ),
        client.get(reverse("pilots:reading_edit", args=[running.reference, reading.pk])),
        client.post(
            reverse("pilots:reading_edit", args=[running.reference, reading.pk]), {"value": "1"}
        ),
        client.post(reverse("pilots:reading_delete", args=[running.reference, reading.pk])),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert list(MetricReading.objects.values_list("value", flat=True)) == [Decimal("12")]


def test_reading_of_another_pilot_is_404(client, running, owner):
    elsewhere = factories.ReadingFactory()
    client.force_login(owner)
    response = client.post(reverse("pilots:reading_delete", args=[running.reference, elsewhere.pk]))
    assert response.status_code == 404
    assert MetricReading.objects.filter(pk=elsewhere.pk).exists()


# --- Tasks: the handover plan --------------------------------------------------------------


def test_task_owner_creates_one(client, running, owner, member):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:task_new", args=[running.reference]), task_data(assignee=member.pk)
    )
    assert response.status_code == 302
    assert response["Location"] == pilot_url(running, "handover")
    task = KnowledgeTransferTask.objects.get(pilot=running)
    assert (task.title, task.assignee, task.receiver_team, task.due_on, task.status) == (
        "Walk the service desk through the runbook",
        member,
        "Service desk",
        date(2026, 6, 1),
        TaskStatus.TODO,
    )
    assert task.position == 1
    assert running.events.filter(action=PilotEvent.Action.TASK_ADDED, actor=owner).exists()


def test_task_new_appends_at_the_end_of_the_plan(client, running, owner, member):
    factories.TaskFactory(pilot=running, assignee=member, position=4)
    client.force_login(owner)
    client.post(
        reverse("pilots:task_new", args=[running.reference]),
        task_data(assignee=member.pk, title="Last"),
    )
    assert KnowledgeTransferTask.objects.get(title="Last").position == 5


def test_task_assignee_must_be_someone_on_the_pilot(client, running, owner, outsider):
    client.force_login(owner)
    page = client.get(reverse("pilots:task_new", args=[running.reference])).content.decode()
    assignee = re.search(r'<select name="assignee".*?</select>', page, re.S).group()
    assert f'<option value="{owner.pk}">' in assignee
    assert f'<option value="{outsider.pk}">' not in assignee
    response = client.post(
        reverse("pilots:task_new", args=[running.reference]), task_data(assignee=outsider.pk)
    )
    assert response.status_code == 200
    assert shows(response, "Select a valid choice.")
    assert not KnowledgeTransferTask.objects.exists()


def test_task_without_a_receiver_is_refused(client, running, owner, member):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:task_new", args=[running.reference]),
        task_data(assignee=member.pk, receiver="", receiver_team=""),
    )
    assert response.status_code == 200
    assert shows(response, "Name who receives the knowledge: a person or a team.")
    assert not KnowledgeTransferTask.objects.exists()


def test_task_a_person_alone_is_enough_as_receiver(client, running, owner, member, ops):
    client.force_login(owner)
    client.post(
        reverse("pilots:task_new", args=[running.reference]),
        task_data(assignee=member.pk, receiver=ops.pk, receiver_team=""),
    )
    task = KnowledgeTransferTask.objects.get()
    assert (task.receiver, task.receiver_team) == (ops, "")


@pytest.mark.parametrize("role", ["member", "ops", "lead"])
def test_task_new_by_someone_who_does_not_plan_is_403(client, running, member, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("pilots:task_new", args=[running.reference]), task_data(assignee=member.pk)
    )
    assert response.status_code == 403
    assert shows(response, "Only the business owner or the sponsor plans the handover.")
    assert not KnowledgeTransferTask.objects.exists()


def test_task_sponsor_may_plan_the_handover(client, running, sponsor, member):
    client.force_login(sponsor)
    client.post(reverse("pilots:task_new", args=[running.reference]), task_data(assignee=member.pk))
    assert KnowledgeTransferTask.objects.filter(pilot=running, assignee=member).exists()


def test_task_owner_edits_one(client, running, owner, member):
    task = factories.TaskFactory(pilot=running, assignee=member, title="Old title")
    client.force_login(owner)
    response = client.post(
        reverse("pilots:task_edit", args=[running.reference, task.pk]),
        task_data(assignee=member.pk, title="New title"),
    )
    assert response.status_code == 302
    assert KnowledgeTransferTask.objects.get(pk=task.pk).title == "New title"
    assert running.events.filter(action=PilotEvent.Action.TASK_CHANGED).exists()


def test_task_edit_with_an_invalid_form_writes_nothing(client, running, owner, member):
    task = factories.TaskFactory(pilot=running, assignee=member, title="Old title")
    client.force_login(owner)
    response = client.post(
        reverse("pilots:task_edit", args=[running.reference, task.pk]),
        task_data(assignee=member.pk, title=""),
    )
    assert response.status_code == 200
    assert shows(response, "This field is required.")
    assert KnowledgeTransferTask.objects.get(pk=task.pk).title == "Old title"


# --- Completing and reopening --------------------------------------------------------------


def test_task_complete_without_evidence_is_refused(client, running, owner, member):
    task = factories.TaskFactory(pilot=running, assignee=member)
    client.force_login(owner)
    response = client.post(
        reverse("pilots:task_complete", args=[running.reference, task.pk]), {"evidence_url": ""}
    )
    assert response.status_code == 200
    assert shows(response, "Link the evidence (runbook, recording, rota…) to complete the task.")
    stored = KnowledgeTransferTask.objects.get(pk=task.pk)
    assert (stored.status, stored.completed_at) == (TaskStatus.TODO, None)


def test_task_complete_with_an_invalid_link_is_refused(client, running, owner, member):
    task = factories.TaskFactory(pilot=running, assignee=member)
    client.force_login(owner)
    response = client.post(
        reverse("pilots:task_complete", args=[running.reference, task.pk]),
        {"evidence_url": "not a link"},
    )
    assert shows(response, "Enter a valid URL.")
    assert KnowledgeTransferTask.objects.get(pk=task.pk).status == TaskStatus.TODO


def test_task_complete_with_evidence_marks_it_done(client, running, owner, member):
    task = factories.TaskFactory(pilot=running, assignee=member)
    client.force_login(owner)
    response = client.post(
        reverse("pilots:task_complete", args=[running.reference, task.pk]),
        {"evidence_url": "https://wiki.example.com/runbook"},
    )
    assert response.status_code == 302
    assert response["Location"] == pilot_url(running, "handover")
    stored = KnowledgeTransferTask.objects.get(pk=task.pk)
    assert (stored.status, stored.evidence_url, stored.completed_by) == (
        TaskStatus.DONE,
        "https://wiki.example.com/runbook",
        owner,
    )
    assert stored.completed_at is not None
    assert running.events.filter(action=PilotEvent.Action.TASK_COMPLETED).exists()


def test_task_assignee_member_may_complete_their_task(client, running, member):
    task = factories.TaskFactory(pilot=running, assignee=member)
    client.force_login(member)
    assert (
        client.get(reverse("pilots:task_complete", args=[running.reference, task.pk])).status_code
        == 200
    )
    client.post(
        reverse("pilots:task_complete", args=[running.reference, task.pk]),
        {"evidence_url": "https://wiki.example.com/recording"},
    )
    stored = KnowledgeTransferTask.objects.get(pk=task.pk)
    assert (stored.status, stored.completed_by) == (TaskStatus.DONE, member)


@pytest.mark.parametrize("role", ["member2", "sponsor", "ops"])
def test_task_complete_by_someone_else_is_403(client, running, member, request, role):
    task = factories.TaskFactory(pilot=running, assignee=member)
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("pilots:task_complete", args=[running.reference, task.pk]),
        {"evidence_url": "https://wiki.example.com/runbook"},
    )
    assert response.status_code == 403
    assert shows(response, "Only the task's assignee or the business owner may complete it.")
    assert KnowledgeTransferTask.objects.get(pk=task.pk).status == TaskStatus.TODO


def test_task_complete_twice_reports_it_is_done(client, running, owner, member):
    task = factories.TaskFactory(
        pilot=running, assignee=member, evidence_url="https://wiki.example.com/a"
    )
    client.force_login(owner)
    url = reverse("pilots:task_complete", args=[running.reference, task.pk])
    client.post(url, {"evidence_url": ""})  # the stored link is enough
    response = client.post(url, {"evidence_url": ""})
    assert response.status_code == 200
    assert shows(response, "This task is already done.")


def test_task_reopen_puts_it_back_in_progress(client, running, owner, member):
    task = factories.TaskFactory(pilot=running, assignee=member)
    client.force_login(owner)
    client.post(
        reverse("pilots:task_complete", args=[running.reference, task.pk]),
        {"evidence_url": "https://wiki.example.com/runbook"},
    )
    response = client.post(reverse("pilots:task_reopen", args=[running.reference, task.pk]))
    assert response["Location"] == pilot_url(running, "handover")
    stored = KnowledgeTransferTask.objects.get(pk=task.pk)
    assert (stored.status, stored.completed_at, stored.completed_by) == (
        TaskStatus.IN_PROGRESS,
        None,
        None,
    )


def test_task_reopen_by_the_assignee_is_403(client, running, member):
    task = factories.TaskFactory(pilot=running, assignee=member)
    client.force_login(member)
    response = client.post(reverse("pilots:task_reopen", args=[running.reference, task.pk]))
    assert response.status_code == 403


# --- Reordering -----------------------------------------------------------------------------


@pytest.fixture
def plan(running, member) -> list[KnowledgeTransferTask]:
    return [
        factories.TaskFactory(pilot=running, assignee=member, title=title, position=i)
        for i, title in enumerate(["Docs", "Runbook", "Rota"], start=1)
    ]


def plan_order(pilot: Pilot) -> list[str]:
    return list(pilot.tasks.order_by("position").values_list("title", flat=True))


def test_task_move_up_swaps_with_the_one_above(client, running, owner, plan):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:task_move", args=[running.reference, plan[2].pk]), {"direction": "up"}
    )
    assert response["Location"] == pilot_url(running, "handover")
    assert plan_order(running) == ["Docs", "Rota", "Runbook"]
    assert list(running.tasks.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
        3,
    ]
    assert running.events.filter(action=PilotEvent.Action.TASK_REORDERED).exists()


def test_task_move_down_swaps_with_the_one_below(client, running, owner, plan):
    client.force_login(owner)
    client.post(
        reverse("pilots:task_move", args=[running.reference, plan[0].pk]), {"direction": "down"}
    )
    assert plan_order(running) == ["Runbook", "Docs", "Rota"]


def test_task_move_past_the_ends_changes_nothing(client, running, owner, plan):
    client.force_login(owner)
    client.post(
        reverse("pilots:task_move", args=[running.reference, plan[0].pk]), {"direction": "up"}
    )
    client.post(
        reverse("pilots:task_move", args=[running.reference, plan[2].pk]), {"direction": "down"}
    )
    assert plan_order(running) == ["Docs", "Runbook", "Rota"]
    assert not running.events.filter(action=PilotEvent.Action.TASK_REORDERED).exists()


def test_task_move_without_a_direction_changes_nothing(client, running, owner, plan):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:task_move", args=[running.reference, plan[1].pk]),
        {"direction": "sideways"},
        follow=True,
    )
    assert shows(response, "Choose to move the task up or down.")
    assert plan_order(running) == ["Docs", "Runbook", "Rota"]


def test_task_move_by_a_member_is_403(client, running, member, plan):
    client.force_login(member)
    response = client.post(
        reverse("pilots:task_move", args=[running.reference, plan[2].pk]), {"direction": "up"}
    )
    assert response.status_code == 403
    assert plan_order(running) == ["Docs", "Runbook", "Rota"]


def test_task_pages_outsider_gets_404(client, running, outsider, plan):
    task = plan[1]
    ref = running.reference
    client.force_login(outsider)
    responses = [
        client.get(reverse("pilots:task_new", args=[ref])),
        client.post(reverse("pilots:task_new", args=[ref]), task_data(assignee=outsider.pk)),
        client.get(reverse("pilots:task_edit", args=[ref, task.pk])),
        client.post(reverse("pilots:task_edit", args=[ref, task.pk]), task_data(title="X")),
        client.post(
            reverse("pilots:task_complete", args=[ref, task.pk]),
            {"evidence_url": "https://example.com/x"},
        ),
        client.post(reverse("pilots:task_reopen", args=[ref, task.pk])),
        client.post(reverse("pilots:task_move", args=[ref, task.pk]), {"direction": "up"}),
    ]
    assert [r.status_code for r in responses] == [404] * 7
    assert plan_order(running) == ["Docs", "Runbook", "Rota"]
    assert set(running.tasks.values_list("status", flat=True)) == {TaskStatus.TODO}


def test_task_of_another_pilot_is_404(client, running, owner):
    elsewhere = factories.TaskFactory()
    client.force_login(owner)
    response = client.post(
        reverse("pilots:task_complete", args=[running.reference, elsewhere.pk]),
        {"evidence_url": "https://example.com/x"},
    )
    assert response.status_code == 404
    assert KnowledgeTransferTask.objects.get(pk=elsewhere.pk).status == TaskStatus.TODO
