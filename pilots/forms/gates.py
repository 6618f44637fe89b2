"""Answering a nomination, deciding a gate, and the checkpoint."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from pilots.enums import CheckpointChoice
from pilots.forms.lessons import LESSON_FIELDS, LessonForm
from pilots.forms.widgets import DateInput, short_text

User = get_user_model()


class DeclineForm(forms.Form):
    reason = forms.CharField(
        required=False,  # the service says why a reason is needed
        widget=short_text(3),
        help_text="The sponsor reads this to nominate someone else or fix the pilot.",
    )


class DecisionForm(LessonForm):
    """Approve / reject / start / graduate / stop: one decision with its words, and the
    lessons learned where graduating or stopping is open (required to stop)."""

    rationale = forms.CharField(
        required=False,
        widget=short_text(3),
        help_text="Recorded with the decision, with your name and the time.",
    )
    field_order = ("rationale", *LESSON_FIELDS)

    def __init__(self, *args: Any, decisions: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not {"stop", "graduate"} & set(decisions):
            for name in LESSON_FIELDS:
                del self.fields[name]
        else:
            self.fields["what_worked"].help_text = (
                "Lessons learned: required to stop (what worked or what failed), asked at "
                "graduation. They go to the lessons library, for the next pilot."
            )
        if decisions == ("start",):
            self.fields["rationale"].label = "Note (optional)"


class CheckpointForm(LessonForm):
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
    field_order = ("decision", "rationale", "new_end", *LESSON_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the final-decision form on the same page has a rationale too.
        kwargs.setdefault("auto_id", "id_checkpoint_%s")
        super().__init__(*args, **kwargs)
        self.fields[
            "what_worked"
        ].help_text = (
            "Stop only: the lessons learned (what worked or what failed), for the next pilot."
        )


class AcknowledgeForm(forms.Form):
    """A portfolio lead acknowledges the changes to the approved contract."""

    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=short_text(2),
        help_text="Recorded in the history with the acknowledgement, your name and the time.",
    )
