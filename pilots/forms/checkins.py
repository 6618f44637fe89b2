"""The business owner's check-in."""

from django import forms

from pilots.enums import Confidence
from pilots.forms.widgets import short_text
from pilots.models.checkins import BLOCKERS_MAX, NARRATIVE_MAX


class CheckInForm(forms.Form):
    confidence = forms.ChoiceField(
        label="Your confidence",
        choices=Confidence.choices,
        widget=forms.RadioSelect,
        help_text="Your own judgement, whatever the metric says: the scorecard shows it when "
        "the two disagree.",
        error_messages={"required": "Choose on track, at risk or off track."},
    )
    narrative = forms.CharField(
        label="Where it stands",
        max_length=NARRATIVE_MAX,
        widget=short_text(3),
        help_text="In a few sentences: what moved since the last check-in, and why you think so.",
        error_messages={"required": "Write a few words on where the pilot stands."},
    )
    blockers = forms.CharField(
        label="Blockers (optional)",
        required=False,
        max_length=BLOCKERS_MAX,
        widget=short_text(2),
        help_text="What stands in the way, and who could remove it.",
    )

    def clean_narrative(self) -> str:
        narrative = self.cleaned_data["narrative"].strip()
        if not narrative:
            raise forms.ValidationError("Write a few words on where the pilot stands.")
        return narrative
