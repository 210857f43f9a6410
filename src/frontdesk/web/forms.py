"""The page forms. They only parse what the browser sent and carry errors back to the page;
every rule is checked by the services, whose errors land next to the matching field."""

from __future__ import annotations

from typing import Any

from django import forms

from frontdesk.accounts.validators import PASSWORD_HINT, USERNAME_HINT
from frontdesk.core.errors import DomainError
from frontdesk.tickets.validators import MESSAGE_HINT, TITLE_HINT

PASSWORDS_DIFFER = "Passwords do not match."
UNKNOWN_ACTION = "That action is not available."


class PageForm(forms.Form):
    """Errors are ours (shown next to the field), not the browser's pop-ups."""

    use_required_attribute = False

    def add_domain_error(self, exc: DomainError) -> None:
        """Show a service's error next to its field, or above the form."""
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, exc.message)


def _text(label: str, *, hint: str = "", required: str = "", **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=bool(required),
        error_messages={"required": required},
        widget=forms.TextInput(attrs=attrs),
    )


def _password(label: str, *, hint: str = "", required: str = "", autocomplete: str) -> Any:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=bool(required),
        strip=False,
        error_messages={"required": required},
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


def _message(label: str, *, rows: int) -> forms.CharField:
    # Not required here: the service answers a blank message in the seed's words.
    return forms.CharField(
        label=label,
        help_text=MESSAGE_HINT,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


_USERNAME_ATTRS = {"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"}


class LoginForm(PageForm):
    username = _text(
        "Username or email",
        required="Enter your username or email address.",
        autocomplete="username",
        **_USERNAME_ATTRS,
    )
    password = _password(
        "Password", required="Enter your password.", autocomplete="current-password"
    )


class RegisterForm(PageForm):
    username = _text(
        "Username",
        hint=USERNAME_HINT,
        required="Choose a username.",
        autocomplete="username",
        **_USERNAME_ATTRS,
    )
    email = forms.CharField(
        label="Email address",
        required=True,
        error_messages={"required": "Enter your email address."},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password = _password(
        "Password",
        hint=PASSWORD_HINT,
        required="Choose a password.",
        autocomplete="new-password",
    )
    password_confirm = _password(
        "Confirm password",
        required="Type your password again.",
        autocomplete="new-password",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, confirm = data.get("password"), data.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", PASSWORDS_DIFFER)
        return data


class ProfileForm(PageForm):
    profile_icon = forms.CharField(required=False)
    new_password = _password(
        "New password (optional)",
        hint=f"{PASSWORD_HINT} Leave blank to keep your current password.",
        autocomplete="new-password",
    )
    new_password_confirm = _password("Confirm new password", autocomplete="new-password")
    old_password = _password(
        "Current password",
        hint="Needed to save any change.",
        required="Enter your current password to save your changes.",
        autocomplete="current-password",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password", "") != data.get("new_password_confirm", ""):
            self.add_error("new_password_confirm", PASSWORDS_DIFFER)
        return data


class TicketNewForm(PageForm):
    requester = _text(
        "Customer's username",
        hint="The customer this ticket is for: it will be theirs, on their home page.",
        required="Enter the username of the customer this ticket is for.",
        autocomplete="off",
        **_USERNAME_ATTRS,
    )
    title = _text("Title", hint=TITLE_HINT)
    message = _message("Describe the problem", rows=8)

    def __init__(self, *args: Any, for_staff: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not for_staff:
            del self.fields["requester"]


class TicketActionForm(PageForm):
    """Everything posted from a ticket page: a reply, a note or a button."""

    ACTIONS = ("reply", "note", "close", "reopen", "claim")

    action = forms.ChoiceField(
        choices=[(action, action) for action in ACTIONS],
        error_messages={"invalid_choice": UNKNOWN_ACTION, "required": UNKNOWN_ACTION},
        widget=forms.HiddenInput,
    )
    message = _message("Message", rows=5)
