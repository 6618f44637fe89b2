"""Web forms: they parse and validate input; the services decide and write.

Model forms are used for their field types, help texts and the models'
constraints (e.g. "the target lies beyond the baseline"), never to save:
views pass ``cleaned_data`` to a service.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from pilots import formats
from pilots.enums import (
    InfrastructureAnswerValue,
    InfrastructureItem,
    MetricKind,
    ReminderKind,
    ReminderStatus,
    Stage,
    TokenScope,
)
from pilots.models import (
    ApiToken,
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Metric,
    OperatingPlan,
    Pilot,
)
from pilots.selectors import active_users
from pilots.services.ingest import max_rows
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
        locked = primary and self.instance.pilot.stage in Stage.STARTED
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cost = self.fields["run_cost_per_month"]
        cost.label = f"Run cost per month ({formats.currency()})"
        cost.help_text = (
            f"Expected monthly cost in production, in {formats.currency()}: "
            "infrastructure, licences, people."
        )


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


# --- API tokens ----------------------------------------------------------------------


class RadioSelectWithHelp(forms.RadioSelect):
    """Radio buttons with a line of help under each choice, tied to it for screen readers."""

    option_template_name = "forms/widgets/radio_option_help.html"

    def __init__(self, *, option_help: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.option_help = option_help

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        help_text = self.option_help.get(str(option["value"]), "")
        if help_text:
            option["help"] = help_text
            option["attrs"]["aria-describedby"] = f"{option['attrs']['id']}_help"
        return option


SCOPE_HELP = {
    TokenScope.READ: "Reads what you can see: pilots, metrics, readings, the handover plan. "
    "For dashboards and reports.",
    TokenScope.INGEST: "Reads, and records metric readings (POST /api/v1/readings/bulk/). "
    "For the pipeline that feeds a pilot's metrics.",
    TokenScope.FULL: "Everything you may do in the web app, gate decisions included. "
    "Keep it for tools you trust.",
}


class ApiTokenForm(forms.ModelForm):
    """A new token's name and scope; the service makes the key."""

    class Meta:
        model = ApiToken
        fields = ["name", "scope"]
        help_texts = {"scope": "What the token may do, within what you may do yourself."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Least power first; read is the default.
        order = [TokenScope.READ, TokenScope.INGEST, TokenScope.FULL]
        self.fields["scope"].choices = [(scope.value, scope.label) for scope in order]
        self.fields["scope"].widget = RadioSelectWithHelp(
            option_help={scope.value: SCOPE_HELP[scope] for scope in order},
            choices=self.fields["scope"].choices,
        )


# --- CSV import of readings ------------------------------------------------------------

CSV_COLUMNS = ("metric", "observed_on", "value", "note")
CSV_REQUIRED_COLUMNS = ("metric", "observed_on", "value")
CSV_MAX_BYTES = 2 * 1024 * 1024  # 2 MB


@dataclass(frozen=True)
class CsvReadings:
    """A CSV file's readings as the ingest service takes them, and where each came from."""

    text: str
    rows: list[dict[str, str]]
    lines: list[int]  # the file line of each row (line 1 is the header)

    def line_of(self, row: int) -> int:
        """The file line of the service's row ``row`` (counted from 1)."""
        return self.lines[row - 1] if 0 < row <= len(self.lines) else row + 1


def csv_readings(text: str) -> CsvReadings:
    """Read a CSV file's header and rows; a file that cannot be read raises ValidationError.

    Only the file's shape is checked here (columns, row count); the ingest
    service validates each row's values.
    """
    reader = csv.DictReader(io.StringIO(text, newline=""), restval="")
    try:
        header = reader.fieldnames
        if not header:
            raise ValidationError("The file is empty: it needs a header line and readings.")
        reader.fieldnames = [(name or "").strip().lower() for name in header]
        missing = [name for name in CSV_REQUIRED_COLUMNS if name not in reader.fieldnames]
        if missing:
            hint = ""
            if ";" in header[0] or "\t" in header[0]:
                hint = " The values seem separated by semicolons or tabs: save it with commas."
            raise ValidationError(
                f"The header line lacks the column{pluralize(len(missing))} "
                f"{', '.join(missing)}. Expected: metric, observed_on, value, note (optional)."
                + hint
            )
        rows: list[dict[str, str]] = []
        lines: list[int] = []
        too_long: list[int] = []
        for record in reader:
            if None in record:  # more values than the header has columns
                too_long.append(reader.line_num)
            rows.append({name: record[name] for name in CSV_COLUMNS if name in record})
            lines.append(reader.line_num)
    except csv.Error as error:
        raise ValidationError(
            f"Line {reader.line_num} could not be read as CSV: {error}."
        ) from None
    if too_long:
        shown = ", ".join(str(line) for line in too_long[:10]) + ("…" if len(too_long) > 10 else "")
        which = f"Line {shown} has" if len(too_long) == 1 else f"Lines {shown} have"
        raise ValidationError(
            f"{which} more values than the header has columns: "
            "put a note that contains a comma in double quotes."
        )
    if not rows:
        raise ValidationError("The file has a header line but no readings below it.")
    if len(rows) > max_rows():
        raise ValidationError(
            f"The file has {len(rows):,} readings; at most {max_rows():,} are imported at once: "
            "split it into several files."
        )
    return CsvReadings(text=text, rows=rows, lines=lines)


def pluralize(count: int) -> str:
    return "" if count == 1 else "s"


def uploaded_text(upload: Any) -> str:
    """An uploaded file's text; a file too large or not UTF-8 raises ValidationError."""
    if upload.size > CSV_MAX_BYTES:
        raise ValidationError(
            f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is 2 MB: "
            "split it into several files."
        )
    try:
        return upload.read().decode("utf-8-sig")  # Excel starts UTF-8 files with a BOM
    except UnicodeDecodeError:
        raise ValidationError(
            "The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”; "
            "elsewhere, choose the UTF-8 encoding when you export."
        ) from None


class ReadingImportForm(forms.Form):
    """A CSV file of readings (the upload), or its text again (the confirmation).

    ``readings`` holds what was read. Errors of the file go on its field, errors
    of the text sent back by the confirmation (a hidden field) on the form.
    """

    file = forms.FileField(
        label="CSV file",
        required=False,
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        help_text="Columns: metric, observed_on (YYYY-MM-DD), value, note (optional). "
        "UTF-8, at most 2 MB.",
    )
    csv_text = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload, text = data.get("file"), data.get("csv_text")
        try:
            if upload is not None:
                data["readings"] = csv_readings(uploaded_text(upload))
            elif text:
                if len(text) > CSV_MAX_BYTES:
                    raise ValidationError("The file is larger than 2 MB: split it.")
                data["readings"] = csv_readings(text)
            elif not self.errors:
                raise ValidationError("Choose a CSV file to import.")
        except ValidationError as error:
            self.add_error("file" if upload is not None or not text else None, error)
        return data

    @property
    def readings(self) -> CsvReadings:
        """After ``is_valid()``: the file's readings."""
        return self.cleaned_data["readings"]


# --- Reminders ---------------------------------------------------------------------------


class ReminderMuteForm(forms.Form):
    """Which non-critical reminders the user does not want (email and inbox)."""

    muted = forms.MultipleChoiceField(
        label="Mute these reminders",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Muted reminders are neither emailed nor shown in your inbox. Reminders about "
            "an unplanned handover and an overdue decision cannot be muted."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["muted"].choices = [
            (kind.value, kind.label) for kind in ReminderKind if kind in ReminderKind.MUTABLE
        ]


class ReminderLogFilter(forms.Form):
    """The leads' log of reminders: narrow by kind, status, pilot or person."""

    q = forms.CharField(
        label="Pilot or person",
        required=False,
        max_length=100,
        help_text="Reference, pilot title, or the recipient's name or username.",
    )
    kind = forms.ChoiceField(
        label="Reminder", required=False, choices=[("", "All reminders"), *ReminderKind.choices]
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *ReminderStatus.choices]
    )
