"""The approved contract on the web: the reason at the form, the drift on the pilot page,
the acknowledgement, and what was promised beside the final decision."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from pilots.enums import InfrastructureItem, MetricKind
from pilots.models import ContractChange, Metric, PilotEvent
from pilots.services import metrics
from tests import factories
from tests.pilots.registration_helpers import shows, step_url

pytestmark = pytest.mark.django_db

REASON = "Two aisles close for refurbishment: the lead agreed to measure the other four."


def primary(pilot) -> Metric:
    return pilot.metrics.get(kind=MetricKind.PRIMARY)


def metric_form_data(metric: Metric, **overrides) -> dict[str, str]:
    """The metric step's form as it stands, with ``overrides``."""
    names = ["name", "unit", "direction", "baseline", "target", "target_date", "cadence"]
    names += ["data_source", *Metric.PROVENANCE_FIELDS]
    data = {}
    for name in names:
        value = getattr(metric, name)
        data[name] = "" if value is None else str(value)
    return {**data, **overrides}


def detail(pilot) -> str:
    return reverse("pilots:detail", args=[pilot.reference])


def acknowledge_url(pilot) -> str:
    return reverse("pilots:contract_acknowledge", args=[pilot.reference])


def drift(pilot, sponsor) -> Metric:
    metric = primary(pilot)
    metrics.metric_update(metric=metric, by=sponsor, target=metric.target + 5, reason=REASON)
    return metric


def test_the_metric_step_asks_for_a_reason_once_approved(client, approved, sponsor):
    client.force_login(sponsor)
    page = client.get(step_url(approved, "metric"))
    text = page.content.decode()
    assert 'name="reason"' in text
    assert "This pilot's contract was approved: a change to it needs a written reason" in text


def test_a_draft_is_not_asked_for_a_reason(client, draft, sponsor):
    client.force_login(sponsor)
    assert 'name="reason"' not in client.get(step_url(draft, "metric")).content.decode()


def test_changing_the_target_without_a_reason_re_renders_at_the_reason_field(
    client, approved, sponsor
):
    metric = primary(approved)
    before = metric.target
    client.force_login(sponsor)
    response = client.post(
        step_url(approved, "metric"), metric_form_data(metric, target=str(before + 5))
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["reason"][0].startswith(
        f"The approved contract of {approved.reference} can change only with a written reason"
    )
    assert shows(response, f"give the reason for changing “{metric.name}”: target")
    assert Metric.objects.get(pk=metric.pk).target == before
    assert not ContractChange.objects.exists()


def test_with_a_reason_the_change_shows_as_drift_on_the_pilot_page(client, approved, sponsor, lead):
    metric = primary(approved)
    approved_target = metric.target
    client.force_login(sponsor)
    response = client.post(
        step_url(approved, "metric"),
        metric_form_data(metric, target=str(approved_target + 5), reason=REASON),
    )
    assert response.status_code == 302
    page = client.get(detail(approved))
    text = page.content.decode()
    assert 'id="contract"' in text
    assert "Changed since approval" in text
    assert f"<del>{format(approved_target.normalize(), 'f')}</del>" in text
    assert f"<ins>{format((approved_target + 5).normalize(), 'f')}</ins>" in text
    assert shows(page, f"“{REASON}”")
    # The sponsor may not acknowledge: the page says who may.
    assert acknowledge_url(approved) not in text
    assert shows(page, "neither its sponsor nor its business owner acknowledges them")

    client.force_login(lead)
    assert acknowledge_url(approved) in client.get(detail(approved)).content.decode()


def test_a_lead_acknowledges_and_the_drift_is_gone(client, approved, sponsor, lead):
    drift(approved, sponsor)
    client.force_login(lead)
    response = client.post(acknowledge_url(approved), {"note": "Agreed at the steering group."})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Changes acknowledged: the contract as it stands is approved version 2." in page
    assert 'id="contract"' not in page
    history = client.get(reverse("pilots:history", args=[approved.reference]))
    assert shows(history, "Contract changes acknowledged")
    assert shows(history, "Agreed at the steering group.")
    assert shows(history, REASON)
    event = PilotEvent.objects.get(action=PilotEvent.Action.CONTRACT_ACKNOWLEDGED)
    assert event.actor == lead


def test_a_sponsor_may_not_acknowledge(client, approved, sponsor):
    drift(approved, sponsor)
    client.force_login(sponsor)
    response = client.post(acknowledge_url(approved), {"note": ""})
    assert response.status_code == 403
    assert shows(response, "neither this pilot's sponsor nor its business owner")
    assert ContractChange.objects.get().acknowledged_at is None


def test_a_lead_who_sponsors_it_sees_the_rule_instead_of_the_form(client, approved, lead):
    approved.sponsor = lead
    approved.save()
    drift(approved, lead)
    client.force_login(lead)
    page = client.get(detail(approved))
    assert acknowledge_url(approved) not in page.content.decode()
    assert shows(page, "must acknowledge changes to its approved contract.")


def test_the_final_decision_shows_what_was_promised_and_what_is_delivered(
    client, running, sponsor, owner, lead
):
    metric = drift(running, sponsor)
    promised = format((metric.target - 5).normalize(), "f")
    factories.ReadingFactory(metric=metric, value=Decimal("17.5"))
    client.force_login(lead)
    page = client.get(detail(running))
    text = page.content.decode()
    assert "What was promised vs. what is delivered" in text
    assert f"{promised} {metric.unit}" in text
    assert "17.5" in text
    assert shows(page, f"“{metric.name}”: target")


def test_the_infrastructure_step_puts_the_refusal_at_its_reason(client, approved_waived, sponsor):
    from tests.pilots.registration_helpers import infrastructure_data

    approved = approved_waived  # monitoring "no", waived: after approval it may become "yes"
    client.force_login(sponsor)
    data = infrastructure_data(
        **{
            item.value: {"evidence_url": f"https://example.com/{item.value}"}  # as answered
            for item in InfrastructureItem
            if item != InfrastructureItem.MONITORING
        }
    )
    response = client.post(step_url(approved, "infrastructure"), data)
    assert response.status_code == 200
    assert response.context["why"].errors["reason"]
    data["contract-reason"] = "The monitoring stack moves to the new platform in March."
    assert client.post(step_url(approved, "infrastructure"), data).status_code == 302
    assert ContractChange.objects.get().key == "infrastructure.monitoring"


def test_contract_values_read_as_the_pages_write_them():
    from pilots.templatetags.pilotgate import contract_value

    assert contract_value("2026-11-26") == "26 Nov 2026"
    assert contract_value("120") == "120"
    assert contract_value(None) == "—"
    assert contract_value("2026-13-45") == "2026-13-45"


def test_the_history_names_an_acknowledged_field_by_its_label():
    from pilots.templatetags.pilotgate import field_label

    assert field_label("planned_end") == "Planned end"
    assert field_label("“Picks per hour”: target") == "“Picks per hour”: target"
