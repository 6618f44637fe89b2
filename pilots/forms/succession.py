"""Naming a successor to a role that keeps a pilot alive."""

from typing import Any, cast

from django import forms

from pilots.forms.widgets import UserChoiceField, short_text
from pilots.services.succession import Holder


class SuccessionForm(forms.Form):
    role = forms.ChoiceField(label="Role to hand on")
    successor = UserChoiceField(
        label="Successor", help_text="They must accept before the role changes hands."
    )
    reason = forms.CharField(
        required=False,  # the service says why a reason is needed
        widget=short_text(3),
        help_text="Recorded in the history and sent to the successor and the predecessor.",
    )

    def __init__(self, *args: Any, holders: list[Holder], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.holders = {holder.key: holder for holder in holders}
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            (key, h.label) for key, h in self.holders.items()
        ]

    def holder(self) -> Holder:
        return self.holders[self.cleaned_data["role"]]
