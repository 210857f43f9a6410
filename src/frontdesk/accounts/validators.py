"""The account rules of SupportMe, with its words; shown to users before and after they type."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import USER_ICONS, ProfileIcon
from frontdesk.core.errors import InvalidInput

USERNAME_MAX = 16
PASSWORD_MIN = 8
PASSWORD_MAX = 32

USERNAME_HINT = f"Letters and digits only, at most {USERNAME_MAX} characters."
PASSWORD_HINT = f"Between {PASSWORD_MIN} and {PASSWORD_MAX} characters."

_email_validator = EmailValidator()


def check_username(username: str) -> None:
    # ASCII only: with case-insensitive uniqueness, look-alike letters from other scripts
    # would let two people pass as the same name.
    if not (username.isascii() and username.isalnum()):
        raise InvalidInput(
            gettext_noop("Username can only contain alphanumeric characters."), field="username"
        )
    if len(username) > USERNAME_MAX:
        raise InvalidInput(
            gettext_noop("Username cannot be more than %(limit)s characters."),
            values={"limit": USERNAME_MAX},
            field="username",
        )


def check_password(password: str, *, field: str = "password") -> None:
    if len(password) < PASSWORD_MIN:
        raise InvalidInput(
            gettext_noop("Password must be at least %(limit)s characters."),
            values={"limit": PASSWORD_MIN},
            field=field,
        )
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(
            gettext_noop("Password cannot be more than %(limit)s characters."),
            values={"limit": PASSWORD_MAX},
            field=field,
        )


EMAIL_MAX = 254  # RFC 5321's path limit, and the column's size


def check_email(email: str) -> None:
    if len(email) > EMAIL_MAX:
        raise InvalidInput(gettext_noop("The provided email was invalid."), field="email")
    try:
        _email_validator(email)
    except ValidationError:
        raise InvalidInput(gettext_noop("The provided email was invalid."), field="email") from None


def check_profile_icon(icon: str, *, is_admin: bool = False) -> None:
    if icon not in USER_ICONS and not (is_admin and icon == ProfileIcon.ADMIN):
        raise InvalidInput(gettext_noop("Profile icon is invalid."), field="profile_icon")
