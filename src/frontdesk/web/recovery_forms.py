"""The recovery pages' forms: ask for a reset link, choose the new password."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from frontdesk.web.forms import PASSWORD_HINT_SHOWN, PASSWORDS_DIFFER, PageForm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _new_password(
    label: StrOrPromise, *, hint: StrOrPromise = "", required: StrOrPromise
) -> forms.CharField:
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
        label=_("Email address or username"),
        required=True,
        max_length=254,
        error_messages={
            "required": _("Enter your email address or username."),
            "max_length": _("Enter your email address or username."),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )


class ResetPasswordForm(PageForm):
    password = _new_password(
        _("New password"), hint=PASSWORD_HINT_SHOWN, required=_("Choose a password.")
    )
    password_confirm = _new_password(
        _("Confirm the new password"), required=_("Type the password again.")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, confirm = data.get("password"), data.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", PASSWORDS_DIFFER)
        return data
