"""Muting reminders, and the leads' log filter."""

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model

from pilots.enums import (
    DigestCadence,
    ReminderKind,
    ReminderStatus,
)

User = get_user_model()


class ReminderMuteForm(forms.Form):
    """Which non-critical reminders the user does not want (email and inbox)."""

    muted = forms.MultipleChoiceField(
        label="Mute these reminders",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Muted reminders are neither emailed nor shown in your inbox. Reminders about "
            "an unplanned handover, an overdue decision or checkpoint, a breached critical "
            "segment, an expired infrastructure waiver, a gate decision waiting too long, a "
            "metric falling back after graduation and an escalation cannot be muted, nor can "
            "a notification that asks you to act or tells that the risk of a pilot worsened."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["muted"]).choices = [
            (kind.value, kind.label) for kind in ReminderKind if kind in ReminderKind.MUTABLE
        ]


AT_ONCE = ""


class DigestChoiceForm(forms.Form):
    """Per kind: emailed at once (the default), or in a daily or weekly digest."""

    prefix = "digest"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        personal = [c for c in DigestCadence.choices if c[0] in DigestCadence.PERSONAL]
        choices = [(AT_ONCE, "At once"), *personal]
        for kind in ReminderKind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, required=False, choices=choices
            )

    def reminder_fields(self) -> list[forms.BoundField]:
        return [self[kind] for kind in ReminderKind.values if kind not in ReminderKind.EVENTS]

    def notification_fields(self) -> list[forms.BoundField]:
        return [self[kind] for kind in ReminderKind.values if kind in ReminderKind.EVENTS]

    def choices(self) -> dict[str, str]:
        """The kinds sent by a digest, and how often (``{kind: cadence}``)."""
        return {kind: cadence for kind, cadence in self.cleaned_data.items() if cadence}


class ReminderLogFilter(forms.Form):
    """The leads' log of reminders: narrow by kind, status, pilot or person."""

    q = forms.CharField(
        label="Pilot or person",
        required=False,
        max_length=100,
        help_text="Reference, pilot title, or the recipient's name or username.",
    )
    kind = forms.ChoiceField(
        label="Reminder", required=False, choices=[("", "All reminders"), *ReminderKind.choices]
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *ReminderStatus.choices]
    )
