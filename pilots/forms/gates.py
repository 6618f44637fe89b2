"""Answering a nomination and deciding a gate."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from pilots.forms.widgets import short_text

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


class AcknowledgeForm(forms.Form):
    """A portfolio lead acknowledges the changes to the approved contract."""

    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=short_text(2),
        help_text="Recorded in the history with the acknowledgement, your name and the time.",
    )
