"""The receiving side signs off a knowledge-transfer task (issue 15, item 7): the giver
completes it with evidence, it waits, its receiver confirms (done) or declines (to do)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from pilots.enums import ReminderKind, TaskStatus
from pilots.errors import NotAllowed, TransitionRefused
from pilots.models import KnowledgeTransferTask, PilotEvent
from pilots.permissions import GIVER_CANNOT_CONFIRM
from pilots.reminders.sweep import reminders_sweep
from pilots.selectors.agenda import agenda_for
from pilots.services import handover
from tests import factories
from tests.pilots.handover_pages import pilot_url, shows
from tests.pilots.reminder_helpers import due

EVIDENCE = "https://wiki.example.com/runbook"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


@pytest.fixture
def waiting(running, member):
    """A task given by the member to the receiving team (the pilot's operations owner, ops)."""
    task = factories.TaskFactory(pilot=running, assignee=member, title="Runbook walkthrough")
    handover.task_complete(task=task, by=member, evidence_url=EVIDENCE)
    task.refresh_from_db()
    return task


def stored(task: KnowledgeTransferTask) -> KnowledgeTransferTask:
    return KnowledgeTransferTask.objects.get(pk=task.pk)


# --- Model -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_done_task_needs_its_confirmation_and_only_a_done_one_has_it():
    done_unconfirmed = {
        "status": TaskStatus.DONE,
        "evidence_url": EVIDENCE,
        "completed_at": timezone.now(),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.TaskFactory(**done_unconfirmed)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.TaskFactory(
            status=TaskStatus.WAITING,
            evidence_url=EVIDENCE,
            completed_at=timezone.now(),
            confirmed_at=timezone.now(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.TaskFactory(status=TaskStatus.WAITING, evidence_url="", completed_at=None)
    factories.TaskFactory(**done_unconfirmed, confirmed_at=timezone.now())


# --- Services --------------------------------------------------------------------------------


def test_complete_waits_for_the_receiver_then_confirm_makes_it_done(waiting, member, ops):
    assert (waiting.status, waiting.completed_by, waiting.confirmed_at) == (
        TaskStatus.WAITING,
        member,
        None,
    )
    handover.task_confirm(task=waiting, by=ops)

    task = stored(waiting)
    assert (task.status, task.confirmed_by) == (TaskStatus.DONE, ops)
    assert task.confirmed_at is not None
    event = waiting.pilot.events.get(action=PilotEvent.Action.TASK_CONFIRMED)
    assert (event.actor, event.subject, event.changes["status"]) == (
        ops,
        "Runbook walkthrough",
        ["waiting", "done"],
    )


def test_decline_sends_it_back_to_the_giver_with_the_reason(waiting, member, ops):
    handover.task_decline(task=waiting, by=ops, reason="  The failover is not covered. ")

    task = stored(waiting)
    assert (task.status, task.completed_at, task.completed_by) == (TaskStatus.TODO, None, None)
    assert (task.decline_reason, task.declined_by) == ("The failover is not covered.", ops)
    event = waiting.pilot.events.get(action=PilotEvent.Action.TASK_DECLINED)
    assert (event.actor, event.reason) == (ops, "The failover is not covered.")
    # Completed again, it waits again and the old decline is cleared.
    handover.task_complete(task=task, by=member, evidence_url=EVIDENCE)
    again = stored(task)
    assert (again.status, again.decline_reason, again.declined_by) == (
        TaskStatus.WAITING,
        "",
        None,
    )


def test_decline_without_a_reason_changes_nothing(waiting, ops):
    with pytest.raises(ValidationError) as error:
        handover.task_decline(task=waiting, by=ops, reason="  ")
    assert error.value.message_dict == {
        "reason": ["Say what is missing, so the giver knows what to hand over."]
    }
    assert stored(waiting).status == TaskStatus.WAITING


@pytest.mark.parametrize("who", ["member", "owner"])
def test_the_giver_cannot_confirm_their_own_task(running, member, owner, ops, who, request):
    """The assignee, or the business owner who completed it for them: the rule is named."""
    running.operations_owner = request.getfixturevalue(who)
    running.save()
    task = factories.TaskFactory(pilot=running, assignee=member)
    handover.task_complete(task=task, by=owner, evidence_url=EVIDENCE)
    with pytest.raises(NotAllowed) as refused:
        handover.task_confirm(task=task, by=request.getfixturevalue(who))
    assert str(refused.value) == GIVER_CANNOT_CONFIRM
    assert stored(task).status == TaskStatus.WAITING


@pytest.mark.parametrize("who", ["sponsor", "owner", "lead", "outsider"])
def test_only_the_receiver_confirms(waiting, who, request):
    with pytest.raises(NotAllowed) as refused:
        handover.task_decline(task=waiting, by=request.getfixturevalue(who), reason="No.")
    assert "operations owner" in str(refused.value)
    assert stored(waiting).status == TaskStatus.WAITING


def test_a_named_receiver_confirms_and_the_operations_owner_does_not(running, member, ops, owner):
    task = factories.TaskFactory(pilot=running, assignee=member, receiver=owner)
    handover.task_complete(task=task, by=member, evidence_url=EVIDENCE)
    with pytest.raises(NotAllowed, match="Only the task's receiver"):
        handover.task_confirm(task=task, by=ops)
    handover.task_confirm(task=task, by=owner)
    assert stored(task).status == TaskStatus.DONE


def test_without_an_operations_owner_a_lead_confirms_for_the_team(running, member, lead, sponsor):
    running.operations_owner = None
    running.receiving_team = "Service desk"
    running.save()
    task = factories.TaskFactory(pilot=running, assignee=member)
    handover.task_complete(task=task, by=member, evidence_url=EVIDENCE)
    with pytest.raises(NotAllowed, match="a portfolio lead confirms"):
        handover.task_confirm(task=task, by=sponsor)
    handover.task_confirm(task=task, by=lead)
    assert stored(task).status == TaskStatus.DONE


def test_only_a_waiting_task_is_confirmed_or_declined(running, member, ops):
    task = factories.TaskFactory(pilot=running, assignee=member, title="Rota")
    with pytest.raises(TransitionRefused) as refused:
        handover.task_confirm(task=task, by=ops)
    assert [i.code for i in refused.value.missing] == ["task_not_waiting"]
    assert "“Rota” is to do, not waiting for confirmation" in str(refused.value)


def test_complete_twice_and_the_receiver_named_must_be_someone_else_on_the_pilot(
    waiting, running, member, owner, outsider
):
    with pytest.raises(ValidationError, match="already waiting"):
        handover.task_complete(task=waiting, by=member)
    for receiver, message in (
        (member, "The receiver confirms the giver's work: name someone else."),
        (outsider, "Name a receiver on the pilot"),
    ):
        with pytest.raises(ValidationError) as error:
            handover.task_update(task=waiting, by=owner, receiver=receiver)
        assert message in error.value.message_dict["receiver"][0]


def test_reopen_clears_the_confirmation(waiting, ops, owner):
    handover.task_confirm(task=waiting, by=ops)
    handover.task_reopen(task=stored(waiting), by=owner)
    task = stored(waiting)
    assert (task.status, task.confirmed_at, task.confirmed_by) == (
        TaskStatus.IN_PROGRESS,
        None,
        None,
    )


# --- Reminder --------------------------------------------------------------------------------


def test_the_receiver_is_reminded_after_more_than_the_unconfirmed_days(waiting, running, owner):
    """Completed on 1 Mar: due on the 5th (3 days), to ops (the operations owner)."""
    assert due(date(2026, 3, 4), ReminderKind.TASK_UNCONFIRMED) == set()
    assert due(date(2026, 3, 5), ReminderKind.TASK_UNCONFIRMED) == {"ops"}
    # A receiver named in person is reminded instead.
    handover.task_update(task=waiting, by=owner, receiver=owner)
    assert due(date(2026, 3, 5), ReminderKind.TASK_UNCONFIRMED) == {"owner"}


def test_the_reminder_stops_once_confirmed_and_is_recorded_once_a_week(waiting, ops):
    first = reminders_sweep(day=date(2026, 3, 5), deliver="inline")
    again = reminders_sweep(day=date(2026, 3, 6), deliver="inline")
    kinds = [n.kind for n in first.new if n.kind == ReminderKind.TASK_UNCONFIRMED]
    assert kinds == [ReminderKind.TASK_UNCONFIRMED]
    assert [n for n in again.new if n.kind == ReminderKind.TASK_UNCONFIRMED] == []
    (item,) = [n for n in first.new if n.kind == ReminderKind.TASK_UNCONFIRMED]
    assert "waits for your confirmation; “Runbook walkthrough” was completed 4 days ago" in (
        item.reason
    )
    handover.task_confirm(task=waiting, by=ops)
    assert due(date(2026, 3, 5), ReminderKind.TASK_UNCONFIRMED) == set()


def test_no_reminder_to_a_lead_who_is_also_the_giver(running, member, lead):
    running.operations_owner = None
    running.receiving_team = "Service desk"
    running.save()
    factories.add_member(running, lead)
    task = factories.TaskFactory(pilot=running, assignee=lead)
    handover.task_complete(task=task, by=lead, evidence_url=EVIDENCE)
    assert due(date(2026, 3, 5), ReminderKind.TASK_UNCONFIRMED) == set()


# --- Web -------------------------------------------------------------------------------------


def test_the_plan_says_who_it_waits_for_and_offers_the_receiver_confirm_and_decline(
    client, waiting, running, member, ops
):
    ops.first_name, ops.last_name = "Daniel", "Kim"
    ops.save()
    client.force_login(member)
    html = client.get(reverse("pilots:detail", args=[running.reference])).content.decode()
    assert '<span class="badge warn">Waiting for Daniel Kim, for Operations</span>' in html
    assert "0 of 1 knowledge-transfer task done, 1 waiting for its receiver" in html
    assert reverse("pilots:task_confirm", args=[running.reference, waiting.pk]) not in html

    client.force_login(ops)
    html = client.get(reverse("pilots:detail", args=[running.reference])).content.decode()
    assert reverse("pilots:task_confirm", args=[running.reference, waiting.pk]) in html
    assert reverse("pilots:task_decline", args=[running.reference, waiting.pk]) in html


def test_the_receiver_confirms_on_the_web(client, waiting, running, ops):
    client.force_login(ops)
    response = client.post(reverse("pilots:task_confirm", args=[running.reference, waiting.pk]))
    assert response["Location"] == pilot_url(running, "handover")
    assert stored(waiting).status == TaskStatus.DONE
    html = client.get(reverse("pilots:detail", args=[running.reference])).content.decode()
    assert f"confirmed by {ops.get_full_name()} on 1 Mar 2026" in " ".join(html.split())


def test_the_giver_gets_a_403_naming_the_rule(client, waiting, running, member):
    client.force_login(member)
    response = client.post(reverse("pilots:task_confirm", args=[running.reference, waiting.pk]))
    assert response.status_code == 403
    assert shows(response, "its receiver signs off (independence)")
    assert stored(waiting).status == TaskStatus.WAITING


def test_decline_asks_for_a_reason_and_re_renders_without_one(
    client, waiting, running, member, ops
):
    url = reverse("pilots:task_decline", args=[running.reference, waiting.pk])
    client.force_login(ops)
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert shows(response, "Say what is missing, so the giver knows what to hand over.")
    assert stored(waiting).status == TaskStatus.WAITING

    response = client.post(url, {"reason": "No failover section."})
    assert response["Location"] == pilot_url(running, "handover")
    assert stored(waiting).status == TaskStatus.TODO
    client.force_login(member)  # the giver reads why on the plan
    html = client.get(reverse("pilots:detail", args=[running.reference])).content.decode()
    declined = f"Declined by {ops.get_full_name()} on 1 Mar 2026: “No failover section.”"
    assert declined in " ".join(html.split())


def test_decline_of_a_task_no_longer_waiting_reports_it(client, waiting, running, ops):
    handover.task_confirm(task=waiting, by=ops)
    client.force_login(ops)
    response = client.post(
        reverse("pilots:task_decline", args=[running.reference, waiting.pk]),
        {"reason": "Late."},
        follow=True,
    )
    assert shows(response, "is done, not waiting for confirmation")
    assert stored(waiting).status == TaskStatus.DONE


def test_the_home_agenda_lists_tasks_waiting_for_the_receiver_only(waiting, ops, member, lead):
    today = date(2026, 3, 1)
    assert [t.pk for t in agenda_for(ops, today=today).to_confirm] == [waiting.pk]
    assert agenda_for(member, today=today).to_confirm == []  # the giver
    assert agenda_for(lead, today=today).to_confirm == []  # the team has an operations owner


def test_the_home_page_shows_it(client, waiting, ops):
    client.force_login(ops)
    html = client.get("/").content.decode()
    assert "Handover tasks waiting for your confirmation" in html
    assert f"#task-{waiting.pk}" in html


@pytest.mark.parametrize("n", [1, 12])
def test_home_query_count_for_a_receiver_does_not_grow(
    client, running, member, ops, n, django_assert_num_queries
):
    for _ in range(n):
        task = factories.TaskFactory(pilot=running, assignee=member)
        handover.task_complete(task=task, by=member, evidence_url=EVIDENCE)
    client.force_login(ops)
    # session, user, groups, then one query per agenda list: drafts, nominations, readings
    # due, tasks due, tasks to confirm, to start, to close, to accept, and the unread
    # reminders (the header's inbox badge)
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(13):
        response = client.get("/")
    assert response.content.decode().count("confirm receipt or decline") == min(n, 10)


# --- Migration -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_done_tasks_done_as_confirmed():
    """Tasks done before receivers signed off count as confirmed: confirmed_at is their
    completion, confirmed_by empty."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("pilots", "0013_approved_contract")], [("pilots", "0014_receiver_signoff")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = old.get_model("auth", "User").objects.create(username="giver")
    unit = old.get_model("pilots", "BusinessUnit").objects.create(name="Unit")
    pilot = old.get_model("pilots", "Pilot").objects.create(
        reference="PIL-0001", title="Old", sponsor=user, business_unit=unit
    )
    completed_at = datetime(2026, 2, 1, 10, tzinfo=UTC)
    Task = old.get_model("pilots", "KnowledgeTransferTask")
    common = {"pilot": pilot, "kind": "runbook", "assignee": user, "receiver_team": "Ops"}
    done = Task.objects.create(
        **common,
        title="Done",
        due_on=date(2026, 3, 1),
        status="done",
        evidence_url=EVIDENCE,
        completed_at=completed_at,
    )
    todo = Task.objects.create(**common, title="To do", due_on=date(2026, 3, 1))

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("pilots", "KnowledgeTransferTask")
    assert new.objects.filter(pk=done.pk).values_list(
        "status", "confirmed_at", "confirmed_by"
    ).get() == ("done", completed_at, None)
    assert new.objects.filter(pk=todo.pk).values_list("status", "confirmed_at").get() == (
        "todo",
        None,
    )
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_plan_says_how_long_a_task_waited_once_past_the_unconfirmed_days(
    client, waiting, running, member, time_machine
):
    page = reverse("pilots:detail", args=[running.reference])
    client.force_login(member)
    time_machine.move_to(datetime(2026, 3, 4, 12, tzinfo=UTC), tick=False)
    assert "unconfirmed for" not in client.get(page).content.decode()
    time_machine.move_to(datetime(2026, 3, 5, 12, tzinfo=UTC), tick=False)
    client.force_login(member)  # a new session: the idle limit passed
    assert "<strong>unconfirmed for 4 days</strong>" in client.get(page).content.decode()
