"""The foundation's pages: sign-in, the home list, health, and the admin."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from pilots.models import GateDecision, OwnershipStatus, Pilot, Stage
from pilots.services import ownership
from tests import factories


def test_home_requires_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_login_page_renders(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'<label for="id_username">Username</label>' in response.content


def test_home_lists_only_visible_pilots(client, draft, sponsor):
    hidden = factories.PilotFactory(title="Somebody else's pilot")
    client.force_login(sponsor)

    response = client.get("/")

    assert [pilot for pilot, _ in response.context["rows"]] == [draft]
    assert hidden.title.encode() not in response.content


def test_home_empty_state(client, outsider):
    client.force_login(outsider)
    assert b"No pilots yet" in client.get("/").content


@pytest.mark.parametrize("n", [1, 12])
def test_home_query_count_is_constant(client, lead, n, django_assert_num_queries):
    for _ in range(n):
        pilot = factories.PilotFactory(receiving_team="Ops")
        factories.complete_registration(pilot, owner=factories.UserFactory())
    client.force_login(lead)
    # session, user, user's groups, count, page of pilots
    with django_assert_num_queries(5):
        response = client.get("/")
    assert len(response.context["rows"]) == n


def test_home_paginates(client, lead):
    for _ in range(30):
        factories.PilotFactory()
    client.force_login(lead)
    assert len(client.get("/").context["rows"]) == 25
    assert len(client.get("/?page=2").context["rows"]) == 5
    assert len(client.get("/?page=99").context["rows"]) == 5  # past the end: last page


def test_health_is_public_and_reports_the_database(client, db):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "worker_last_seen": None}


@pytest.mark.django_db
def test_admin_pages_render_for_the_demo_admin(client):
    call_command("seed_demo")
    client.login(username="admin", password="pilotgate-demo")
    pilot = Pilot.objects.filter(stage=Stage.RUNNING).first()

    for url in [
        reverse("admin:index"),
        reverse("admin:pilots_pilot_changelist") + "?stage__exact=running&q=PIL",
        reverse("admin:pilots_pilot_change", args=[pilot.pk]),
        reverse("admin:pilots_metric_changelist"),
        reverse("admin:pilots_metric_change", args=[pilot.metrics.first().pk]),
        reverse("admin:pilots_metricreading_changelist"),
        reverse("admin:pilots_knowledgetransfertask_changelist"),
        reverse("admin:pilots_gatedecision_changelist"),
        reverse("admin:pilots_pilotevent_changelist"),
        reverse("admin:pilots_infrastructureanswer_changelist"),
        reverse("admin:pilots_operatingplan_changelist"),
        reverse("admin:pilots_pilotmembership_changelist"),
        reverse("admin:pilots_businessunit_changelist"),
        reverse("admin:pilots_heartbeat_changelist"),
    ]:
        assert client.get(url).status_code == 200, url


def _admin_decide(client, pilot, **data):
    return client.post(
        reverse("admin:pilots_pilot_changelist"),
        {"action": "decide_gate", "_selected_action": [pilot.pk], "apply": "1", **data},
        follow=True,
    )


def test_admin_gate_decision_goes_through_the_service(client, proposed, owner):
    ownership.ownership_accept(pilot=proposed, by=owner)
    lead_admin = factories.lead_user("lead_admin")
    lead_admin.is_staff = lead_admin.is_superuser = True
    lead_admin.save()
    client.force_login(lead_admin)

    refused = _admin_decide(client, proposed, transition="approve", rationale="")
    assert "not approved: Write the rationale for approving." in refused.content.decode()
    assert Pilot.objects.get(pk=proposed.pk).stage == Stage.PROPOSED

    _admin_decide(client, proposed, transition="approve", rationale="Sound plan")
    assert Pilot.objects.get(pk=proposed.pk).stage == Stage.APPROVED
    assert GateDecision.objects.filter(
        pilot=proposed, to_stage=Stage.APPROVED
    ).get().decided_by == (lead_admin)


def test_admin_gate_form_is_shown_first(client, draft, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:pilots_pilot_changelist"),
        {"action": "decide_gate", "_selected_action": [draft.pk]},
    )
    assert response.status_code == 200
    assert b"Record a gate decision" in response.content


def test_admin_edit_is_recorded_and_stage_is_read_only(client, draft, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:pilots_pilot_change", args=[draft.pk])
    page = client.get(url)
    assert b'name="stage"' not in page.content
    assert draft.owner_status == OwnershipStatus.PENDING


def test_admin_add_pilot_assigns_reference_and_records_creation(client, admin_user, sponsor):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:pilots_pilot_add"),
        {
            "title": "Added by the admin",
            "sponsor": sponsor.pk,
            "planned_start": "2026-12-01",
            "planned_end": "2026-11-01",  # before the start: refused, nothing written
            **{f"{prefix}-TOTAL_FORMS": "0" for prefix in INLINE_PREFIXES},
            **{f"{prefix}-INITIAL_FORMS": "0" for prefix in INLINE_PREFIXES},
        },
    )
    assert response.status_code == 200
    assert "The planned end cannot be before the planned start." in response.content.decode()
    assert not Pilot.objects.filter(title="Added by the admin").exists()

    response = client.post(
        reverse("admin:pilots_pilot_add"),
        {
            "title": "Added by the admin",
            "sponsor": sponsor.pk,
            **{f"{prefix}-TOTAL_FORMS": "0" for prefix in INLINE_PREFIXES},
            **{f"{prefix}-INITIAL_FORMS": "0" for prefix in INLINE_PREFIXES},
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    pilot = Pilot.objects.get(title="Added by the admin")
    assert pilot.reference == f"PIL-{pilot.pk:04d}"
    assert list(pilot.events.values_list("action", "actor")) == [("created", admin_user.pk)]


INLINE_PREFIXES = [
    "metrics",
    "memberships",
    "infrastructure",
    "operating_plan",
    "tasks",
    "decisions",
    "events",
]
