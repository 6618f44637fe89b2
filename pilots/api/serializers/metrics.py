"""The API's metrics and readings, one by one and in bulk."""

from __future__ import annotations

from typing import Any

from django.utils.functional import lazy
from rest_framework import serializers

from pilots.enums import Direction
from pilots.frame import formats
from pilots.frame.api.fields import (
    DecimalValue,
    IdField,
    StrictCharField,
    StrictDateField,
    StrictModelSerializer,
    StrictSerializer,
)
from pilots.frame.api.serializers import UserSummarySerializer
from pilots.models import (
    Metric,
    MetricReading,
)
from pilots.services.ingest import max_rows
from pilots.services.metrics import METRIC_FIELDS

# Lazy: read when the schema is built, after the settings (PILOTGATE_CURRENCY) are.
VALUE_PER_UNIT_HELP = lazy(
    lambda: (
        "Primary metric only: what one unit of improvement (from the baseline, in the "
        f"metric's direction) is worth per month, in {formats.currency()}; null: not priced. "
        "Realised value per month = improvement x value per unit (`pilots.value`)."
    ),
    str,
)()


class MetricSerializer(serializers.ModelSerializer):
    direction = serializers.ChoiceField(
        choices=Direction.choices, allow_blank=True, read_only=True, help_text="Empty: not set."
    )
    baseline = DecimalValue(read_only=True, allow_null=True)
    target = DecimalValue(read_only=True, allow_null=True)
    guardrail = DecimalValue(
        read_only=True,
        allow_null=True,
        help_text="Critical-segment metrics: the floor (higher is better) or ceiling (lower "
        "is better) it must not cross; null: its own trajectory is its guardrail.",
    )
    value_per_unit = DecimalValue(
        read_only=True,
        allow_null=True,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        help_text=VALUE_PER_UNIT_HELP,
    )
    counts_as_success = serializers.BooleanField(read_only=True)

    class Meta:
        model = Metric
        fields = [
            "id",
            "name",
            "kind",
            "unit",
            "direction",
            "baseline",
            "target",
            "target_date",
            "cadence",
            "data_source",
            "baseline_measured_on",
            "baseline_method",
            "baseline_source",
            "guardrail",
            "value_per_unit",
            "counts_as_success",
            "created_at",
        ]
        read_only_fields = fields


class MetricWithLatestSerializer(MetricSerializer):
    latest_observed_on = serializers.DateField(read_only=True, allow_null=True)
    latest_value = DecimalValue(read_only=True, allow_null=True)

    class Meta(MetricSerializer.Meta):
        fields = [*MetricSerializer.Meta.fields, "latest_observed_on", "latest_value"]
        read_only_fields = fields


# The reason a change to an approved contract needs (``pilots.services.contract``).
CONTRACT_REASON_HELP = (
    "Required, once the pilot is approved, for any change to its contract (a counted "
    "metric's definition, baseline, target, target date, provenance or guardrail): "
    'without it, a 400 with {"reason": [...]} naming the rule. The change then shows as '
    "drift (`contract/`) until a portfolio lead acknowledges it."
)


class MetricInput(StrictModelSerializer):
    baseline = DecimalValue(required=False, allow_null=True)
    target = DecimalValue(required=False, allow_null=True)
    guardrail = DecimalValue(
        required=False,
        allow_null=True,
        help_text="Critical-segment metrics only: the floor (higher is better, at or below "
        "the target) or ceiling (lower is better, at or above it) the segment must not cross; "
        "null: its own trajectory from baseline to target.",
    )
    value_per_unit = DecimalValue(
        required=False,
        allow_null=True,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        help_text=VALUE_PER_UNIT_HELP,
    )

    class Meta:
        model = Metric
        fields = sorted(METRIC_FIELDS)  # what metric_create and metric_update take
        # The services validate against the stored pilot: no unique-together check here.
        validators: list[Any] = []


class MetricCreateInput(MetricInput):
    reason = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=CONTRACT_REASON_HELP,
    )

    class Meta(MetricInput.Meta):
        fields = [*MetricInput.Meta.fields, "reason"]


class MetricUpdateInput(MetricCreateInput):
    class Meta(MetricCreateInput.Meta):
        extra_kwargs = {name: {"required": False} for name in MetricInput.Meta.fields}


class ReadingSerializer(serializers.ModelSerializer):
    value = DecimalValue(read_only=True)
    recorded_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = MetricReading
        fields = [
            "id",
            "metric",
            "observed_on",
            "value",
            "note",
            "source",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReadingInput(StrictSerializer):
    observed_on = StrictDateField()
    value = DecimalValue()
    note = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class ReadingUpdateInput(StrictSerializer):
    value = DecimalValue()
    note = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class BulkReadingRow(StrictSerializer):
    """Documents one row; rows are parsed by ``pilots.services.ingest`` as a whole."""

    metric = IdField(help_text="The metric's id.")
    observed_on = StrictDateField()
    value = DecimalValue()
    note = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class BulkReadingsInput(StrictSerializer):
    """Documents the request; the view checks its envelope and the service its rows."""

    # The DRF stubs leave out min_length and max_length, which many=True passes on to
    # the ListSerializer (rest_framework.serializers.LIST_SERIALIZER_KWARGS).
    readings = BulkReadingRow(  # type: ignore[call-arg]
        many=True,
        min_length=1,
        max_length=max_rows(),
        help_text=f"Up to {max_rows():,} rows (PILOTGATE_INGEST_MAX_ROWS), for one or many "
        "metrics.",
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="Validate and count, write nothing."
    )


class BulkMetricOutcomeSerializer(serializers.Serializer):
    metric = serializers.IntegerField()
    pilot = StrictCharField(help_text="The pilot's reference.")
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class BulkReadingsResult(serializers.Serializer):
    written = serializers.BooleanField(help_text="False for a dry run.")
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField(help_text="Rows equal to what is stored: not written.")
    metrics = BulkMetricOutcomeSerializer(many=True)
