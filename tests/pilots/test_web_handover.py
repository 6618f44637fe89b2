"""The handover plan on the web: tasks, completing and reopening, reordering."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from pilots.enums import TaskStatus
from pilots.models import KnowledgeTransferTask, Pilot, PilotEvent
from tests import factories
from tests.pilots.handover_pages import (
    pilot_url,
    shows,
    task_data,
)


@pytest.fixture(autouse=True)
def _today(time_machine):
    """Inside the fixtures' pilot dates, for every fixture and request."""
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


# --- Tasks: the handover plan --------------------------------------------------------------


def test_task_owner_creates_one(client, running, owner, member):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:task_new", args=[running.reference]), task_data(assignee=member.username)
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
        task_data(assignee=member.username, title="Last"),
    )
    assert KnowledgeTransferTask.objects.get(title="Last").position == 5


def test_task_assignee_must_be_someone_on_the_pilot(client, running, owner, outsider):
    client.force_login(owner)
    page = client.get(reverse("pilots:task_new", args=[running.reference])).content.decode()
    # A type-ahead over the pilot's people, not a list of everyone.
    people_url = f"{reverse('pilots:people')}?pilot={running.reference}"
    assert '<input type="text" name="assignee" autocomplete="off"' in page
    assert f'data-people-url="{escape(people_url)}"' in page
    assert '<select name="assignee"' not in page
    response = client.post(
        reverse("pilots:task_new", args=[running.reference]), task_data(assignee=outsider.username)
    )
    assert response.status_code == 200
    assert shows(response, "Nobody active here matches “outsider”.")
    assert not KnowledgeTransferTask.objects.exists()


def test_task_without_a_receiver_is_refused(client, running, owner, member):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:task_new", args=[running.reference]),
        task_data(assignee=member.username, receiver="", receiver_team=""),
    )
    assert response.status_code == 200
    assert shows(response, "Name who receives the knowledge: a person or a team.")
    assert not KnowledgeTransferTask.objects.exists()


def test_task_a_person_alone_is_enough_as_receiver(client, running, owner, member, ops):
    client.force_login(owner)
    client.post(
        reverse("pilots:task_new", args=[running.reference]),
        task_data(assignee=member.username, receiver=ops.username, receiver_team=""),
    )
    task = KnowledgeTransferTask.objects.get()
    assert (task.receiver, task.receiver_team) == (ops, "")


@pytest.mark.parametrize("role", ["member", "ops", "lead"])
def test_task_new_by_someone_who_does_not_plan_is_403(client, running, member, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("pilots:task_new", args=[running.reference]), task_data(assignee=member.username)
    )
    assert response.status_code == 403
    assert shows(response, "Only the business owner or the sponsor plans the handover.")
    assert not KnowledgeTransferTask.objects.exists()


def test_task_sponsor_may_plan_the_handover(client, running, sponsor, member):
    client.force_login(sponsor)
    client.post(
        reverse("pilots:task_new", args=[running.reference]), task_data(assignee=member.username)
    )
    assert KnowledgeTransferTask.objects.filter(pilot=running, assignee=member).exists()


def test_task_owner_edits_one(client, running, owner, member):
    task = factories.TaskFactory(pilot=running, assignee=member, title="Old title")
    client.force_login(owner)
    response = client.post(
        reverse("pilots:task_edit", args=[running.reference, task.pk]),
        task_data(assignee=member.username, title="New title"),
    )
    assert response.status_code == 302
    assert KnowledgeTransferTask.objects.get(pk=task.pk).title == "New title"
    assert running.events.filter(action=PilotEvent.Action.TASK_CHANGED).exists()


def test_task_edit_with_an_invalid_form_writes_nothing(client, running, owner, member):
    task = factories.TaskFactory(pilot=running, assignee=member, title="Old title")
    client.force_login(owner)
    response = client.post(
        reverse("pilots:task_edit", args=[running.reference, task.pk]),
        task_data(assignee=member.username, title=""),
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


def test_task_complete_with_evidence_waits_for_the_receiver(client, running, owner, member):
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
        TaskStatus.WAITING,
        "https://wiki.example.com/runbook",
        owner,
    )
    assert stored.completed_at is not None
    assert stored.confirmed_at is None
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
    assert (stored.status, stored.completed_by) == (TaskStatus.WAITING, member)


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


def test_task_complete_twice_reports_it_is_waiting(client, running, owner, member):
    task = factories.TaskFactory(
        pilot=running, assignee=member, evidence_url="https://wiki.example.com/a"
    )
    client.force_login(owner)
    url = reverse("pilots:task_complete", args=[running.reference, task.pk])
    client.post(url, {"evidence_url": ""})  # the stored link is enough
    response = client.post(url, {"evidence_url": ""})
    assert response.status_code == 200
    assert shows(response, "This task is already waiting for its receiver's confirmation.")


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
        client.post(reverse("pilots:task_new", args=[ref]), task_data(assignee=outsider.username)),
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
