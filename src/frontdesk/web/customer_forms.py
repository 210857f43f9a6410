"""The forms of the customer context: adding a caller without an account, the agents' note
about a customer, and the time zone a user reads times in. They only parse; the services in
accounts/services.py check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from frontdesk.accounts.services import NOTE_MAX, time_zone_names
from frontdesk.web.forms import PageForm

BROWSER_ZONE = _("Use my browser's time zone")

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class PhoneInForm(PageForm):
    """The person an agent opens a ticket for when they have no account yet. Sent with the
    new-ticket form under the prefix ``caller``; used when either field is filled."""

    prefix = "caller"

    name = forms.CharField(
        label="Caller's name",
        help_text="Their username is made from it, for example MariaLopez.",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email = forms.CharField(
        label="Caller's email address",
        help_text="They can claim the account later by resetting the password for it.",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def is_used(self) -> bool:
        return any(self.data.get(self.add_prefix(name), "").strip() for name in self.fields)


class CustomerNoteForm(PageForm):
    text = forms.CharField(
        label="Note for agents",
        help_text=f"Customers never see it. At most {NOTE_MAX} characters.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": str(NOTE_MAX)}),
    )
    # Where to go back to without JavaScript (a ticket's page).
    next = forms.CharField(required=False, widget=forms.HiddenInput)


def _zone_choices() -> list[tuple[str, StrOrPromise]]:
    return [
        ("", BROWSER_ZONE),
        *((name, name.replace("_", " ")) for name in sorted(time_zone_names())),
    ]


class TimeZoneForm(PageForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Times on every page are shown in this zone."),
        required=False,
        choices=_zone_choices,
        error_messages={"invalid_choice": _("Choose a time zone from the list.")},
    )
    # Sent by the browser on its own (the zone it runs in): it never overrides a choice.
    auto = forms.BooleanField(required=False, widget=forms.HiddenInput)


def _language_choices() -> list[tuple[str, StrOrPromise]]:
    return [("", _("Use my browser's language")), *settings.LANGUAGES]


class LanguageForm(PageForm):
    language = forms.ChoiceField(
        label=_("Language"),
        help_text=_("Pages and the mail we send you are written in this language."),
        required=False,
        choices=_language_choices,
        error_messages={"invalid_choice": _("Choose a language from the list.")},
    )
