"""The two-factor forms: they only parse; accounts/two_factor.py checks every code."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from frontdesk.web.forms import PageForm

CODE_HINT = _("The 6-digit code your authenticator app shows now, or one of your recovery codes.")

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _code_field(label: StrOrPromise, hint: StrOrPromise, *, required: bool) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=required,
        max_length=64,
        error_messages={"required": _("Enter the code."), "max_length": _("That is not a code.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )


class TwoFactorCodeForm(PageForm):
    """The sign-in's second step."""

    code = _code_field(_("Code"), CODE_HINT, required=True)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["code"].widget.attrs["autofocus"] = True  # the page's one field


class TwoFactorEnrolForm(PageForm):
    """Set-up: the first code from the app (recovery codes do not exist yet)."""

    code = _code_field(_("Code"), _("The 6-digit code the app shows now."), required=True)


class TwoFactorConfirmForm(PageForm):
    """Turning two-factor off or making new recovery codes: the password, or a code."""

    password = forms.CharField(
        label=_("Your password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = _code_field(_("Or a code"), CODE_HINT, required=False)
