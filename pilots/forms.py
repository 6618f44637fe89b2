"""Web forms: they parse and validate input; the services decide and write.

Model forms are used for their field types, help texts and the models'
constraints (e.g. "the target lies beyond the baseline"), never to save:
views pass ``cleaned_data`` to a service.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from pilots.models import (
    InfrastructureAnswer,
    InfrastructureAnswerValue,
    InfrastructureItem,
    KnowledgeTransferTask,
    Metric,
    MetricKind,
    OperatingPlan,
    Pilot,
    Stage,
)
from pilots.services.metrics import LOCKED_STAGES
from pilots.services.registration import PILOT_FIELDS_BY_STAGE

User = get_user_model()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class UserChoiceField(forms.ModelChoiceField):
    """Active people, shown by name with their username to tell namesakes apart."""

    def __init__(self, queryset: QuerySet | None = None, **kwargs: Any) -> None:
        if queryset is None:
            queryset = active_users()
        super().__init__(queryset=queryset, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


def active_users() -> QuerySet:
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def plain_decimal(value: Decimal | None) -> str | None:
    """``12.0000`` as stored → ``12`` as a person would type it."""
    return None if value is None else format(value.normalize(), "f")


def short_text(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# --- Registration ------------------------------------------------------------------


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
        self.fields["business_unit"].empty_label = "— None yet —"
        stage = self.instance.stage if self.instance.pk else Stage.DRAFT
        editable = PILOT_FIELDS_BY_STAGE.get(stage, frozenset())
        for name, field in self.fields.items():
            if name not in editable:
                field.disabled = True
                field.help_text = "Fixed at this stage."


class MetricForm(forms.ModelForm):
    """A metric's definition; ``reason`` is asked for when the goalposts are locked."""

    reason = forms.CharField(
        required=False,
        widget=short_text(2),
        help_text="Needed to change a running pilot's baseline, target or target date: "
        "the change and its reason go into the history.",
    )

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
        ]
        widgets = {"target_date": DateInput()}
        help_texts = {
            "name": "The business number that must move, e.g. “Invoices processed per hour”.",
            "baseline": "Where the number stands today, before the pilot.",
            "target": "Where it must be by the target date for the pilot to be worth running.",
            "cadence": "How often a reading is expected; a metric without one is stale.",
        }

    def __init__(self, *args: Any, primary: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["direction"].choices = [
            ("", "— Choose —"),
            *self.fields["direction"].choices[1:],
        ]
        if primary:
            del self.fields["kind"]
            self.instance.kind = MetricKind.PRIMARY
        else:
            self.fields["kind"].choices = [
                (value, label) for value, label in MetricKind.choices if value != MetricKind.PRIMARY
            ]
        for name in ("baseline", "target"):
            self.initial[name] = plain_decimal(self.initial.get(name))
        locked = primary and self.instance.pilot.stage in LOCKED_STAGES
        if not locked:
            del self.fields["reason"]

    def service_fields(self) -> dict[str, Any]:
        fields = {name: value for name, value in self.cleaned_data.items() if name != "reason"}
        if "kind" not in fields:
            fields["kind"] = MetricKind.PRIMARY
        return fields


class OwnerNominationForm(forms.Form):
    owner = UserChoiceField(
        label="Business owner",
        empty_label="— Choose a person —",
        help_text="The person in the business accountable for the result. They must accept "
        "before the pilot can be approved.",
    )


class MemberForm(forms.Form):
    user = UserChoiceField(label="Team member", empty_label="— Choose a person —")
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
            empty_label="— Nobody named yet —",
            help_text=self.fields["operations_owner"].help_text,
        )


class InfrastructureAnswerForm(forms.ModelForm):
    """One checklist question; a blank answer leaves it unanswered."""

    answer = forms.ChoiceField(
        choices=InfrastructureAnswerValue.choices, widget=forms.RadioSelect, required=False
    )

    class Meta:
        model = InfrastructureAnswer
        fields = ["answer", "evidence_url", "notes"]
        widgets = {"notes": short_text(2)}
        labels = {"evidence_url": "Evidence link"}

    def __init__(self, *args: Any, item: InfrastructureItem, **kwargs: Any) -> None:
        super().__init__(*args, prefix=item.value, **kwargs)
        self.item = item
        self.fields["answer"].label = item.label

    def _post_clean(self) -> None:
        if self.cleaned_data.get("answer"):
            super()._post_clean()  # the model's constraints: a "yes" needs evidence


class OperatingPlanForm(forms.ModelForm):
    class Meta:
        model = OperatingPlan
        fields = list(OperatingPlan.REQUIRED_FIELDS)
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


# --- Ownership and gates -------------------------------------------------------------


class DeclineForm(forms.Form):
    reason = forms.CharField(
        required=False,  # the service says why a reason is needed
        widget=short_text(3),
        help_text="The sponsor reads this to nominate someone else or fix the pilot.",
    )


class DecisionForm(forms.Form):
    """Approve / reject / start / graduate / stop: one decision with its words."""

    rationale = forms.CharField(
        required=False,
        widget=short_text(3),
        help_text="Recorded with the decision, with your name and the time.",
    )
    lessons_learned = forms.CharField(
        required=False,
        widget=short_text(4),
        help_text="Required to stop: what the organisation learned, for the next pilot.",
    )

    def __init__(self, *args: Any, decisions: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "stop" not in decisions:
            del self.fields["lessons_learned"]
        if decisions == ("start",):
            self.fields["rationale"].label = "Note (optional)"


# --- Readings --------------------------------------------------------------------------


class ReadingEditForm(forms.Form):
    """A correction: the value and note of a reading whose day stays."""

    value = forms.DecimalField(max_digits=16, decimal_places=4)
    note = forms.CharField(max_length=500, required=False)


class ReadingForm(ReadingEditForm):
    observed_on = forms.DateField(label="Date", widget=DateInput())

    field_order = ["observed_on", "value", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"observed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


# --- Handover ------------------------------------------------------------------------


def pilot_people(pilot: Pilot) -> QuerySet:
    """Everyone who works on the pilot: sponsor, owner, operations owner, team."""
    ids = [pilot.sponsor_id, pilot.owner_id, pilot.operations_owner_id]
    return (
        active_users()
        .filter(Q(pk__in=[pk for pk in ids if pk]) | Q(pilot_memberships__pilot=pilot))
        .distinct()
    )


class TaskForm(forms.ModelForm):
    class Meta:
        model = KnowledgeTransferTask
        fields = [
            "title",
            "kind",
            "assignee",
            "receiver",
            "receiver_team",
            "due_on",
            "evidence_url",
        ]
        widgets = {"due_on": DateInput()}
        labels = {
            "assignee": "Assignee (gives the knowledge)",
            "receiver": "Receiver (person)",
            "receiver_team": "Receiving team",
            "evidence_url": "Evidence link",
        }
        help_texts = {
            "title": "e.g. “Walk the service desk through the runbook”.",
            "receiver_team": "Name a person, a team, or both.",
            "evidence_url": "Optional now; required to mark the task done.",
        }

    def __init__(self, *args: Any, pilot: Pilot, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.pilot = pilot
        self.fields["assignee"] = UserChoiceField(
            queryset=pilot_people(pilot),
            label=self._meta.labels["assignee"],
            empty_label="— Choose someone on the pilot —",
        )
        self.fields["receiver"] = UserChoiceField(
            label=self._meta.labels["receiver"], required=False, empty_label="— Nobody named —"
        )
        self.fields["kind"].choices = self.fields["kind"].choices[1:]


class TaskCompleteForm(forms.Form):
    evidence_url = forms.URLField(
        label="Evidence link",
        required=False,
        assume_scheme="https",
        help_text="The runbook, recording, rota or ticket that shows the knowledge moved.",
    )


class TaskMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])
