"""The structured lesson a decision asks for, and the lessons library's filters."""

from __future__ import annotations

from typing import Any

from django import forms

from pilots.enums import FailureMode, Stage
from pilots.forms.widgets import short_text
from pilots.models.lessons import TAGS_MAX, TEXT_MAX
from pilots.services.lessons import LessonWords

LESSON_FIELDS = ("what_worked", "what_failed", "failure_modes", "tags")


class LessonForm(forms.Form):
    """What worked, what failed, which failure modes bit, a few tags.

    Embed it in a decision's form by inheriting from it (``DecisionForm``,
    ``CheckpointForm``); ``lesson_words()`` gives what ``record_lesson`` takes. The
    service checks what is required: the fields themselves are all optional.
    """

    what_worked = forms.CharField(
        label="What worked",
        required=False,
        max_length=TEXT_MAX,
        widget=short_text(3),
        help_text="What the next pilot should do again.",
    )
    what_failed = forms.CharField(
        label="What failed",
        required=False,
        max_length=TEXT_MAX,
        widget=short_text(3),
        help_text="What the next pilot should avoid, and why it happened.",
    )
    failure_modes = forms.MultipleChoiceField(
        label="Which failure modes bit",
        required=False,
        choices=FailureMode.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="None, one or several.",
    )
    tags = forms.CharField(
        label="Tags",
        required=False,
        max_length=400,
        help_text=f"A handful (at most {TAGS_MAX}), separated by commas: e.g. data quality, "
        "vendor.",
    )

    def lesson_words(self) -> LessonWords:
        """The cleaned lesson (call after ``is_valid()``)."""
        data = self.cleaned_data
        return LessonWords(
            what_worked=data.get("what_worked", ""),
            what_failed=data.get("what_failed", ""),
            failure_modes=tuple(data.get("failure_modes") or ()),
            tags=data.get("tags", ""),
        )


OUTCOMES = [(stage.value, stage.label) for stage in Stage]


class LessonFilterForm(forms.Form):
    """``/lessons/``'s search and filters (GET). Unknown values are ignored, never a 500."""

    q = forms.CharField(label="Search the lessons", required=False, max_length=100)
    failure_mode = forms.ChoiceField(
        label="Failure mode",
        required=False,
        choices=[("", "Any failure mode"), *FailureMode.choices],
    )
    business_unit = forms.TypedChoiceField(
        label="Business unit", required=False, coerce=int, empty_value=None
    )
    outcome = forms.ChoiceField(
        label="Outcome", required=False, choices=[("", "Any outcome"), *OUTCOMES]
    )

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["business_unit"]
        assert isinstance(unit_field, forms.TypedChoiceField)
        unit_field.choices = [("", "Any business unit"), *units]
