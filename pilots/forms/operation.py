"""The value reviews of a system in operation: the owner's review and a sign-off."""

from typing import Any

from django import forms

from pilots.enums import ValueReviewProposal
from pilots.forms.lessons import LESSON_FIELDS, LessonForm
from pilots.forms.widgets import short_text

YES_NO = [("yes", "Yes"), ("no", "No")]


def yes_no(label: str, message: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": message},
    )


class ValueReviewForm(LessonForm):
    """The business owner's value review: the level, use, worth, narrative and proposal,
    then the lesson (``LessonForm``): optional, except to retire."""

    metric_value = forms.DecimalField(
        label="Primary metric's level now",
        required=False,
        max_digits=18,
        decimal_places=4,
        help_text="Leave empty to take the latest reading.",
    )
    still_used = yes_no("Is the system still used?", "Say whether the system is still used.")
    worth_cost = yes_no(
        "Is it still worth its run cost?", "Say whether it is still worth its cost."
    )
    narrative = forms.CharField(
        label="Value realised",
        max_length=2000,
        required=False,  # the service says why it is needed
        widget=short_text(4),
        help_text="What the system delivers now, against the level at graduation and the "
        "approved target.",
    )
    proposal = forms.ChoiceField(
        label="Proposal",
        choices=ValueReviewProposal.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose sustain, improve or retire."},
    )

    field_order = (
        "metric_value",
        "still_used",
        "worth_cost",
        "narrative",
        "proposal",
        *LESSON_FIELDS,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_review_%s")
        super().__init__(*args, **kwargs)


class SignOffForm(forms.Form):
    """Sign a value review off, or refuse it with a reason."""

    reason = forms.CharField(
        label="Reason (required to refuse)",
        required=False,
        max_length=2000,
        widget=short_text(2),
        help_text="Recorded with your answer, your name and the time.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_signoff_%s")
        super().__init__(*args, **kwargs)
