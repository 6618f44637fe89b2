"""Every door that writes pilot data leaves an event with the values before and after.

One row of ``PATHS`` per door and write (``audit_paths_web.py``: the web forms,
the CSV import, the admin; ``audit_paths_api.py``: the API). A new door is a
new row. Each row runs its write signed in as the person who may make it,
then finds the new event of the expected action and checks the before and
after values it carries (a creation has ``None`` before). Every action has a
row, and every API route and method that writes has one (derived from the
URL conf: a new endpoint cannot be forgotten). The jobs and the management
commands (seed_demo apart: it builds demo data through the services) write
no pilot data; the last tests prove it, so a job that starts writing one must
record its event too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import resolve, reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from pilots.api import urls as api_urls
from pilots.enums import ReadingSource
from pilots.models import (
    CheckIn,
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
from scorecards import tasks as scorecard_tasks
from tests import factories
from tests.pilots.audit_paths import A, Cast, csv_text
from tests.pilots.audit_paths_api import API_PATHS
from tests.pilots.audit_paths_web import WEB_PATHS
from tests.pilots.handover_pages import task_data

PATHS = [*WEB_PATHS, *API_PATHS]


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
    CheckIn,
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
    client.post(
        reverse("pilots:task_new", args=[running.reference]), task_data(assignee=owner.username)
    )
    page = client.get(reverse("pilots:history", args=[running.reference])).content.decode()
    # A creation: the values alone (nothing before).
    assert '<span class="field-name">Title</span>: Walk the service desk through the runbook' in (
        page
    )
    assert '<span class="field-name">Due on</span>: 1 Jun 2026' in page  # the app's format
    assert '<span class="field-name">Kind</span>: Runbook' in page  # the choice's label
    owner_name = escape(owner.get_full_name())
    assert f'<span class="field-name">Assignee</span>: {owner_name}' in page  # a name
    # A change: before → after, a moment in local time (Europe/London, 12:00 UTC in March).
    assert '<span class="field-name">Operations accepted at</span>: — → 1 Mar 2026 12:00' in page
    ops_name = escape(ops.get_full_name())
    assert f'<span class="field-name">Operations accepted by</span>: — → {ops_name}' in page
