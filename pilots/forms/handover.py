"""The handover plan: knowledge-transfer tasks."""

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse

from pilots.forms.widgets import DateInput, UserChoiceField
from pilots.models import (
    KnowledgeTransferTask,
    Pilot,
)
from pilots.selectors.pilots import pilot_people

User = get_user_model()


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
            search_url=f"{reverse('pilots:people')}?pilot={pilot.reference}",
            label=self.Meta.labels["assignee"],
            empty_label="Someone on the pilot",
            help_text="The sponsor, the business owner, the operations owner or a team member.",
        )
        self.fields["receiver"] = UserChoiceField(
            label=self.Meta.labels["receiver"],
            required=False,
            empty_label="Nobody named",
            help_text="Suggested: the pilot's operations owner, who will run the system.",
        )
        if self.instance.pk is None:
            # A new task hands knowledge to whoever will run the system: the operations
            # owner and the receiving team the pilot names, unless changed here.
            self.initial["receiver"] = self.initial.get("receiver") or pilot.operations_owner_id
            self.initial["receiver_team"] = (
                self.initial.get("receiver_team") or pilot.receiving_team
            )
        kind = cast(forms.ChoiceField, self.fields["kind"])
        # Read back, a ChoiceField's choices are a normalized list (the stub types
        # the getter like the setter); the first is the blank choice.
        kind.choices = cast(list[tuple[str, str]], kind.choices)[1:]


class TaskCompleteForm(forms.Form):
    evidence_url = forms.URLField(
        label="Evidence link",
        required=False,
        assume_scheme="https",
        help_text="The runbook, recording, rota or ticket that shows the knowledge moved.",
    )


class TaskDeclineForm(forms.Form):
    reason = forms.CharField(
        label="What is missing",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="The giver reads this: say what you still need before you can run it "
        "(e.g. “The runbook does not cover the failover”). The task goes back to them.",
        error_messages={"required": "Say what is missing, so the giver knows what to hand over."},
    )


class TaskMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])
