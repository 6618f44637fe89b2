"""The registration wizard on the web: creating a draft, each step saving through its
service, the basics and the metric steps."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from pilots.enums import MetricKind, Stage
from pilots.models import (
    Metric,
    Pilot,
    PilotEvent,
)
from tests import factories
from tests.pilots.registration_helpers import (
    NEXT_STEP,
    STEP_EVENTS,
    STEPS,
    TARGET_NOT_BEYOND,
    basics_data,
    metric_data,
    shows,
    step_data,
    step_url,
)


@pytest.fixture(autouse=True)
def _today(time_machine):
    """Inside the fixtures' pilot dates, for every fixture and request."""
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


# --- Creating a draft -----------------------------------------------------------------


def test_new_get_shows_the_basics_form_to_a_sponsor(client, sponsor):
    client.force_login(sponsor)
    response = client.get(reverse("pilots:new"))
    assert response.status_code == 200
    assert "<h1>Register a pilot</h1>" in response.content.decode()
    assert 'name="title"' in response.content.decode()


def test_new_sponsor_creates_a_draft_and_continues_to_the_metric(client, sponsor):
    client.force_login(sponsor)
    response = client.post(reverse("pilots:new"), {**basics_data(), "then": "next"})

    pilot = Pilot.objects.get(title="Claims triage")
    assert response.status_code == 302
    assert response["Location"] == step_url(pilot, "metric")
    assert pilot.reference == f"PIL-{pilot.pk:04d}"
    assert (pilot.stage, pilot.sponsor, pilot.planned_start, pilot.planned_end) == (
        Stage.DRAFT,
        sponsor,
        date(2026, 4, 1),
        date(2026, 9, 30),
    )
    assert list(pilot.events.values_list("action", "actor")) == [
        (PilotEvent.Action.CREATED, sponsor.pk)
    ]


def test_new_then_stay_returns_to_the_basics_step(client, sponsor):
    client.force_login(sponsor)
    response = client.post(reverse("pilots:new"), {**basics_data(), "then": "stay"})
    pilot = Pilot.objects.get(title="Claims triage")
    assert response["Location"] == step_url(pilot, "basics")


def test_new_lead_may_register_a_pilot(client, lead):
    client.force_login(lead)
    response = client.post(reverse("pilots:new"), {**basics_data(), "then": "next"})
    pilot = Pilot.objects.get(title="Claims triage")
    assert response.status_code == 302
    assert pilot.sponsor == lead


@pytest.mark.parametrize("method", ["get", "post"])
def test_new_user_in_no_group_gets_403_and_nothing_is_created(client, outsider, method):
    client.force_login(outsider)
    response = getattr(client, method)(reverse("pilots:new"), basics_data())
    assert response.status_code == 403
    assert shows(response, "Only sponsors and portfolio leads register pilots.")
    assert not Pilot.objects.exists()


def test_new_without_title_rerenders_with_the_error_and_writes_nothing(client, sponsor):
    client.force_login(sponsor)
    response = client.post(reverse("pilots:new"), basics_data(title=""))
    assert response.status_code == 200
    assert shows(response, "This field is required.")
    assert not Pilot.objects.exists()
    assert not PilotEvent.objects.exists()


def test_new_end_before_start_rerenders_with_the_constraint_message(client, sponsor):
    client.force_login(sponsor)
    response = client.post(
        reverse("pilots:new"), basics_data(planned_start="2026-05-01", planned_end="2026-04-01")
    )
    assert response.status_code == 200
    assert shows(response, "The planned end cannot be before the planned start.")
    assert not Pilot.objects.exists()


# --- Each step saves through its service and moves on or stays ------------------------


@pytest.mark.parametrize("step", list(STEP_EVENTS))
def test_step_then_next_saves_and_redirects_to_the_next_step(
    client, empty_draft, sponsor, owner, ops, step
):
    client.force_login(sponsor)
    response = client.post(
        step_url(empty_draft, step), {**step_data(step, owner, ops), "then": "next"}
    )
    assert response.status_code == 302
    assert response["Location"] == step_url(empty_draft, NEXT_STEP[step])
    assert PilotEvent.objects.filter(
        pilot=empty_draft, action=STEP_EVENTS[step], actor=sponsor
    ).exists()


@pytest.mark.parametrize("step", list(STEP_EVENTS))
def test_step_then_stay_saves_and_redirects_to_the_same_step(
    client, empty_draft, sponsor, owner, ops, step
):
    client.force_login(sponsor)
    response = client.post(
        step_url(empty_draft, step), {**step_data(step, owner, ops), "then": "stay"}
    )
    assert response.status_code == 302
    assert response["Location"] == step_url(empty_draft, step)
    assert PilotEvent.objects.filter(
        pilot=empty_draft, action=STEP_EVENTS[step], actor=sponsor
    ).exists()


@pytest.mark.parametrize("step", STEPS)
def test_step_get_renders_for_the_sponsor(client, empty_draft, sponsor, step):
    client.force_login(sponsor)
    response = client.get(step_url(empty_draft, step))
    assert response.status_code == 200
    assert 'aria-current="step"' in response.content.decode()


# --- basics ---------------------------------------------------------------------------


def test_basics_step_updates_the_pilot_and_records_the_change(client, empty_draft, sponsor):
    client.force_login(sponsor)
    client.post(step_url(empty_draft, "basics"), {**basics_data(), "then": "next"})

    empty_draft.refresh_from_db()
    assert (empty_draft.title, empty_draft.planned_start, empty_draft.planned_end) == (
        "Claims triage",
        date(2026, 4, 1),
        date(2026, 9, 30),
    )
    event = PilotEvent.objects.get(pilot=empty_draft, action=PilotEvent.Action.UPDATED)
    assert event.changes["title"] == ["Invoice triage", "Claims triage"]


def test_basics_step_without_title_writes_nothing(client, empty_draft, sponsor):
    client.force_login(sponsor)
    response = client.post(step_url(empty_draft, "basics"), basics_data(title=""))
    assert response.status_code == 200
    assert shows(response, "This field is required.")
    assert Pilot.objects.get(pk=empty_draft.pk).title == "Invoice triage"
    assert not empty_draft.events.exists()


def test_basics_step_end_before_start_writes_nothing(client, empty_draft, sponsor):
    client.force_login(sponsor)
    response = client.post(
        step_url(empty_draft, "basics"),
        basics_data(planned_start="2026-05-01", planned_end="2026-04-01"),
    )
    assert response.status_code == 200
    assert shows(response, "The planned end cannot be before the planned start.")
    stored = Pilot.objects.get(pk=empty_draft.pk)
    assert (stored.title, stored.planned_start, stored.planned_end) == (
        "Invoice triage",
        date(2026, 1, 5),
        date(2026, 7, 5),
    )
    assert not empty_draft.events.exists()


def test_basics_step_on_a_running_pilot_keeps_the_start_fixed(client, running, sponsor):
    client.force_login(sponsor)
    response = client.post(
        step_url(running, "basics"),
        basics_data(
            title="Renamed",
            planned_start="2026-02-01",
            planned_end="2026-08-01",
            reason="The vendor delivers a month late.",
        ),
    )
    assert response["Location"] == step_url(running, "basics")  # not a draft: stays
    stored = Pilot.objects.get(pk=running.pk)
    assert (stored.title, stored.planned_start, stored.planned_end) == (
        "Renamed",
        date(2026, 1, 5),
        date(2026, 8, 1),
    )


# --- metric ---------------------------------------------------------------------------


def test_metric_step_creates_the_primary_metric(client, empty_draft, sponsor):
    client.force_login(sponsor)
    client.post(step_url(empty_draft, "metric"), {**metric_data(), "then": "next"})

    metric = Metric.objects.get(pilot=empty_draft)
    assert (metric.kind, metric.name, metric.baseline, metric.target, metric.target_date) == (
        MetricKind.PRIMARY,
        "Claims triaged per hour",
        Decimal("10"),
        Decimal("25"),
        date(2026, 6, 30),
    )


def test_metric_step_target_not_beyond_baseline_rerenders_and_writes_nothing(
    client, empty_draft, sponsor
):
    client.force_login(sponsor)
    response = client.post(step_url(empty_draft, "metric"), metric_data(baseline="25", target="10"))
    assert response.status_code == 200
    assert shows(response, TARGET_NOT_BEYOND)
    assert not Metric.objects.exists()
    assert not empty_draft.events.exists()


def test_metric_step_on_a_running_pilot_asks_for_a_reason(client, running, sponsor):
    client.force_login(sponsor)
    response = client.get(step_url(running, "metric"))
    assert 'name="reason"' in response.content.decode()


def test_metric_step_on_a_draft_has_no_reason_field(client, draft, sponsor):
    client.force_login(sponsor)
    response = client.get(step_url(draft, "metric"))
    assert 'name="reason"' not in response.content.decode()


def test_metric_step_changes_the_primary_metric_of_a_draft(client, draft, sponsor):
    client.force_login(sponsor)
    metric = draft.metrics.get()
    response = client.post(
        step_url(draft, "metric"),
        metric_data(name=metric.name, baseline="10", target="55", then="stay"),
    )
    assert response.status_code == 302
    assert Metric.objects.get(pk=metric.pk).target == Decimal("55")


def test_metric_step_locked_target_change_without_reason_shows_the_reason_error(
    client, running, sponsor
):
    client.force_login(sponsor)
    metric = running.metrics.get()
    response = client.post(
        step_url(running, "metric"),
        metric_data(
            name=metric.name,
            unit="%",
            baseline="10",
            target="55",
            target_date="2026-07-05",
            data_source="Warehouse",
            reason="",
        ),
    )
    assert response.status_code == 200
    assert shows(
        response,
        "The primary metric's baseline, target and target date are locked while the pilot "
        "runs: give the reason for changing target.",
    )
    assert Metric.objects.get(pk=metric.pk).target == Decimal("40")


def test_metric_step_locked_target_change_with_reason_is_recorded(client, running, sponsor):
    client.force_login(sponsor)
    metric = running.metrics.get()
    client.post(
        step_url(running, "metric"),
        metric_data(
            name=metric.name,
            unit="%",
            baseline="10",
            target="55",
            target_date="2026-07-05",
            data_source="Warehouse",
            reason="The board raised the bar.",
        ),
    )
    assert Metric.objects.get(pk=metric.pk).target == Decimal("55")
    event = PilotEvent.objects.get(pilot=running, action=PilotEvent.Action.METRIC_LOCKED_CHANGE)
    assert event.reason == "The board raised the bar."


def test_metric_new_adds_a_secondary_metric(client, draft, sponsor):
    client.force_login(sponsor)
    response = client.post(
        reverse("pilots:metric_new", args=[draft.reference]),
        metric_data(kind="model", name="F1 score", unit="", baseline="0.6", target="0.8"),
    )
    assert response["Location"] == step_url(draft, "metric")
    metric = Metric.objects.get(pilot=draft, name="F1 score")
    assert (metric.kind, metric.target) == (MetricKind.MODEL, Decimal("0.8"))
    assert PilotEvent.objects.filter(
        pilot=draft, action=PilotEvent.Action.METRIC_ADDED, subject__startswith="F1 score"
    ).exists()


def test_metric_new_adds_a_critical_segment_with_its_guardrail(client, draft, sponsor):
    client.force_login(sponsor)
    form = client.get(reverse("pilots:metric_new", args=[draft.reference])).content.decode()
    assert 'name="guardrail"' in form
    response = client.post(
        reverse("pilots:metric_new", args=[draft.reference]),
        metric_data(kind="critical_segment", name="Urgent claims in time", guardrail="12"),
    )
    assert response["Location"] == step_url(draft, "metric")
    metric = Metric.objects.get(pilot=draft, name="Urgent claims in time")
    assert (metric.kind, metric.guardrail) == (MetricKind.CRITICAL_SEGMENT, Decimal("12"))


def test_a_guardrail_beyond_the_target_rerenders_and_writes_nothing(client, draft, sponsor):
    client.force_login(sponsor)
    response = client.post(
        reverse("pilots:metric_new", args=[draft.reference]),
        metric_data(kind="critical_segment", name="Urgent claims in time", guardrail="30"),
    )
    assert response.status_code == 200
    assert shows(response, "A guardrail belongs to a critical-segment metric with a direction")
    assert draft.metrics.count() == 1


def test_the_primary_metric_step_offers_no_guardrail(client, draft, sponsor):
    client.force_login(sponsor)
    assert 'name="guardrail"' not in client.get(step_url(draft, "metric")).content.decode()


def test_metric_new_offers_no_second_primary(client, draft, sponsor):
    client.force_login(sponsor)
    response = client.post(
        reverse("pilots:metric_new", args=[draft.reference]),
        metric_data(kind="primary", name="Another primary"),
    )
    assert response.status_code == 200
    assert shows(response, "Select a valid choice.")
    assert draft.metrics.count() == 1


def test_metric_new_target_not_beyond_baseline_writes_nothing(client, draft, sponsor):
    client.force_login(sponsor)
    response = client.post(
        reverse("pilots:metric_new", args=[draft.reference]),
        metric_data(kind="business", direction="decrease", baseline="5", target="9"),
    )
    assert response.status_code == 200
    assert shows(response, TARGET_NOT_BEYOND)
    assert draft.metrics.count() == 1


def test_metric_edit_changes_a_secondary_metric(client, draft, sponsor):
    metric = factories.MetricFactory(pilot=draft, kind=MetricKind.BUSINESS, name="Backlog")
    client.force_login(sponsor)
    client.post(
        reverse("pilots:metric_edit", args=[draft.reference, metric.pk]),
        metric_data(kind="business", name="Backlog", target="90"),
    )
    assert Metric.objects.get(pk=metric.pk).target == Decimal("90")


def test_metric_edit_of_the_primary_goes_to_the_metric_step(client, draft, sponsor):
    client.force_login(sponsor)
    primary = draft.metrics.get(kind=MetricKind.PRIMARY)
    response = client.get(reverse("pilots:metric_edit", args=[draft.reference, primary.pk]))
    assert response.status_code == 302
    assert response["Location"] == step_url(draft, "metric")


def test_metric_edit_unknown_metric_is_404(client, draft, sponsor):
    client.force_login(sponsor)
    other = factories.MetricFactory()  # on another pilot
    response = client.get(reverse("pilots:metric_edit", args=[draft.reference, other.pk]))
    assert response.status_code == 404
