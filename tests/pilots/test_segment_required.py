"""A critical-segment metric before submission (``PILOTGATE_SEGMENT_METRIC_REQUIRED``).

The default, ``rates``: a pilot whose primary metric is a rate or a share (its
unit has a percent sign, or says percent, share, ratio, rate, proportion) must
define at least one critical-segment metric, because an overall rate is where a
failing segment hides (the metric mirage's "2%"). ``always`` asks every pilot,
``never`` none. Pilots submitted before the rule keep their stage.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from pilots import rules
from pilots.enums import MetricKind, Stage
from pilots.errors import TransitionRefused
from pilots.models import Metric
from pilots.services import gates, registration
from tests import factories
from tests.api.conftest import url
from tests.pilots.registration_helpers import step_url
from tests.test_settings import load_settings


@pytest.mark.parametrize(
    ("unit", "rate"),
    [
        ("%", True),
        ("% of arrears", True),
        ("per cent", True),
        ("Percent", True),
        ("share of calls", True),
        ("ratio", True),
        ("error rate", True),
        ("proportion", True),
        ("cases a day", False),
        ("minutes", False),
        ("£", False),
        ("operations", False),  # "rate" inside a word is not a rate
        ("", False),
    ],
)
def test_a_rate_or_share_is_told_by_its_unit(unit, rate):
    assert rules.is_rate_unit(unit) is rate


@pytest.mark.parametrize(
    ("policy", "unit", "required"),
    [
        ("rates", "%", True),
        ("rates", "cases a day", False),
        ("rates", None, False),  # no primary metric yet: that is its own missing item
        ("always", "cases a day", True),
        ("always", None, True),
        ("never", "%", False),
    ],
)
def test_the_policy_decides_which_pilots_need_a_segment_metric(policy, unit, required):
    assert rules.segment_metric_required(policy=policy, primary_unit=unit) is required


@pytest.fixture
def rate_draft(draft) -> object:
    draft.metrics.filter(kind=MetricKind.PRIMARY).update(unit="%")
    return draft


def refused_codes(pilot, by) -> dict[str, tuple[str, str]]:
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_submit(pilot=pilot, by=by)
    return {item.code: (item.message, item.section) for item in refused.value.missing}


def test_a_rate_pilot_without_a_segment_metric_cannot_be_submitted(rate_draft, sponsor):
    message, section = refused_codes(rate_draft, sponsor)["segment_metric"]
    assert section == "metric"
    assert message.startswith("Define at least one critical-segment metric")
    assert "the primary metric is a rate or a share (“%”)" in message
    rate_draft.refresh_from_db()
    assert rate_draft.stage == Stage.DRAFT

    factories.MetricFactory(pilot=rate_draft, kind=MetricKind.CRITICAL_SEGMENT, name="P1")
    gates.pilot_submit(pilot=rate_draft, by=sponsor)
    rate_draft.refresh_from_db()
    assert rate_draft.stage == Stage.PROPOSED


def test_a_business_or_model_metric_is_not_a_segment_metric(rate_draft, sponsor):
    factories.MetricFactory(pilot=rate_draft, kind=MetricKind.BUSINESS, name="Other")
    factories.MetricFactory(pilot=rate_draft, kind=MetricKind.MODEL, name="F1")
    assert "segment_metric" in refused_codes(rate_draft, sponsor)


def test_a_count_pilot_needs_none_by_default(draft, sponsor):
    assert not draft.metrics.filter(kind=MetricKind.CRITICAL_SEGMENT).exists()
    gates.pilot_submit(pilot=draft, by=sponsor)
    draft.refresh_from_db()
    assert draft.stage == Stage.PROPOSED


def test_always_asks_every_pilot_and_never_asks_none(draft, rate_draft, sponsor, settings):
    settings.PILOTGATE_SEGMENT_METRIC_REQUIRED = "always"
    message, _ = refused_codes(draft, sponsor)["segment_metric"]
    assert "this portfolio asks every pilot for one" in message

    settings.PILOTGATE_SEGMENT_METRIC_REQUIRED = "never"
    gates.pilot_submit(pilot=rate_draft, by=sponsor)
    rate_draft.refresh_from_db()
    assert rate_draft.stage == Stage.PROPOSED


def test_a_pilot_submitted_before_the_rule_may_still_be_edited(running, sponsor):
    """Past draft, an edit keeps the registration complete, but the policy is not retroactive."""
    running.metrics.filter(kind=MetricKind.PRIMARY).update(unit="%")
    registration.pilot_update(pilot=running, by=sponsor, title="Renamed")
    running.refresh_from_db()
    assert running.title == "Renamed"


def test_the_api_names_the_missing_segment_metric(rate_draft):
    client = APIClient()
    client.force_authenticate(rate_draft.sponsor)
    response = client.post(url(rate_draft.reference, "submit/"), {})
    assert response.status_code == 409
    (item,) = [i for i in response.json()["missing"] if i["code"] == "segment_metric"]
    assert item["section"] == "metric"
    assert "critical-segment metric" in item["message"]


def test_the_metric_step_says_a_segment_metric_is_needed_and_offers_one(client, rate_draft):
    client.force_login(rate_draft.sponsor)
    page = client.get(step_url(rate_draft, "metric")).content.decode()
    assert 'id="segment-needed"' in page
    assert "Define at least one critical-segment metric" in page
    new = reverse("pilots:metric_new", args=[rate_draft.reference])
    assert f'href="{new}?kind=critical_segment"' in page

    form = client.get(f"{new}?kind=critical_segment").content.decode()
    assert '<option value="critical_segment" selected>' in form
    # An unknown kind, or the primary's, falls back to a business metric.
    for kind in ("primary", "nonsense"):
        form = client.get(f"{new}?kind={kind}").content.decode()
        assert '<option value="business" selected>' in form

    factories.MetricFactory(pilot=rate_draft, kind=MetricKind.CRITICAL_SEGMENT, name="P1")
    page = client.get(step_url(rate_draft, "metric")).content.decode()
    assert 'id="segment-needed"' not in page
    assert Metric.objects.filter(pilot=rate_draft).count() == 2


@pytest.mark.parametrize("value", ["rates", "always", "never"])
def test_the_setting_takes_its_three_values(value):
    result = load_settings(
        "config.settings.local",
        show="settings.PILOTGATE_SEGMENT_METRIC_REQUIRED",
        PILOTGATE_SEGMENT_METRIC_REQUIRED=value,
        DATABASE_URL="sqlite://",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == value


def test_a_misspelt_setting_stops_start_up():
    result = load_settings(
        "config.settings.local", PILOTGATE_SEGMENT_METRIC_REQUIRED="yes", DATABASE_URL="sqlite://"
    )
    assert result.returncode != 0
    assert "PILOTGATE_SEGMENT_METRIC_REQUIRED must be rates, always or never, got 'yes'" in (
        result.stderr
    )
