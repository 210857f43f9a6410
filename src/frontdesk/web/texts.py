"""The services' words that the customers' pages show (a form's error, a notice), marked for
the translation catalogue. The services write English (the SupportMe and REST APIs answer
in it); a page says them in its reader's language with ``gettext(exc.message)``
(PageForm.add_domain_error) when the catalogue has them: docs/translating.md."""

from __future__ import annotations

from django.utils.translation import gettext_noop

SERVICE_TEXTS = (
    # accounts/services.py, accounts/validators.py
    gettext_noop("A user with the supplied username and password was not found."),
    gettext_noop("That username is already taken."),
    gettext_noop("A user is already registered with that email address."),
    gettext_noop("Incorrect password was provided."),
    gettext_noop("Username can only contain alphanumeric characters."),
    gettext_noop("The provided email was invalid."),
    gettext_noop("Choose a time zone from the list, for example Europe/London."),
    gettext_noop("Choose a language from the list."),
    # accounts/recovery.py, accounts/verification.py, accounts/two_factor.py
    gettext_noop("Enter your email address or username."),
    gettext_noop("Your email address is confirmed already."),
    gettext_noop("That is your address already."),
    gettext_noop("That sign-in took too long. Sign in again."),
    # accounts/verification.py: how long a confirmation link works, as its mail says it
    gettext_noop("3 days"),
    # tickets/validators.py
    gettext_noop("Give the ticket a title."),
    gettext_noop("Write a message: it can't be empty."),
)
