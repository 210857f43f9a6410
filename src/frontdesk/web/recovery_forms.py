"""The recovery pages' forms: ask for a reset link, choose the new password."""

from __future__ import annotations

from typing import Any

from django import forms

from frontdesk.accounts.validators import PASSWORD_HINT
from frontdesk.web.forms import PASSWORDS_DIFFER, PageForm


def _new_password(label: str, *, hint: str = "", required: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=True,
        strip=False,
        error_messages={"required": required},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class ForgotPasswordForm(PageForm):
    login = forms.CharField(
        label="Email address or username",
        required=True,
        max_length=254,
        error_messages={
            "required": "Enter your email address or username.",
            "max_length": "Enter your email address or username.",
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )


class ResetPasswordForm(PageForm):
    password = _new_password("New password", hint=PASSWORD_HINT, required="Choose a password.")
    password_confirm = _new_password(
        "Confirm the new password", required="Type the password again."
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, confirm = data.get("password"), data.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", PASSWORDS_DIFFER)
        return data
