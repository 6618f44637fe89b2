"""Password forms that say what happens to the user's API tokens: revoked unless kept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AdminPasswordChangeForm, PasswordChangeForm, SetPasswordForm
from django.contrib.auth.models import User

from pilots.accounts import passwords


class KeepTokensMixin(forms.Form):
    """A "keep my API tokens" box (unticked: a new password revokes them) and its rule."""

    user: User

    keep_api_tokens = forms.BooleanField(
        required=False,
        label="Keep my API tokens",
        help_text="Unticked, every API token of this account stops working with the new "
        "password: tick only if you are sure nobody else has the old password.",
    )

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)  # type: ignore[misc]
        if commit:
            passwords.password_changed(
                user=self.user, keep_api_tokens=self.cleaned_data.get("keep_api_tokens", False)
            )
        return user


class PasswordChangeKeepTokensForm(KeepTokensMixin, PasswordChangeForm):
    pass


class SetPasswordKeepTokensForm(KeepTokensMixin, SetPasswordForm):
    pass


class AdminPasswordKeepTokensForm(KeepTokensMixin, AdminPasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["keep_api_tokens"].label = "Keep this user's API tokens"
        self.fields[
            "keep_api_tokens"
        ].help_text = (
            "Unticked, every API token of this account stops working with the new password."
        )
