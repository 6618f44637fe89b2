"""Every door that writes pilot data leaves an event with the values before and after.

One row of ``PATHS`` per door and write: the web forms, the API, the admin, the
CSV import. A new door is a new row. Each row runs its write signed in as the
person who may make it, then finds the new event of the expected action and
checks the before and after values it carries (a creation has ``None`` before).
Every action has a row, and every API route and method that writes has one
(derived from the URL conf: a new endpoint cannot be forgotten).
The jobs and the management commands (seed_demo apart: it builds demo data
through the services) write no pilot data; the last tests prove it, so a job
that starts writing one must record its event too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import resolve, reverse
from rest_framework.test import APIClient

from pilots.api import urls as api_urls
from pilots.enums import ReadingSource, TaskKind
from pilots.models import (
    GateDecision,
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    OperatingPlan,
    Pilot,
    PilotEvent,
    PilotMembership,
)
from pilots.reminders import tasks as reminder_tasks
from pilots.services import handover, metrics, ownership
from pilots.services.audit import plain
from scorecards import tasks as scorecard_tasks
from tests import factories
from tests.pilots.handover_pages import reading_data, task_data
from tests.pilots.registration_helpers import basics_data, metric_data, plan_data, step_url

A = PilotEvent.Action
Cast = SimpleNamespace
Expect = Callable[[Pilot, Cast], dict[str, list[Any]]]


@dataclass(frozen=True)
class Path:
    door: str  # web, api, admin, import
    name: str
    pilot: str  # the fixture: draft, proposed, approved, running
    actor: str  # who writes: a fixture user
    write: Callable[[Any, Pilot, Cast], Any]  # returns the response
    action: str
    expect: Expect  # {field: [before, after]}, read before the write
    setup: Callable[[Pilot, Cast], None] = field(default=lambda pilot, cast: None)
    route: str = ""  # the API's URL name: every API write is in the table (checked)


def web(url: Callable[[Pilot, Cast], str], data: Callable[[Pilot, Cast], dict] | None = None):
    return lambda client, pilot, cast: client.post(
        url(pilot, cast), data(pilot, cast) if data else {}
    )


def api(method: str, rest: Callable[[Pilot, Cast], str], body: Callable[[Pilot, Cast], Any]):
    def write(client, pilot, cast):
        path = rest(pilot, cast)
        url = path if path.startswith("/") else f"/api/v1/pilots/{pilot.reference}/{path}"
        return getattr(client, method)(url, body(pilot, cast), format="json")

    write.method = method  # type: ignore[attr-defined]
    return write


def pilots_url(name: str, *more: Callable[[Pilot, Cast], Any]):
    return lambda pilot, cast: reverse(
        f"pilots:{name}", args=[pilot.reference, *(arg(pilot, cast) for arg in more)]
    )


def add_reading(pilot: Pilot, cast: Cast) -> None:
    cast.reading = metrics.reading_record(
        metric=pilot.metrics.get(), by=cast.owner, observed_on=date(2026, 2, 1), value=12
    )


def graduable(pilot: Pilot, cast: Cast) -> None:
    """Handover done and operations accepted: the running pilot may graduate."""
    complete_task(pilot, cast)
    ownership.operations_accept(pilot=pilot, by=cast.ops)


def add_task(pilot: Pilot, cast: Cast) -> None:
    cast.task = handover.task_create(
        pilot=pilot,
        by=cast.owner,
        title="Walk the desk through the runbook",
        kind=TaskKind.RUNBOOK,
        assignee=cast.member,
        receiver_team="Service desk",
        due_on=date(2026, 6, 1),
    )


def add_tasks(pilot: Pilot, cast: Cast) -> None:
    add_task(pilot, cast)
    cast.first = cast.task
    cast.task = handover.task_create(
        pilot=pilot,
        by=cast.owner,
        title="Rota",
        kind=TaskKind.RUNBOOK,
        assignee=cast.owner,
        receiver_team="Desk",
        due_on=date(2026, 6, 2),
    )


def complete_task(pilot: Pilot, cast: Cast) -> None:
    add_task(pilot, cast)
    handover.task_complete(task=cast.task, by=cast.owner, evidence_url="https://wiki.example/rb")


def membership(pilot: Pilot, cast: Cast) -> None:
    cast.membership = PilotMembership.objects.get(pilot=pilot, user=cast.member)


def primary(pilot: Pilot) -> Metric:
    return pilot.metrics.get()


def csv_text(pilot: Pilot) -> str:
    name = primary(pilot).name
    return f"metric,observed_on,value,note\n{name},2026-02-09,17.5,From the warehouse\n"


PATHS = [
    # --- Web forms ------------------------------------------------------------------------
    Path(
        "web",
        "register a pilot",
        "draft",
        "sponsor",
        lambda client, pilot, cast: client.post(
            reverse("pilots:new"), {**basics_data(title="Registered on the web"), "then": "stay"}
        ),
        A.CREATED,
        lambda pilot, cast: {
            "title": [None, "Registered on the web"],
            "planned_start": [None, "2026-04-01"],
            "planned_end": [None, "2026-09-30"],
            "sponsor": [None, "sponsor"],
            "stage": [None, "draft"],
        },
    ),
    Path(
        "web",
        "edit the basics",
        "draft",
        "sponsor",
        web(
            lambda pilot, cast: step_url(pilot, "basics"),
            lambda pilot, cast: {**basics_data(title="Renamed on the web"), "then": "stay"},
        ),
        A.UPDATED,
        lambda pilot, cast: {"title": [pilot.title, "Renamed on the web"]},
    ),
    Path(
        "web",
        "add a metric",
        "draft",
        "sponsor",
        web(
            pilots_url("metric_new"),
            lambda pilot, cast: metric_data(kind="model", name="F1", baseline="0.6", target="0.8"),
        ),
        A.METRIC_ADDED,
        lambda pilot, cast: {
            "name": [None, "F1"],
            "kind": [None, "model"],
            "baseline": [None, "0.6"],
            "target": [None, "0.8"],
            "target_date": [None, "2026-06-30"],
        },
    ),
    Path(
        "web",
        "move a running pilot's target (locked)",
        "running",
        "sponsor",
        web(
            lambda pilot, cast: step_url(pilot, "metric"),
            lambda pilot, cast: {
                **metric_data(
                    name=primary(pilot).name,
                    unit=primary(pilot).unit,
                    direction=primary(pilot).direction,
                    baseline=str(primary(pilot).baseline),
                    target="99",
                    target_date=str(primary(pilot).target_date),
                    cadence=primary(pilot).cadence,
                    data_source=primary(pilot).data_source,
                ),
                "reason": "The board raised the bar.",
                "then": "stay",
            },
        ),
        A.METRIC_LOCKED_CHANGE,
        lambda pilot, cast: {"target": [plain(primary(pilot).target), "99"]},
    ),
    Path(
        "web",
        "record a reading",
        "running",
        "owner",
        web(
            pilots_url("reading_new", lambda pilot, cast: primary(pilot).pk),
            lambda pilot, cast: reading_data(primary(pilot), value="33.5"),
        ),
        A.READING_RECORDED,
        lambda pilot, cast: {"value": [None, "33.5"], "note": [None, "From the warehouse"]},
    ),
    Path(
        "web",
        "correct a reading",
        "running",
        "owner",
        web(
            pilots_url("reading_edit", lambda pilot, cast: cast.reading.pk),
            lambda pilot, cast: {"value": "14", "note": "Late invoices"},
        ),
        A.READING_RECORDED,
        lambda pilot, cast: {"value": ["12", "14"], "note": [None, "Late invoices"]},
        setup=add_reading,
    ),
    Path(
        "web",
        "delete a reading",
        "running",
        "owner",
        web(pilots_url("reading_delete", lambda pilot, cast: cast.reading.pk)),
        A.READING_DELETED,
        lambda pilot, cast: {"value": ["12", None]},
        setup=add_reading,
    ),
    Path(
        "web",
        "add a team member",
        "draft",
        "sponsor",
        web(
            lambda pilot, cast: step_url(pilot, "owner"),
            lambda pilot, cast: {
                "action": "member",
                "member-user": cast.outsider.pk,
                "member-role": "Analyst",
            },
        ),
        A.MEMBER_ADDED,
        lambda pilot, cast: {"user": [None, "outsider"], "role": [None, "Analyst"]},
    ),
    Path(
        "web",
        "remove a team member",
        "draft",
        "sponsor",
        web(pilots_url("member_remove", lambda pilot, cast: cast.membership.pk)),
        A.MEMBER_REMOVED,
        lambda pilot, cast: {"user": ["member", None]},
        setup=membership,
    ),
    Path(
        "web",
        "nominate the business owner",
        "draft",
        "sponsor",
        web(
            lambda pilot, cast: step_url(pilot, "owner"),
            lambda pilot, cast: {"action": "nominate", "nominate-owner": cast.outsider.pk},
        ),
        A.OWNER_NOMINATED,
        lambda pilot, cast: {"owner": ["owner", "outsider"]},
    ),
    Path(
        "web",
        "accept ownership",
        "proposed",
        "owner",
        web(pilots_url("ownership"), lambda pilot, cast: {"decision": "accept"}),
        A.OWNER_ACCEPTED,
        lambda pilot, cast: {"owner_status": ["pending", "accepted"]},
    ),
    Path(
        "web",
        "decline ownership",
        "proposed",
        "owner",
        web(
            pilots_url("ownership"),
            lambda pilot, cast: {"decision": "decline", "reason": "No budget."},
        ),
        A.OWNER_DECLINED,
        lambda pilot, cast: {
            "owner_status": ["pending", "declined"],
            "owner_decline_reason": ["", "No budget."],
        },
    ),
    Path(
        "web",
        "name the operations owner",
        "draft",
        "sponsor",
        web(
            lambda pilot, cast: step_url(pilot, "operations"),
            lambda pilot, cast: {"operations_owner": cast.ops.pk, "receiving_team": "Claims IT"},
        ),
        A.UPDATED,
        lambda pilot, cast: {"receiving_team": [pilot.receiving_team or None, "Claims IT"]},
    ),
    Path(
        "web",
        "write the operating plan",
        "draft",
        "sponsor",
        web(
            lambda pilot, cast: step_url(pilot, "plan"),
            lambda pilot, cast: plan_data(run_cost_per_month="2750"),
        ),
        A.PLAN_CHANGED,
        lambda pilot, cast: {
            "run_cost_per_month": [plain(pilot.operating_plan.run_cost_per_month), "2750"]
        },
    ),
    Path(
        "web",
        "submit (gate decision)",
        "draft",
        "sponsor",
        web(lambda pilot, cast: step_url(pilot, "review")),
        A.STAGE_CHANGED,
        lambda pilot, cast: {"stage": ["draft", "proposed"]},
    ),
    Path(
        "web",
        "stop (gate decision)",
        "approved",
        "lead",
        web(
            pilots_url("decide"),
            lambda pilot, cast: {"decision": "stop", "rationale": "No", "lessons_learned": "L"},
        ),
        A.STAGE_CHANGED,
        lambda pilot, cast: {"stage": ["approved", "stopped"]},
    ),
    Path(
        "web",
        "accept for operations",
        "running",
        "ops",
        web(pilots_url("operations_accept")),
        A.OPERATIONS_ACCEPTED,
        lambda pilot, cast: {"operations_accepted_by": [None, "ops"]},
    ),
    Path(
        "web",
        "add a handover task",
        "running",
        "owner",
        web(pilots_url("task_new"), lambda pilot, cast: task_data(assignee=cast.member.pk)),
        A.TASK_ADDED,
        lambda pilot, cast: {
            "title": [None, "Walk the service desk through the runbook"],
            "assignee": [None, "member"],
            "receiver_team": [None, "Service desk"],
            "due_on": [None, "2026-06-01"],
            "status": [None, "todo"],
        },
    ),
    Path(
        "web",
        "edit a handover task",
        "running",
        "owner",
        web(
            pilots_url("task_edit", lambda pilot, cast: cast.task.pk),
            lambda pilot, cast: task_data(assignee=cast.member.pk, title="Renamed task"),
        ),
        A.TASK_CHANGED,
        lambda pilot, cast: {"title": ["Walk the desk through the runbook", "Renamed task"]},
        setup=add_task,
    ),
    Path(
        "web",
        "complete a handover task",
        "running",
        "member",
        web(
            pilots_url("task_complete", lambda pilot, cast: cast.task.pk),
            lambda pilot, cast: {"evidence_url": "https://wiki.example.com/runbook"},
        ),
        A.TASK_COMPLETED,
        lambda pilot, cast: {
            "status": ["todo", "done"],
            "evidence_url": ["", "https://wiki.example.com/runbook"],
            "completed_by": [None, "member"],
        },
        setup=add_task,
    ),
    Path(
        "web",
        "reopen a handover task",
        "running",
        "owner",
        web(pilots_url("task_reopen", lambda pilot, cast: cast.task.pk)),
        A.TASK_CHANGED,
        lambda pilot, cast: {"status": ["done", "in_progress"], "completed_by": ["owner", None]},
        setup=complete_task,
    ),
    Path(
        "web",
        "reorder the handover plan",
        "running",
        "owner",
        web(
            pilots_url("task_move", lambda pilot, cast: cast.task.pk),
            lambda pilot, cast: {"direction": "up"},
        ),
        A.TASK_REORDERED,
        lambda pilot, cast: {
            "order": [[cast.first.pk, cast.task.pk], [cast.task.pk, cast.first.pk]]
        },
        setup=add_tasks,
    ),
    # --- CSV import -----------------------------------------------------------------------
    Path(
        "import",
        "import readings from a CSV file",
        "running",
        "owner",
        lambda client, pilot, cast: client.post(
            reverse("pilots:reading_import", args=[pilot.reference]),
            {"csv_text": csv_text(pilot), "action": "apply"},
        ),
        A.READINGS_INGESTED,
        lambda pilot, cast: {"2026-02-09": [None, "17.5"]},
    ),
    # --- API ------------------------------------------------------------------------------
    Path(
        "api",
        "create a pilot",
        "draft",
        "sponsor",
        api(
            "post",
            lambda pilot, cast: "/api/v1/pilots/",
            lambda pilot, cast: {"title": "Created by API", "receiving_team": "Claims IT"},
        ),
        A.CREATED,
        lambda pilot, cast: {
            "title": [None, "Created by API"],
            "receiving_team": [None, "Claims IT"],
            "sponsor": [None, "sponsor"],
        },
        route="pilot-list",
    ),
    Path(
        "api",
        "patch a pilot",
        "draft",
        "sponsor",
        api("patch", lambda pilot, cast: "", lambda pilot, cast: {"title": "Patched by API"}),
        A.UPDATED,
        lambda pilot, cast: {"title": [pilot.title, "Patched by API"]},
        route="pilot-detail",
    ),
    Path(
        "api",
        "submit (transition)",
        "draft",
        "sponsor",
        api("post", lambda pilot, cast: "submit/", lambda pilot, cast: {}),
        A.STAGE_CHANGED,
        lambda pilot, cast: {"stage": ["draft", "proposed"]},
        route="pilot-submit",
    ),
    Path(
        "api",
        "approve (transition)",
        "proposed",
        "lead",
        api("post", lambda pilot, cast: "approve/", lambda pilot, cast: {"rationale": "Sound."}),
        A.STAGE_CHANGED,
        lambda pilot, cast: {"stage": ["proposed", "approved"]},
        setup=lambda pilot, cast: _accept(pilot, cast),
        route="pilot-approve",
    ),
    Path(
        "api",
        "add a metric",
        "running",
        "sponsor",
        api(
            "post",
            lambda pilot, cast: "metrics/",
            lambda pilot, cast: {"name": "Cost per case", "kind": "business", "baseline": "9"},
        ),
        A.METRIC_ADDED,
        lambda pilot, cast: {"name": [None, "Cost per case"], "baseline": [None, "9"]},
        route="metric-list",
    ),
    Path(
        "api",
        "record a reading",
        "running",
        "owner",
        api(
            "post",
            lambda pilot, cast: f"metrics/{primary(pilot).pk}/readings/",
            lambda pilot, cast: {"observed_on": "2026-02-03", "value": "21.25"},
        ),
        A.READING_RECORDED,
        lambda pilot, cast: {"value": [None, "21.25"]},
        route="reading-list",
    ),
    Path(
        "api",
        "patch a reading",
        "running",
        "owner",
        api(
            "patch",
            lambda pilot, cast: f"readings/{cast.reading.pk}/",
            lambda pilot, cast: {"value": "7.5"},
        ),
        A.READING_RECORDED,
        lambda pilot, cast: {"value": ["12", "7.5"]},
        setup=add_reading,
        route="reading-detail",
    ),
    Path(
        "api",
        "ingest readings in bulk",
        "running",
        "owner",
        api(
            "post",
            lambda pilot, cast: "/api/v1/readings/bulk/",
            lambda pilot, cast: {
                "readings": [
                    {"metric": primary(pilot).pk, "observed_on": "2026-02-02", "value": "5"}
                ]
            },
        ),
        A.READINGS_INGESTED,
        lambda pilot, cast: {"2026-02-02": [None, "5"]},
        route="readings-bulk",
    ),
    Path(
        "api",
        "add a team member",
        "draft",
        "sponsor",
        api(
            "post",
            lambda pilot, cast: "members/",
            lambda pilot, cast: {"user": cast.outsider.pk, "role": "Tester"},
        ),
        A.MEMBER_ADDED,
        lambda pilot, cast: {"user": [None, "outsider"], "role": [None, "Tester"]},
        route="member-list",
    ),
    Path(
        "api",
        "answer the infrastructure checklist",
        "draft",
        "sponsor",
        api(
            "patch",
            lambda pilot, cast: "infrastructure/",
            lambda pilot, cast: {"answers": [{"item": "ci_cd", "answer": "no"}]},
        ),
        A.INFRASTRUCTURE_ANSWERED,
        lambda pilot, cast: {"answer": ["yes", "no"]},
        route="infrastructure",
    ),
    Path(
        "api",
        "add a handover task",
        "running",
        "owner",
        api(
            "post",
            lambda pilot, cast: "tasks/",
            lambda pilot, cast: {
                "title": "Rota",
                "kind": "runbook",
                "assignee": cast.owner.pk,
                "receiver_team": "Desk",
                "due_on": "2026-06-02",
            },
        ),
        A.TASK_ADDED,
        lambda pilot, cast: {
            "title": [None, "Rota"],
            "assignee": [None, "owner"],
            "due_on": [None, "2026-06-02"],
        },
        route="task-list",
    ),
    Path(
        "api",
        "change an unlocked metric",
        "draft",
        "sponsor",
        api(
            "patch",
            lambda pilot, cast: f"metrics/{primary(pilot).pk}/",
            lambda pilot, cast: {"target": "33"},
        ),
        A.METRIC_CHANGED,
        lambda pilot, cast: {"target": [plain(primary(pilot).target), "33"]},
        route="metric-detail",
    ),
    Path(
        "api",
        "delete a reading",
        "running",
        "owner",
        api("delete", lambda pilot, cast: f"readings/{cast.reading.pk}/", lambda pilot, cast: None),
        A.READING_DELETED,
        lambda pilot, cast: {"value": ["12", None]},
        setup=add_reading,
        route="reading-detail",
    ),
    Path(
        "api",
        "remove a team member",
        "draft",
        "sponsor",
        api(
            "delete", lambda pilot, cast: f"members/{cast.membership.pk}/", lambda pilot, cast: None
        ),
        A.MEMBER_REMOVED,
        lambda pilot, cast: {"user": ["member", None], "role": ["Engineer", None]},
        setup=membership,
        route="member-detail",
    ),
    Path(
        "api",
        "write the operating plan",
        "draft",
        "sponsor",
        api(
            "patch",
            lambda pilot, cast: "operating-plan/",
            lambda pilot, cast: {"budget_holder": "Claims director"},
        ),
        A.PLAN_CHANGED,
        lambda pilot, cast: {
            "budget_holder": [pilot.operating_plan.budget_holder, "Claims director"]
        },
        route="operating-plan",
    ),
    Path(
        "api",
        "accept ownership",
        "proposed",
        "owner",
        api("post", lambda pilot, cast: "accept-ownership/", lambda pilot, cast: {}),
        A.OWNER_ACCEPTED,
        lambda pilot, cast: {"owner_status": ["pending", "accepted"]},
        route="pilot-accept-ownership",
    ),
    Path(
        "api",
        "decline ownership",
        "proposed",
        "owner",
        api(
            "post",
            lambda pilot, cast: "decline-ownership/",
            lambda pilot, cast: {"reason": "Not my area."},
        ),
        A.OWNER_DECLINED,
        lambda pilot, cast: {"owner_decline_reason": ["", "Not my area."]},
        route="pilot-decline-ownership",
    ),
    Path(
        "api",
        "reject (transition)",
        "proposed",
        "lead",
        api("post", lambda pilot, cast: "reject/", lambda pilot, cast: {"reason": "Vague."}),
        A.STAGE_CHANGED,
        lambda pilot, cast: {"stage": ["proposed", "draft"]},
        route="pilot-reject",
    ),
    Path(
        "api",
        "start (transition)",
        "approved",
        "sponsor",
        api("post", lambda pilot, cast: "start/", lambda pilot, cast: {}),
        A.STAGE_CHANGED,
        lambda pilot, cast: {"stage": ["approved", "running"], "started_on": [None, "2026-03-01"]},
        route="pilot-start",
    ),
    Path(
        "api",
        "stop (transition)",
        "running",
        "sponsor",
        api(
            "post",
            lambda pilot, cast: "stop/",
            lambda pilot, cast: {"rationale": "No value.", "lessons_learned": "Start smaller."},
        ),
        A.STAGE_CHANGED,
        lambda pilot, cast: {"stage": ["running", "stopped"]},
        route="pilot-stop",
    ),
    Path(
        "api",
        "graduate (transition)",
        "running",
        "lead",
        api("post", lambda pilot, cast: "graduate/", lambda pilot, cast: {"rationale": "Works."}),
        A.STAGE_CHANGED,
        lambda pilot, cast: {"stage": ["running", "graduated"]},
        setup=graduable,
        route="pilot-graduate",
    ),
    Path(
        "api",
        "accept for operations",
        "running",
        "ops",
        api("post", lambda pilot, cast: "accept-operations/", lambda pilot, cast: {}),
        A.OPERATIONS_ACCEPTED,
        lambda pilot, cast: {"operations_accepted_by": [None, "ops"]},
        route="pilot-accept-operations",
    ),
    Path(
        "api",
        "change a handover task",
        "running",
        "owner",
        api(
            "patch",
            lambda pilot, cast: f"tasks/{cast.task.pk}/",
            lambda pilot, cast: {"title": "T2"},
        ),
        A.TASK_CHANGED,
        lambda pilot, cast: {"title": ["Walk the desk through the runbook", "T2"]},
        setup=add_task,
        route="task-detail",
    ),
    Path(
        "api",
        "complete a handover task",
        "running",
        "owner",
        api(
            "post",
            lambda pilot, cast: f"tasks/{cast.task.pk}/complete/",
            lambda pilot, cast: {"evidence_url": "https://wiki.example.com/rota"},
        ),
        A.TASK_COMPLETED,
        lambda pilot, cast: {"status": ["todo", "done"], "completed_by": [None, "owner"]},
        setup=add_task,
        route="task-complete",
    ),
    Path(
        "api",
        "reopen a handover task",
        "running",
        "owner",
        api("post", lambda pilot, cast: f"tasks/{cast.task.pk}/reopen/", lambda pilot, cast: {}),
        A.TASK_CHANGED,
        lambda pilot, cast: {"status": ["done", "in_progress"]},
        setup=complete_task,
        route="task-reopen",
    ),
    Path(
        "api",
        "reorder the handover plan",
        "running",
        "owner",
        api(
            "post",
            lambda pilot, cast: "tasks/order/",
            lambda pilot, cast: {"order": [cast.task.pk, cast.first.pk]},
        ),
        A.TASK_REORDERED,
        lambda pilot, cast: {
            "order": [[cast.first.pk, cast.task.pk], [cast.task.pk, cast.first.pk]]
        },
        setup=add_tasks,
        route="task-order",
    ),
    # --- Admin ----------------------------------------------------------------------------
    Path(
        "admin",
        "add a pilot",
        "draft",
        "admin_user",
        lambda client, pilot, cast: client.post(
            reverse("admin:pilots_pilot_add"),
            {"title": "Added by the admin", "sponsor": cast.sponsor.pk},
        ),
        A.CREATED,
        lambda pilot, cast: {"title": [None, "Added by the admin"], "sponsor": [None, "sponsor"]},
    ),
    Path(
        "admin",
        "record a gate decision",
        "proposed",
        "lead",
        lambda client, pilot, cast: client.post(
            reverse("admin:pilots_pilot_changelist"),
            {
                "action": "decide_gate",
                "_selected_action": [pilot.pk],
                "apply": "1",
                "transition": "approve",
                "rationale": "Sound plan.",
                "lessons_learned": "",
            },
        ),
        A.STAGE_CHANGED,
        lambda pilot, cast: {"stage": ["proposed", "approved"]},
        setup=lambda pilot, cast: _admin_lead(pilot, cast),
    ),
]


def _admin_lead(pilot: Pilot, cast: Cast) -> None:
    """A portfolio lead who is also staff: the admin's gate decisions are theirs to make."""
    _accept(pilot, cast)
    cast.lead.is_staff = cast.lead.is_superuser = True
    cast.lead.save()


def _accept(pilot: Pilot, cast: Cast) -> None:
    ownership.ownership_accept(pilot=pilot, by=cast.owner)


def _client(door: str, user) -> Any:
    if door == "api":
        client = APIClient()
        client.force_authenticate(user)
        return client
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cast(sponsor, owner, member, ops, lead, outsider, admin_user) -> Cast:
    return Cast(
        sponsor=sponsor,
        owner=owner,
        member=member,
        ops=ops,
        lead=lead,
        outsider=outsider,
        admin_user=admin_user,
    )


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


@pytest.mark.usefixtures("today")
@pytest.mark.parametrize("path", PATHS, ids=lambda path: f"{path.door}: {path.name}")
def test_every_write_leaves_its_event_with_before_and_after(request, cast, path):
    pilot = request.getfixturevalue(path.pilot)
    path.setup(pilot, cast)
    pilot.refresh_from_db()
    expected = path.expect(pilot, cast)
    last = PilotEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = path.write(_client(path.door, getattr(cast, path.actor)), pilot, cast)

    assert response.status_code < 400, response.content[:2000]
    if path.route:
        assert resolve(response.wsgi_request.path).url_name == path.route
    new = list(PilotEvent.objects.filter(id__gt=last).order_by("id"))
    found = [event for event in new if event.action == path.action]
    assert found, f"no {path.action} event; new events: {[e.action for e in new]}; " + " ".join(
        re.findall(r'class="errorlist[^"]*">(.*?)</ul>', response.content.decode())
    )
    event = found[-1]
    assert event.actor_id == getattr(cast, path.actor).pk
    assert {name: event.changes.get(name) for name in expected} == expected
    for event in new:  # every event of the write carries its values, in one shape
        assert event.changes, f"{event.action} has no values"
        assert all(
            isinstance(change, list) and len(change) == 2 for change in event.changes.values()
        ), event.changes


def test_every_action_is_written_by_some_path():
    """A new action needs a row above."""
    assert set(A.values) - {path.action for path in PATHS} == set()


# API writes that change no pilot data: the caller's own API tokens.
API_WRITES_WITHOUT_PILOT_DATA = {("token-obtain", "post"), ("token-revoke", "delete")}


def test_every_api_write_is_in_the_table():
    """Every route and method of the API that writes: a new endpoint cannot be forgotten."""
    writes = {
        (pattern.name, method)
        for pattern in api_urls.urlpatterns
        for method in ("post", "put", "patch", "delete")
        if hasattr(getattr(pattern.callback, "cls", None), method)
    }
    tabled = {(path.route, path.write.method) for path in PATHS if path.door == "api"}
    assert writes - API_WRITES_WITHOUT_PILOT_DATA == tabled


def test_every_door_is_in_the_table():
    assert {path.door for path in PATHS} == {"web", "api", "admin", "import"}


# --- Jobs and management commands write no pilot data -------------------------------------

PILOT_DATA = [
    Pilot,
    Metric,
    MetricReading,
    PilotMembership,
    KnowledgeTransferTask,
    InfrastructureAnswer,
    OperatingPlan,
    GateDecision,
    PilotEvent,
]


def _pilot_data() -> dict[str, list[dict[str, Any]]]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in PILOT_DATA}


@pytest.mark.usefixtures("today")
def test_jobs_and_commands_write_no_pilot_data(running, proposed_second, settings, capsys):
    """The Celery jobs and the commands (not seed_demo) leave every pilot table as it was.

    Reminders and scorecards are their own tables; if a job ever writes pilot data,
    this fails and the job must go through a service (and its event).
    """
    settings.CELERY_TASK_ALWAYS_EAGER = True
    factories.ReadingFactory(metric=running.metrics.get(), source=ReadingSource.API)
    before = _pilot_data()
    reminder_tasks.reminders_sweep()
    scorecard_tasks.scorecards_recompute(pilot_ids=[running.pk])
    call_command("send_reminders", verbosity=0)
    call_command("recompute_scorecards", verbosity=0)
    assert _pilot_data() == before


@pytest.fixture
def proposed_second(sponsor, owner) -> Pilot:
    pilot = factories.PilotFactory(sponsor=sponsor, receiving_team="Ops", title="Second")
    factories.complete_registration(pilot, owner=owner)
    return pilot


def test_the_upload_form_is_the_same_door_as_the_text(running, owner, client, time_machine):
    """The CSV file upload (preview) writes nothing; its confirmation is the row above."""
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)
    client.force_login(owner)
    last = PilotEvent.objects.count()
    upload = SimpleUploadedFile("r.csv", csv_text(running).encode(), content_type="text/csv")
    response = client.post(
        reverse("pilots:reading_import", args=[running.reference]),
        {"file": upload, "action": "preview"},
    )
    assert response.status_code == 200
    assert PilotEvent.objects.count() == last


# --- The history page shows the values ----------------------------------------------------


@pytest.mark.usefixtures("today")
def test_the_history_page_shows_a_creation_values_and_a_change_before_and_after(
    client, running, owner, ops
):
    client.force_login(ops)
    client.post(reverse("pilots:operations_accept", args=[running.reference]))
    client.force_login(owner)
    client.post(reverse("pilots:task_new", args=[running.reference]), task_data(assignee=owner.pk))
    page = client.get(reverse("pilots:history", args=[running.reference])).content.decode()
    # A creation: the values alone (nothing before).
    assert '<span class="field-name">Title</span>: Walk the service desk through the runbook' in (
        page
    )
    assert '<span class="field-name">Due on</span>: 2026-06-01' in page
    # A change: before → after, a moment in local time (Europe/London, 12:00 UTC in March).
    assert '<span class="field-name">Operations accepted at</span>: — → 1 Mar 2026 12:00' in page
    assert '<span class="field-name">Operations accepted by</span>: — → ops' in page
