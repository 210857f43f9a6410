"""The errors a use case can end with, and the one table of the HTTP status each becomes.
Every face (JSON APIs, pages, live endpoints, email) answers with that status and the
error's message; only the SupportMe API keeps its seed's own answers where they differ."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext


class DomainError(Exception):
    """Base class. ``message`` is English, as the APIs answer it; ``said()`` is the same in
    the active language, as a page or the admin shows it (docs/translating.md).

    A message that carries values is written as its English text with ``%(name)s``
    placeholders, marked ``gettext_noop``, and the values apart:
    ``InvalidInput(gettext_noop("At most %(limit)s tickets."), values={"limit": 200})``;
    ``message`` is then that text filled in, byte for byte what an f-string made.
    """

    def __init__(
        self, message: str, *, field: str | None = None, values: Mapping[str, object] | None = None
    ) -> None:
        self.text = message
        self.values = dict(values) if values else {}
        self.message = message % self.values if self.values else message
        super().__init__(self.message)
        self.field = field

    def said(self) -> str:
        """The message in the active language when the catalogue has its text, else English."""
        if self.values:
            return gettext(self.text) % self.values
        return gettext(self.message)


class InvalidInput(DomainError):
    """The input breaks a rule; nothing was changed."""


class NotAllowed(DomainError):
    """The actor may not do this."""


class NotFound(DomainError):
    """The object does not exist."""


class NotVisible(NotFound):
    """The object exists but is not the actor's to see. Every face answers it as NotFound, so
    that existence does not leak; SupportMe's contract answers 403 with its own text."""


class TooLarge(DomainError):
    """The input is over a size limit (an attachment, a request)."""


class InsufficientStorage(TooLarge):
    """The server has too little disk space left to store the input (507); nothing was
    stored. A TooLarge, so every form that shows a size error shows this one too."""


class Conflict(DomainError):
    """The object changed under the actor (someone else claimed it first, ...)."""


class RateLimited(DomainError):
    """Too many attempts in a while; ``retry_after`` is the seconds until the next may pass."""

    def __init__(
        self, message: str, *, retry_after: int, values: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(message, values=values)
        self.retry_after = retry_after


# Most specific first: NotVisible is a NotFound.
_STATUSES: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInput, 400),
    (NotAllowed, 403),
    (NotFound, 404),
    (Conflict, 409),
    (InsufficientStorage, 507),
    (TooLarge, 413),
    (RateLimited, 429),
)


def http_status(exc: DomainError) -> int:
    """The HTTP status of a domain error, the same on every face."""
    for kind, status in _STATUSES:
        if isinstance(exc, kind):
            return status
    return 400
