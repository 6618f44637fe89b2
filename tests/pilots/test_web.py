"""The foundation's pages: sign-in, health, and the admin."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.http import HttpRequest
from django.urls import reverse

from pilots.enums import Stage
from pilots.models import GateDecision, Pilot
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
    assert reverse("password_reset").encode() in response.content


def test_health_is_public_and_reports_the_database(client, db, monkeypatch):
    from django.utils import timezone

    from pilots.frame import health

    # A fresh install: the process starts watching now, whatever the suite's run time so far.
    monkeypatch.setattr(health, "WATCHING_SINCE", timezone.now())
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["worker_last_seen"]) == ("ok", "ok", None)
    assert body["failing"] == []  # a fresh install: its worker and beat are starting


@pytest.mark.django_db
def test_admin_pages_render_for_the_demo_admin(client):
    call_command("seed_demo")
    # django-axes checks every password against a request (its address and the lock-out).
    assert client.login(request=HttpRequest(), username="admin", password="pilotgate-demo")
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


def test_admin_gate_decision_by_a_lead_who_sponsors_the_pilot_is_refused_by_the_rule(
    client, running
):
    lead_admin = factories.lead_user("lead_admin")
    lead_admin.is_staff = lead_admin.is_superuser = True
    lead_admin.save()
    running.sponsor = lead_admin
    running.save(update_fields=["sponsor"])
    client.force_login(lead_admin)

    refused = _admin_decide(client, running, transition="graduate", rationale="Mine.")
    assert (
        f"{running.reference}: A portfolio lead who is neither this pilot&#x27;s sponsor nor "
        "its business owner must record its graduation."
    ) in refused.content.decode()
    assert Pilot.objects.get(pk=running.pk).stage == Stage.RUNNING
    assert not GateDecision.objects.filter(pilot=running, to_stage=Stage.GRADUATED).exists()


def test_admin_gate_form_is_shown_first(client, draft, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:pilots_pilot_changelist"),
        {"action": "decide_gate", "_selected_action": [draft.pk]},
    )
    assert response.status_code == 200
    assert b"Record a gate decision" in response.content


def test_admin_cannot_change_pilot_data_behind_the_services(client, running, admin_user):
    client.force_login(admin_user)
    metric = running.metrics.get()
    page = client.get(reverse("admin:pilots_pilot_change", args=[running.pk]))
    assert page.status_code == 200
    assert b'name="title"' not in page.content  # a view, not a form
    assert b"Latest 20 changes" in page.content

    refused = [
        client.post(reverse("admin:pilots_pilot_change", args=[running.pk]), {"title": "X"}),
        client.post(reverse("admin:pilots_metric_change", args=[metric.pk]), {"target": "15"}),
        client.post(reverse("admin:pilots_pilot_delete", args=[running.pk]), {"post": "yes"}),
    ]
    assert [response.status_code for response in refused] == [403, 403, 403]
    assert Pilot.objects.get(pk=running.pk).title == running.title
    assert running.metrics.get().target == metric.target


@pytest.mark.parametrize("events", [5, 60])
def test_admin_pilot_page_query_count_does_not_grow_with_history(
    client, running, admin_user, events, django_assert_num_queries
):
    from pilots.services.audit import event_record

    for n in range(events):
        event_record(pilot=running, actor=admin_user, action="updated", subject=f"Edit {n}")
    client.force_login(admin_user)
    ContentType.objects.clear_cache()  # the same cold cache at both sizes
    # session, user, pilot, 6 inlines, content type, 1 business unit, 3 people, 20 events,
    # the 2 pilot look-ups of the admin's object-tools and breadcrumbs, and the operating
    # plan's budget holder
    with django_assert_num_queries(17):
        response = client.get(reverse("admin:pilots_pilot_change", args=[running.pk]))
    assert response.content.decode().count("Edit ") == min(events, 20)


def test_admin_add_pilot_assigns_reference_and_records_creation(client, admin_user, sponsor):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:pilots_pilot_add"),
        {
            "title": "Added by the admin",
            "sponsor": sponsor.pk,
            "planned_start": "2026-12-01",
            "planned_end": "2026-11-01",  # before the start: refused, nothing written
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
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    pilot = Pilot.objects.get(title="Added by the admin")
    assert pilot.reference == f"PIL-{pilot.pk:04d}"
    assert list(pilot.events.values_list("action", "actor")) == [("created", admin_user.pk)]
