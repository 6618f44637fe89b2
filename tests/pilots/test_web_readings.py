"""Readings on the web: recording, correcting and deleting them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from pilots.enums import ReadingSource
from pilots.models import MetricReading, PilotEvent
from tests import factories
from tests.pilots.handover_pages import (
    HTMX,
    TODAY,
    pilot_url,
    reading_by,
    reading_data,
    shows,
)


@pytest.fixture(autouse=True)
def _today(time_machine):
    """Inside the fixtures' pilot dates, for every fixture and request."""
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


# --- Recording a reading ------------------------------------------------------------------


def test_reading_owner_records_one_and_is_redirected(client, running, metric, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]), reading_data(metric)
    )
    assert response.status_code == 302
    assert response["Location"] == pilot_url(running, f"metric-{metric.pk}")
    reading = MetricReading.objects.get(metric=metric)
    assert (reading.observed_on, reading.value, reading.note, reading.recorded_by) == (
        date(2026, 2, 20),
        Decimal("33.5"),
        "From the warehouse",
        owner,
    )
    assert reading.source == ReadingSource.WEB
    event = running.events.get(action=PilotEvent.Action.READING_RECORDED)
    assert event.changes == {"value": [None, "33.5"], "note": [None, "From the warehouse"]}


def test_reading_with_htmx_returns_the_metric_card_only(client, running, metric, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]),
        reading_data(metric),
        **HTMX,
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert content.lstrip().startswith(f'<article class="metric-card" id="metric-{metric.pk}"')
    assert '<td data-label="Date">20 Feb 2026</td><td data-label="Value">33.5</td>' in content
    assert "Reading of 33.5 on 20 Feb 2026 saved." in content
    assert 'id="primary-chart" hx-swap-oob="true"' in content  # the chart is redrawn too
    assert MetricReading.objects.filter(metric=metric, value=Decimal("33.5")).exists()


def test_reading_recording_the_same_day_again_updates_it(client, running, metric, owner):
    client.force_login(owner)
    url = reverse("pilots:reading_new", args=[running.reference, metric.pk])
    client.post(url, reading_data(metric, value="20"))
    client.post(url, reading_data(metric, value="21"))
    assert list(MetricReading.objects.values_list("observed_on", "value")) == [
        (date(2026, 2, 20), Decimal("21"))
    ]


def test_reading_dated_in_the_future_is_refused(client, running, metric, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]),
        reading_data(metric, observed_on="2026-03-02"),
    )
    assert response.status_code == 200
    assert "<html" in response.content.decode()  # the whole pilot page, with the error
    assert shows(response, "A reading cannot be dated in the future.")
    assert not MetricReading.objects.exists()
    assert not running.events.filter(action=PilotEvent.Action.READING_RECORDED).exists()


def test_reading_dated_today_is_accepted(client, running, metric, owner):
    client.force_login(owner)
    client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]),
        reading_data(metric, observed_on=TODAY.isoformat()),
    )
    assert MetricReading.objects.get(metric=metric).observed_on == TODAY


def test_reading_in_the_future_with_htmx_returns_the_card_with_the_error(
    client, running, metric, owner
):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]),
        reading_data(metric, observed_on="2026-03-02"),
        **HTMX,
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert shows(response, "A reading cannot be dated in the future.")
    assert "hx-swap-oob" not in response.content.decode()
    assert not MetricReading.objects.exists()


def test_reading_with_an_invalid_value_rerenders_and_writes_nothing(client, running, metric, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]),
        reading_data(metric, value="lots"),
    )
    assert response.status_code == 200
    assert shows(response, "Enter a number.")
    assert 'value="lots"' in response.content.decode()  # the typed value is kept
    assert not MetricReading.objects.exists()
    assert not running.events.filter(action=PilotEvent.Action.READING_RECORDED).exists()


def test_reading_member_may_record(client, running, metric, member):
    client.force_login(member)
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]), reading_data(metric)
    )
    assert response.status_code == 302
    assert MetricReading.objects.get(metric=metric).recorded_by == member


@pytest.mark.parametrize("role", ["sponsor", "ops", "lead"])
def test_reading_by_someone_who_does_not_record_is_403(client, running, metric, request, role):
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, metric.pk]), reading_data(metric)
    )
    assert response.status_code == 403
    assert shows(response, "Only the pilot's business owner and team record readings.")
    assert not MetricReading.objects.exists()


def test_reading_before_approval_is_403(client, draft, member):
    metric = draft.metrics.get()
    client.force_login(member)
    response = client.post(
        reverse("pilots:reading_new", args=[draft.reference, metric.pk]), reading_data(metric)
    )
    assert response.status_code == 403
    assert not MetricReading.objects.exists()


def test_reading_on_another_pilots_metric_is_404(client, running, owner):
    other = factories.MetricFactory()
    client.force_login(owner)
    response = client.post(
        reverse("pilots:reading_new", args=[running.reference, other.pk]), reading_data(other)
    )
    assert response.status_code == 404
    assert not MetricReading.objects.exists()


# --- Correcting and deleting readings -----------------------------------------------------


def test_reading_member_corrects_their_own(client, running, metric, member):
    reading = reading_by(metric, member)
    client.force_login(member)
    response = client.post(
        reverse("pilots:reading_edit", args=[running.reference, reading.pk]),
        {"value": "14", "note": "Late invoices added"},
    )
    assert response.status_code == 302
    assert response["Location"] == pilot_url(running, f"metric-{metric.pk}")
    reading.refresh_from_db()
    assert (reading.value, reading.note, reading.observed_on) == (
        Decimal("14"),
        "Late invoices added",
        date(2026, 2, 1),
    )
    event = running.events.get(action=PilotEvent.Action.READING_RECORDED)
    assert event.changes == {"value": ["12", "14"], "note": [None, "Late invoices added"]}


def test_reading_edit_with_an_invalid_value_writes_nothing(client, running, metric, member):
    reading = reading_by(metric, member)
    client.force_login(member)
    response = client.post(
        reverse("pilots:reading_edit", args=[running.reference, reading.pk]), {"value": ""}
    )
    assert response.status_code == 200
    assert shows(response, "This field is required.")
    assert MetricReading.objects.get(pk=reading.pk).value == Decimal("12")


def test_reading_member_deletes_their_own(client, running, metric, member):
    reading = reading_by(metric, member)
    client.force_login(member)
    assert (
        client.get(
            reverse("pilots:reading_delete", args=[running.reference, reading.pk])
        ).status_code
        == 200
    )
    response = client.post(reverse("pilots:reading_delete", args=[running.reference, reading.pk]))
    assert response["Location"] == pilot_url(running, f"metric-{metric.pk}")
    assert not MetricReading.objects.filter(pk=reading.pk).exists()
    assert running.events.filter(action=PilotEvent.Action.READING_DELETED, actor=member).exists()


def test_reading_member_cannot_change_the_owners_reading(client, running, metric, owner, member):
    reading = reading_by(metric, owner)
    client.force_login(member)
    edit = reverse("pilots:reading_edit", args=[running.reference, reading.pk])
    delete = reverse("pilots:reading_delete", args=[running.reference, reading.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"value": "99"}).status_code == 403
    assert client.post(delete).status_code == 403
    assert MetricReading.objects.get(pk=reading.pk).value == Decimal("12")


def test_reading_member_cannot_change_another_members_reading(
    client, running, metric, member, member2
):
    reading = reading_by(metric, member2)
    client.force_login(member)
    response = client.post(reverse("pilots:reading_delete", args=[running.reference, reading.pk]))
    assert response.status_code == 403
    assert MetricReading.objects.filter(pk=reading.pk).exists()


def test_reading_owner_corrects_and_deletes_any_reading(client, running, metric, owner, member):
    first = reading_by(metric, member, date(2026, 2, 1))
    second = reading_by(metric, member, date(2026, 2, 8))
    client.force_login(owner)

    client.post(reverse("pilots:reading_edit", args=[running.reference, first.pk]), {"value": "15"})
    client.post(reverse("pilots:reading_delete", args=[running.reference, second.pk]))

    assert list(MetricReading.objects.values_list("pk", "value")) == [(first.pk, Decimal("15"))]


def test_reading_page_shows_edit_links_only_where_allowed(client, running, metric, owner, member):
    own = reading_by(metric, member, date(2026, 2, 1))
    owners = reading_by(metric, owner, date(2026, 2, 8))
    client.force_login(member)
    content = client.get(reverse("pilots:detail", args=[running.reference])).content.decode()
    assert reverse("pilots:reading_edit", args=[running.reference, own.pk]) in content
    assert reverse("pilots:reading_edit", args=[running.reference, owners.pk]) not in content


def test_reading_pages_outsider_gets_404(client, running, metric, owner, outsider):
    reading = reading_by(metric, owner)
    client.force_login(outsider)
    responses = [
        client.post(
            reverse("pilots:reading_new", args=[running.reference, metric.pk]),
            reading_data(metric),
        ),
        client.get(reverse("pilots:reading_edit", args=[running.reference, reading.pk])),
        client.post(
            reverse("pilots:reading_edit", args=[running.reference, reading.pk]), {"value": "1"}
        ),
        client.post(reverse("pilots:reading_delete", args=[running.reference, reading.pk])),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert list(MetricReading.objects.values_list("value", flat=True)) == [Decimal("12")]


def test_reading_of_another_pilot_is_404(client, running, owner):
    elsewhere = factories.ReadingFactory()
    client.force_login(owner)
    response = client.post(reverse("pilots:reading_delete", args=[running.reference, elsewhere.pk]))
    assert response.status_code == 404
    assert MetricReading.objects.filter(pk=elsewhere.pk).exists()
