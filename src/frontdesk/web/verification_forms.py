"""The email verification pages' forms: a new address (with the current password)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from frontdesk.web.forms import PageForm


class EmailChangeForm(PageForm):
    email = forms.CharField(
        label=_("New email address"),
        required=True,
        error_messages={"required": _("Enter the new email address.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Current password"),
        required=True,
        strip=False,
        error_messages={"required": _("Enter your current password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
