"""The registration wizard's forms."""

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model

from pilots.enums import (
    InfrastructureAnswerValue,
    InfrastructureItem,
    MetricKind,
    Stage,
)
from pilots.forms.widgets import DateInput, UserChoiceField, plain_decimal, short_text
from pilots.frame import formats
from pilots.models import (
    InfrastructureAnswer,
    Metric,
    OperatingPlan,
    Pilot,
)
from pilots.services.registration import PILOT_FIELDS_BY_STAGE

User = get_user_model()

CONTRACT_REASON_HELP = (
    "This pilot's contract was approved: a change to it needs a written reason. It shows "
    "as drift on the pilot page until a portfolio lead acknowledges it."
)


def contract_reason_field() -> forms.CharField:
    return forms.CharField(
        label="Reason for the change",
        required=False,  # the service says when a reason is needed
        max_length=2000,
        widget=short_text(2),
        help_text=CONTRACT_REASON_HELP,
    )


def with_contract_reason(form: forms.BaseForm, pilot: Pilot | None) -> None:
    """Ask ``form`` for the reason a change to an approved contract needs."""
    if pilot is not None and pilot.stage in Stage.APPROVED_OR_LATER:
        form.fields["reason"] = contract_reason_field()


class ContractReasonForm(forms.Form):
    """The reason for a change to an approved contract, on a step with several forms."""

    def __init__(self, *args: Any, pilot: Pilot, **kwargs: Any) -> None:
        kwargs["prefix"] = "contract"
        super().__init__(*args, **kwargs)
        with_contract_reason(self, pilot)


class PilotBasicsForm(forms.ModelForm):
    class Meta:
        model = Pilot
        fields = ["title", "problem_statement", "business_unit", "planned_start", "planned_end"]
        widgets = {
            "problem_statement": short_text(4),
            "planned_start": DateInput(),
            "planned_end": DateInput(),
        }
        help_texts = {
            "title": "A name the business recognises, e.g. “Invoice triage assistant”.",
            "planned_start": "The first day of the pilot.",
            "planned_end": "The last day. The final third of the pilot is its handover window.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        business_unit = cast("forms.ModelChoiceField[Any]", self.fields["business_unit"])
        business_unit.empty_label = "— None yet —"
        stage = self.instance.stage if self.instance.pk else Stage.DRAFT
        editable = PILOT_FIELDS_BY_STAGE.get(stage, frozenset())
        for name, field in self.fields.items():
            if name not in editable:
                field.disabled = True
                field.help_text = "Fixed at this stage."
        with_contract_reason(self, self.instance if self.instance.pk else None)


class MetricForm(forms.ModelForm):
    """A metric's definition; ``reason`` is asked for once the contract is approved."""

    class Meta:
        model = Metric
        fields = [
            "kind",
            "name",
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
        ]
        widgets = {"target_date": DateInput(), "baseline_measured_on": DateInput()}
        help_texts = {
            "name": "The business number that must move, e.g. “Invoices processed per hour”.",
            "baseline": "Where the number stands today, before the pilot.",
            "target": "Where it must be by the target date for the pilot to be worth running.",
            "cadence": "How often a reading is expected; a metric without one is stale.",
        }

    def __init__(self, *args: Any, primary: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        direction = cast(forms.ChoiceField, self.fields["direction"])
        # Read back, a ChoiceField's choices are a normalized list (the stub types
        # the getter like the setter, with callables and Choices classes).
        directions = cast(list[tuple[str, str]], direction.choices)[1:]
        direction.choices = [("", "— Choose —"), *directions]
        if primary:
            del self.fields["guardrail"]  # a critical segment's, never the primary's
            del self.fields["kind"]
            self.instance.kind = MetricKind.PRIMARY
            per_unit = self.fields["value_per_unit"]
            per_unit.label = f"Value per unit, per month ({formats.currency()})"
            per_unit.help_text = (
                "Optional. What one unit of improvement of this metric is worth per month, in "
                f"{formats.currency()}: for a metric counting hours of work per month, the cost "
                "of an hour; for a per-case metric, what one unit less per case is worth in a "
                "month. The pilot page then shows the realised value against the run cost."
            )
            self.initial["value_per_unit"] = plain_decimal(self.initial.get("value_per_unit"))
        else:
            del self.fields["value_per_unit"]  # only the primary metric is priced
            cast(forms.ChoiceField, self.fields["kind"]).choices = [
                (value, label) for value, label in MetricKind.choices if value != MetricKind.PRIMARY
            ]
        for name in ("baseline", "target", "guardrail"):
            self.initial[name] = plain_decimal(self.initial.get(name))
        with_contract_reason(self, self.instance.pilot)

    def service_fields(self) -> dict[str, Any]:
        fields = {name: value for name, value in self.cleaned_data.items() if name != "reason"}
        if "kind" not in fields:
            fields["kind"] = MetricKind.PRIMARY
        return fields


class OwnerNominationForm(forms.Form):
    owner = UserChoiceField(
        label="Business owner",
        empty_label="Type a name, username or email",
        help_text="The person in the business accountable for the result. They must accept "
        "before the pilot can be approved.",
    )

    def __init__(self, *args: Any, pilot: Pilot, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with_contract_reason(self, pilot)


class MemberForm(forms.Form):
    user = UserChoiceField(label="Team member", empty_label="Type a name, username or email")
    role = forms.CharField(
        max_length=100, required=False, help_text="e.g. ML engineer, analyst, product owner."
    )


class OperationsForm(forms.ModelForm):
    class Meta:
        model = Pilot
        fields = ["operations_owner", "receiving_team"]
        labels = {"operations_owner": "Operations owner"}
        help_texts = {
            "operations_owner": "The person who will run the system after handover.",
            "receiving_team": "The team that will operate it, e.g. “Finance IT service desk”. "
            "Name a person, a team, or both.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["operations_owner"] = UserChoiceField(
            label="Operations owner",
            required=False,
            empty_label="Nobody named yet",
            help_text=self.fields["operations_owner"].help_text,
        )
        with_contract_reason(self, self.instance)


class InfrastructureAnswerForm(forms.ModelForm):
    """One checklist question; a blank answer leaves it unanswered.

    "Planned" needs the day it will be in place; "No" and "Planned" need a waiver
    (a reason and an expiry date) before the pilot may be submitted.
    """

    answer = forms.ChoiceField(
        choices=InfrastructureAnswerValue.choices, widget=forms.RadioSelect, required=False
    )
    # The stored answer's waiver as the step shows it (set by the view).
    waiver_row: Any = None

    class Meta:
        model = InfrastructureAnswer
        fields = [
            "answer",
            "evidence_url",
            "notes",
            "planned_on",
            "waiver_reason",
            "waiver_expires_on",
        ]
        widgets = {
            "notes": short_text(2),
            "planned_on": DateInput(),
            "waiver_reason": short_text(2),
            "waiver_expires_on": DateInput(),
        }
        labels = {
            "evidence_url": "Evidence link",
            "planned_on": "In place on",
            "waiver_reason": "Waiver: reason",
            "waiver_expires_on": "Waiver: expires on",
        }
        help_texts = {
            "planned_on": "For “Planned”: the day it will be in place.",
            "waiver_reason": "For “No” or “Planned”: why the pilot may go ahead without it, "
            "and what covers the gap meanwhile. A portfolio lead approves it.",
            "waiver_expires_on": "For “No” or “Planned”: the last day the waiver holds, on or "
            "after the planned start.",
        }

    def __init__(self, data: Any = None, *, item: InfrastructureItem, **kwargs: Any) -> None:
        super().__init__(data, prefix=item.value, **kwargs)
        self.item = item
        self.fields["answer"].label = item.label

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        answer = data.get("answer")
        if answer != InfrastructureAnswerValue.PLANNED:
            data["planned_on"] = None
        elif not data.get("planned_on") and "planned_on" not in self.errors:
            self.add_error("planned_on", "Give the day it will be in place.")
        if answer == InfrastructureAnswerValue.YES:
            # A "yes" ends the waiver.
            data["waiver_reason"], data["waiver_expires_on"] = "", None
        elif answer:
            reason = (data.get("waiver_reason") or "").strip()
            expires_on = data.get("waiver_expires_on")
            if reason and not expires_on and "waiver_expires_on" not in self.errors:
                self.add_error("waiver_expires_on", "A waiver needs an expiry date too.")
            if expires_on and not reason:
                self.add_error("waiver_reason", "A waiver needs a reason too.")
        return data

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def _post_clean(self) -> None:
        if self.cleaned_data.get("answer"):
            # The model's constraints: a "yes" needs evidence. django-stubs leaves
            # out BaseForm._post_clean, the hook BaseModelForm overrides.
            super()._post_clean()  # type: ignore[misc]


class OperatingPlanForm(forms.ModelForm):
    class Meta:
        model = OperatingPlan
        fields = list(OperatingPlan.CONTRACT_FIELDS)
        widgets = {
            name: short_text(3)
            for name in (
                "support_model",
                "monitoring_plan",
                "incident_process",
                "model_maintenance",
            )
        }
        labels = {"run_cost_per_month": "Run cost per month"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cost = self.fields["run_cost_per_month"]
        cost.label = f"Run cost per month ({formats.currency()})"
        cost.help_text = (
            f"Expected monthly cost in production, in {formats.currency()}: "
            "infrastructure, licences, people. A change asks the budget holder again."
        )
        plan = self.instance
        help_text = (
            "The person who pays for the 12 months of operation. They are asked at once to "
            "accept the 12-month run cost; the pilot cannot be approved until they do."
        )
        if plan.budget_holder_note and plan.budget_holder_id is None:
            help_text += f" The plan named “{plan.budget_holder_note}” before: name that person."
        self.fields["budget_holder"] = UserChoiceField(
            label="Budget holder",
            required=False,
            empty_label="Type a name, username or email",
            help_text=help_text,
        )
        with_contract_reason(self, self.instance.pilot)
