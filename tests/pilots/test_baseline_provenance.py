"""Baseline provenance: when, how and from what source the baseline was measured.

Required to submit (the primary metric, and every other metric with a baseline),
entered in the wizard, the metric form and the API, recorded in the history and
shown beside the pilot page's chart.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from pilots.enums import MetricKind, Stage
from pilots.errors import TransitionRefused
from pilots.models import Metric, PilotEvent
from pilots.services import gates, metrics
from tests import factories
from tests.pilots.registration_helpers import metric_data, shows, step_url

NO_PROVENANCE = {"baseline_measured_on": None, "baseline_method": "", "baseline_source": ""}


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


def _strip(metric: Metric) -> Metric:
    Metric.objects.filter(pk=metric.pk).update(**NO_PROVENANCE)
    metric.refresh_from_db()
    return metric


def _primary(pilot) -> Metric:
    return pilot.metrics.get(kind=MetricKind.PRIMARY)


# --- The gate ---------------------------------------------------------------------


def test_submit_refuses_a_primary_metric_without_provenance_naming_each_item(draft, sponsor):
    primary = _strip(_primary(draft))
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_submit(pilot=draft, by=sponsor)
    items = {item.code: item for item in refused.value.missing}
    assert set(items) == {
        "baseline_measured_on_missing",
        "baseline_method_missing",
        "baseline_source_missing",
    }
    assert items["baseline_measured_on_missing"].message == (
        f"Primary metric “{primary.name}”: say when the baseline was measured."
    )
    assert {item.section for item in items.values()} == {"metric"}
    draft.refresh_from_db()
    assert draft.stage == Stage.DRAFT


def test_submit_refuses_another_metric_with_a_baseline_but_not_one_without(draft, sponsor):
    factories.MetricFactory(
        pilot=draft, kind=MetricKind.BUSINESS, name="Cost per case", **NO_PROVENANCE
    )
    factories.MetricFactory(
        pilot=draft, kind=MetricKind.MODEL, name="F1", baseline=None, target=None, **NO_PROVENANCE
    )
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_submit(pilot=draft, by=sponsor)
    messages = [item.message for item in refused.value.missing]
    assert "Metric “Cost per case”: say how the baseline was measured." in messages
    assert not any("F1" in message for message in messages)


def test_a_baseline_measured_after_the_planned_start_is_refused(draft, sponsor):
    primary = _primary(draft)
    Metric.objects.filter(pk=primary.pk).update(baseline_measured_on=date(2026, 1, 20))
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_submit(pilot=draft, by=sponsor)
    (item,) = refused.value.missing
    assert item.code == "baseline_measured_on_after_start"
    assert "measured on 20 Jan 2026, after the planned start (5 Jan 2026)" in item.message


def test_submit_passes_with_provenance(draft, sponsor):
    gates.pilot_submit(pilot=draft, by=sponsor)
    draft.refresh_from_db()
    assert draft.stage == Stage.PROPOSED


def test_api_submit_is_409_naming_the_missing_provenance(draft, sponsor):
    _strip(_primary(draft))
    client = APIClient()
    client.force_authenticate(sponsor)
    response = client.post(f"/api/v1/pilots/{draft.reference}/submit/")
    assert response.status_code == 409
    codes = {item["code"] for item in response.json()["missing"]}
    assert "baseline_source_missing" in codes


def test_web_review_lists_the_missing_provenance_linked_to_the_metric_step(client, draft, sponsor):
    primary = _strip(_primary(draft))
    client.force_login(sponsor)
    response = client.post(step_url(draft, "review"))
    assert shows(response, f"Primary metric “{primary.name}”: say when the baseline was measured.")
    assert step_url(draft, "metric") in response.content.decode()
    draft.refresh_from_db()
    assert draft.stage == Stage.DRAFT


def test_an_edit_past_the_draft_does_not_need_provenance_added_before_the_rule(running, sponsor):
    """A running pilot from before the rule stays editable; its provenance may be added."""
    primary = _strip(_primary(running))
    metrics.metric_update(metric=primary, by=sponsor, data_source="Claims warehouse v2")
    metrics.metric_update(
        metric=primary, by=sponsor, baseline_source="Claims DB", reason="Named the source."
    )
    assert Metric.objects.get(pk=primary.pk).baseline_source == "Claims DB"


def test_past_the_draft_provenance_is_corrected_never_erased(running, sponsor):
    primary = _primary(running)
    with pytest.raises(ValidationError) as refused:
        metrics.metric_update(metric=primary, by=sponsor, baseline_method="")
    assert "corrected, not removed" in str(refused.value)
    assert Metric.objects.get(pk=primary.pk).baseline_method == primary.baseline_method


# --- The forms --------------------------------------------------------------------


def test_wizard_metric_step_refuses_a_future_measurement_and_writes_nothing(
    client, empty_draft, sponsor
):
    client.force_login(sponsor)
    response = client.post(
        step_url(empty_draft, "metric"), metric_data(baseline_measured_on="2026-03-02")
    )
    assert response.status_code == 200
    assert shows(response, "A baseline cannot be measured in the future.")
    assert not Metric.objects.filter(pilot=empty_draft).exists()


def test_wizard_metric_step_saves_provenance(client, empty_draft, sponsor):
    client.force_login(sponsor)
    client.post(step_url(empty_draft, "metric"), {**metric_data(), "then": "next"})
    metric = Metric.objects.get(pilot=empty_draft)
    assert (metric.baseline_measured_on, metric.baseline_method, metric.baseline_source) == (
        date(2025, 12, 1),
        "4-week average of the claims ledger",
        "Claims DB",
    )
    event = PilotEvent.objects.get(pilot=empty_draft, action=PilotEvent.Action.METRIC_ADDED)
    assert event.changes["baseline_measured_on"] == [None, "2025-12-01"]
    assert event.changes["baseline_source"] == [None, "Claims DB"]


def test_metric_edit_form_changes_provenance_and_the_history_has_before_and_after(
    client, draft, sponsor
):
    other = factories.MetricFactory(pilot=draft, kind=MetricKind.BUSINESS, name="Cost per case")
    client.force_login(sponsor)
    response = client.post(
        reverse("pilots:metric_edit", args=[draft.reference, other.pk]),
        metric_data(kind="business", name="Cost per case", baseline_source="Finance ledger"),
    )
    assert response.status_code == 302
    event = PilotEvent.objects.filter(pilot=draft, action=PilotEvent.Action.METRIC_CHANGED).latest(
        "pk"
    )
    assert event.changes["baseline_source"] == ["Claims DB", "Finance ledger"]


def test_metric_edit_form_refuses_a_future_measurement(client, draft, sponsor):
    client.force_login(sponsor)
    response = client.post(
        reverse("pilots:metric_new", args=[draft.reference]),
        metric_data(kind="business", name="Cost per case", baseline_measured_on="2027-01-01"),
    )
    assert response.status_code == 200
    assert shows(response, "A baseline cannot be measured in the future.")
    assert not draft.metrics.filter(name="Cost per case").exists()


# --- The API ----------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_metric_round_trips_provenance(draft, sponsor):
    created = _api(sponsor).post(
        f"/api/v1/pilots/{draft.reference}/metrics/",
        {
            "name": "Cost per case",
            "kind": "business",
            "baseline": "9",
            "baseline_measured_on": "2025-11-30",
            "baseline_method": "Mean of November's cases",
            "baseline_source": "Finance ledger",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["baseline_measured_on"], body["baseline_method"], body["baseline_source"]) == (
        "2025-11-30",
        "Mean of November's cases",
        "Finance ledger",
    )
    patched = _api(sponsor).patch(
        f"/api/v1/pilots/{draft.reference}/metrics/{body['id']}/",
        {"baseline_measured_on": "2025-12-31"},
        format="json",
    )
    assert patched.status_code == 200
    assert patched.json()["baseline_measured_on"] == "2025-12-31"
    listed = _api(sponsor).get(f"/api/v1/pilots/{draft.reference}/metrics/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert {row["name"]: row["baseline_source"] for row in rows}["Cost per case"] == (
        "Finance ledger"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"baseline_measured_on": "01/12/2025"}, "baseline_measured_on"),
        ({"baseline_measured_on": "2026-03-02"}, "baseline_measured_on"),
        ({"baseline_method": "x" * 201}, "baseline_method"),
        ({"baseline_source": "x" * 201}, "baseline_source"),
        ({"baseline_source": 12}, "baseline_source"),
    ],
)
def test_api_metric_patch_refuses_bad_provenance_with_400_and_changes_nothing(
    draft, sponsor, body, field
):
    primary = _primary(draft)
    response = _api(sponsor).patch(
        f"/api/v1/pilots/{draft.reference}/metrics/{primary.pk}/", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    fresh = Metric.objects.get(pk=primary.pk)
    assert (fresh.baseline_measured_on, fresh.baseline_method, fresh.baseline_source) == (
        primary.baseline_measured_on,
        primary.baseline_method,
        primary.baseline_source,
    )


# --- The pilot page ---------------------------------------------------------------


def test_pilot_page_shows_the_provenance_beside_the_chart(client, running, sponsor):
    primary = _primary(running)
    Metric.objects.filter(pk=primary.pk).update(
        unit="per day",
        baseline="120",
        target="150",
        baseline_measured_on=date(2025, 12, 3),
        baseline_method="4-week average of the claims ledger",
        baseline_source="Claims DB",
    )
    client.force_login(sponsor)
    response = client.get(reverse("pilots:detail", args=[running.reference]))
    assert shows(
        response,
        "Baseline 120 per day, measured 3 Dec 2025 "
        "(4-week average of the claims ledger; source: Claims DB)",
    )


def test_pilot_page_says_what_provenance_is_not_recorded(client, running, sponsor):
    _strip(_primary(running))
    client.force_login(sponsor)
    response = client.get(reverse("pilots:detail", args=[running.reference]))
    assert shows(
        response, "measured: date not recorded (method not recorded; source: not recorded)"
    )


def test_a_drafts_missing_list_on_the_pilot_page_names_the_provenance(client, draft, sponsor):
    primary = _strip(_primary(draft))
    client.force_login(sponsor)
    response = client.get(reverse("pilots:detail", args=[draft.reference]))
    assert shows(
        response,
        f"Primary metric “{primary.name}”: say which system or report the baseline came from.",
    )
    assert step_url(draft, "metric") in response.content.decode()


def test_admin_shows_the_provenance(client, draft, admin_user):
    primary = _primary(draft)
    client.force_login(admin_user)
    response = client.get(reverse("admin:pilots_metric_change", args=[primary.pk]))
    assert response.status_code == 200
    for text in ("Baseline measured on", "Baseline method", "Baseline source", "Claims DB"):
        assert text in response.content.decode()
