"""Creating an API token."""

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model

from pilots.enums import (
    TokenScope,
)
from pilots.models import (
    ApiToken,
)

User = get_user_model()


class RadioSelectWithHelp(forms.RadioSelect):
    """Radio buttons with a line of help under each choice, tied to it for screen readers."""

    option_template_name = "forms/widgets/radio_option_help.html"

    def __init__(self, *, option_help: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.option_help = option_help

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        help_text = self.option_help.get(str(option["value"]), "")
        if help_text:
            option["help"] = help_text
            option["attrs"]["aria-describedby"] = f"{option['attrs']['id']}_help"
        return option


SCOPE_HELP = {
    TokenScope.READ: "Reads what you can see: pilots, metrics, readings, the handover plan. "
    "For dashboards and reports.",
    TokenScope.INGEST: "Reads, and records metric readings (POST /api/v1/readings/bulk/). "
    "For the pipeline that feeds a pilot's metrics.",
    TokenScope.FULL: "Everything you may do in the web app, gate decisions included. "
    "Keep it for tools you trust.",
}


class ApiTokenForm(forms.ModelForm):
    """A new token's name and scope; the service makes the key."""

    class Meta:
        model = ApiToken
        fields = ["name", "scope"]
        help_texts = {"scope": "What the token may do, within what you may do yourself."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Least power first; read is the default.
        order = [TokenScope.READ, TokenScope.INGEST, TokenScope.FULL]
        scope_field = cast(forms.ChoiceField, self.fields["scope"])
        scope_field.choices = [(scope.value, scope.label) for scope in order]
        scope_field.widget = RadioSelectWithHelp(
            option_help={scope.value: SCOPE_HELP[scope] for scope in order},
            choices=scope_field.choices,
        )
