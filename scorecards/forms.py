"""The portfolio's forms: naming the current filters as a saved view."""

from __future__ import annotations

from django import forms

from scorecards.models import SavedView


class SavedViewForm(forms.Form):
    name = forms.CharField(
        label="Save these filters as",
        max_length=SavedView._meta.get_field("name").max_length,
        help_text="A view of the same name is replaced.",
    )
    # The portfolio's query string; only its filter parameters are kept.
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)
