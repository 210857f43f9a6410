"""Which addresses may not receive automatic mail while an incoming mail is being handled.

The intake knows an incoming mail came from an auto-responder, a list or a mailer daemon; the
notification rules, which run inside the same use case, do not. The intake wraps the use case in
:func:`no_automatic_mail_to`, and the rules ask :func:`automatic_mail_allowed` before writing
an automatic mail (a receipt, a status notice) to that address: two robots never talk in a loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_quiet: ContextVar[frozenset[str]] = ContextVar("frontdesk_quiet_addresses", default=frozenset())


@contextmanager
def no_automatic_mail_to(*addresses: str) -> Iterator[None]:
    token = _quiet.set(_quiet.get() | {address.lower() for address in addresses if address})
    try:
        yield
    finally:
        _quiet.reset(token)


def automatic_mail_allowed(address: str) -> bool:
    return address.lower() not in _quiet.get()
