"""The errors a use case can end with. Every face (JSON API, pages, email) maps them to its
own answer: a status code and a message a person understands."""

from __future__ import annotations


class DomainError(Exception):
    """Base class; ``message`` is shown to the user as it is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """The input breaks a rule; nothing was changed."""


class NotAllowed(DomainError):
    """The actor may not do this (or may not see the object)."""


class NotFound(DomainError):
    """The object does not exist."""


class TooLarge(DomainError):
    """The input is over a size limit (an attachment, a request); the API answers 413."""


class Conflict(DomainError):
    """The object changed under the actor (someone else claimed it first, ...)."""


class RateLimited(DomainError):
    """Too many attempts in a while; ``retry_after`` is the seconds until the next may pass."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
