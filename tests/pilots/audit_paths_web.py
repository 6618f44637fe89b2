"""The web forms, the CSV import and the admin: rows of the audit test's table."""

from __future__ import annotations

from django.urls import reverse

from pilots.services.audit import plain
from tests.pilots.audit_paths import (
    A,
    Path,
    add_reading,
    add_task,
    add_tasks,
    admin_lead,
    complete_task,
    csv_text,
    membership,
    pilots_url,
    primary,
    web,
)
from tests.pilots.handover_pages import reading_data, task_data
from tests.pilots.registration_helpers import basics_data, metric_data, plan_data, step_url

WEB_PATHS = [
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
            "baseline_measured_on": [None, "2025-12-01"],
            "baseline_method": [None, "4-week average of the claims ledger"],
            "baseline_source": [None, "Claims DB"],
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
        "record a check-in",
        "running",
        "owner",
        web(
            pilots_url("checkin_new"),
            lambda pilot, cast: {
                "confidence": "at_risk",
                "narrative": "Volumes dipped",
                "blockers": "Data feed late",
            },
        ),
        A.CHECKIN_RECORDED,
        lambda pilot, cast: {
            "confidence": [None, "at_risk"],
            "narrative": [None, "Volumes dipped"],
            "blockers": [None, "Data feed late"],
        },
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
        setup=lambda pilot, cast: admin_lead(pilot, cast),
    ),
]
