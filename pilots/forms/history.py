"""The history page's filters: kind of change and who made it (GET)."""

from typing import Any

from django import forms

from pilots.models import PilotEvent
from pilots.selectors.history import BY_THE_SYSTEM


class HistoryFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "Any kind"), *PilotEvent.Action.choices],
    )
    person = forms.ChoiceField(label="By", required=False)

    def __init__(self, *args: Any, people: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        assert isinstance(person, forms.ChoiceField)
        person.choices = [("", "Anyone"), *people, (BY_THE_SYSTEM, "The system (a job)")]

    def filters(self) -> dict[str, str]:
        """The valid filters (an invalid one is shown as an error and not applied)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "action": data.get("kind", "") or "",
            "person": data.get("person", "") or "",
        }
