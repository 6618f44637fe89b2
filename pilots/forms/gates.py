"""Answering a nomination, deciding a gate, and the checkpoint."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from pilots.enums import CheckpointChoice
from pilots.forms.widgets import DateInput, short_text

User = get_user_model()


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


class CheckpointForm(forms.Form):
    """The checkpoint when the handover window opens: continue, extend or stop."""

    decision = forms.ChoiceField(
        label="Decision",
        widget=forms.RadioSelect,
        choices=[
            (
                CheckpointChoice.CONTINUE.value,
                "Continue to handover: the handover plan exists and operations has accepted "
                "the system",
            ),
            (
                CheckpointChoice.EXTEND.value,
                "Extend: a later planned end, with the reason; the checkpoint comes back "
                "when the new handover window opens",
            ),
            (
                CheckpointChoice.STOP.value,
                "Stop the pilot now, with the lessons learned",
            ),
        ],
        error_messages={"required": "Choose continue, extend or stop."},
    )
    rationale = forms.CharField(
        label="Reason",
        required=False,  # the service says why a reason is needed
        widget=short_text(3),
        help_text="Recorded with the decision, with your name and the time.",
    )
    new_end = forms.DateField(
        label="New planned end",
        required=False,
        widget=DateInput(),
        help_text="Extend only: after the current planned end.",
    )
    lessons_learned = forms.CharField(
        required=False,
        widget=short_text(3),
        help_text="Stop only: what the organisation learned, for the next pilot.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the final-decision form on the same page has a rationale too.
        kwargs.setdefault("auto_id", "id_checkpoint_%s")
        super().__init__(*args, **kwargs)


class AcknowledgeForm(forms.Form):
    """A portfolio lead acknowledges the changes to the approved contract."""

    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=short_text(2),
        help_text="Recorded in the history with the acknowledgement, your name and the time.",
    )
