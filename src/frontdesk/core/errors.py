"""The errors a use case can end with, and the one table of the HTTP status each becomes.
Every face (JSON APIs, pages, live endpoints, email) answers with that status and the
error's message; only the SupportMe API keeps its seed's own answers where they differ."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.utils.translation import gettext, pgettext


@dataclass(frozen=True)
class Said:
    """A text marked ``gettext_noop`` and its values apart, so that it can be said in any
    language: ``english()`` for the APIs and the stored logs, ``said()`` in the active one.
    A value may be a Said itself (a row's "Condition 2", a status's name, a refusal inside
    a sentence), said in the same language; ``context`` is the catalogue's ``msgctxt``.
    ``facts()`` is the same as JSON, which a stored log keeps (``Said.from_facts``)."""

    text: str
    values: Mapping[str, object] = dataclass_field(default_factory=dict)
    context: str | None = None

    def english(self) -> str:
        return _filled(self.text, self.values, Said.english)

    def said(self) -> str:
        text = pgettext(self.context, self.text) if self.context else gettext(self.text)
        return _filled(text, self.values, Said.said)

    def __str__(self) -> str:
        return self.english()

    def facts(self) -> dict[str, Any]:
        values = {
            key: value.facts() if isinstance(value, Said) else _plain(value)
            for key, value in self.values.items()
        }
        facts: dict[str, Any] = {"text": self.text, "values": values}
        if self.context:
            facts["context"] = self.context
        return facts

    @classmethod
    def from_facts(cls, facts: Mapping[str, Any]) -> Said:
        values = {
            key: cls.from_facts(value) if isinstance(value, Mapping) else value
            for key, value in (facts.get("values") or {}).items()
        }
        return cls(str(facts["text"]), values, facts.get("context"))


def _plain(value: object) -> object:
    return value if isinstance(value, int | float | str) else str(value)


def _filled(text: str, values: Mapping[str, object], say: Callable[[Said], str]) -> str:
    if not values:
        return text
    return text % {key: say(v) if isinstance(v, Said) else v for key, v in values.items()}


class DomainError(Exception):
    """Base class. ``message`` is English, as the APIs answer it; ``said()`` is the same in
    the active language, as a page or the admin shows it (docs/translating.md).

    A message that carries values is written as its English text with ``%(name)s``
    placeholders, marked ``gettext_noop``, and the values apart:
    ``InvalidInput(gettext_noop("At most %(limit)s tickets."), values={"limit": 200})``;
    ``message`` is then that text filled in, byte for byte what an f-string made. A value
    may be a :class:`Said` (a part said in the reader's language too).
    """

    def __init__(
        self, message: str, *, field: str | None = None, values: Mapping[str, object] | None = None
    ) -> None:
        self.text = message
        self.values = dict(values) if values else {}
        self.message = self.as_said().english()
        super().__init__(self.message)
        self.field = field

    def said(self) -> str:
        """The message in the active language when the catalogue has its text, else English."""
        return self.as_said().said()

    def as_said(self) -> Said:
        """The message as a part of another (``%(problem)s``), or a stored log's facts."""
        return Said(self.text, self.values)


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
