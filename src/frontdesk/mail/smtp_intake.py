"""The SMTP/LMTP intake: a small server an MTA delivers the support mail to.

``frontdesk mail-intake [--host H] [--port P] [--lmtp]`` (docs/email.md, "Intakes") listens
on 127.0.0.1:2525 by default. It is a final destination, not a relay: it accepts a recipient
only if it is one of FRONTDESK_SUPPORT_ADDRESSES (any case), or a plus-address of one
(``support+t12u34-<mac>@example.com``, the signed reply addresses), and answers anything else
``550 5.1.1``. It offers no AUTH and no STARTTLS: it belongs on loopback behind the MTA that
faces the internet (Postfix, Exim), or on another interface only behind a firewall.

A mail larger than FRONTDESK_MAIL_MAX_BYTES (announced with the SIZE extension) is refused with
``552``. Accepted data is kept through the intake (:func:`~frontdesk.mail.intake.mail_store`)
in a worker thread, since the ORM is synchronous, and ``250`` is answered only once the raw is
committed and handled; if it cannot be kept, the answer is ``451`` and the MTA tries again
later, so a mail it was told was accepted is never lost. In LMTP mode the answer to DATA is one
line per accepted recipient, as the protocol asks (one stored mail serves them all).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections, connections

from frontdesk.mail.intake import mail_handle, mail_store
from frontdesk.mail.models import InboundMail

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 100
STORE_THREADS = 4  # mails kept at the same time (each holds a database connection meanwhile)


def accepted_addresses() -> frozenset[str]:
    return frozenset(address.strip().lower() for address in settings.FRONTDESK_SUPPORT_ADDRESSES)


def address_accepted(address: str, accepted: frozenset[str] | None = None) -> bool:
    """Whether ``address`` is a support address, or a plus-address of one."""
    accepted = accepted_addresses() if accepted is None else accepted
    local, at, domain = address.strip().lower().rpartition("@")
    if not at or not local or not domain:
        return False
    return f"{local}@{domain}" in accepted or f"{local.split('+', 1)[0]}@{domain}" in accepted


def _keep(raw: bytes, source: str, sender: str, recipients: Sequence[str]) -> InboundMail:
    """In a worker thread: the ORM as a request would use it (connections opened and closed
    here, never shared with the event loop's thread)."""
    close_old_connections()
    try:
        inbound = mail_store(raw, source=source, envelope_from=sender, envelope_to=recipients)
        return mail_handle(inbound)
    finally:
        connections.close_all()


class IntakeHandler:
    """aiosmtpd's hooks: which recipients, and what happens to the data."""

    def __init__(self, *, lmtp: bool = False) -> None:
        self.lmtp = lmtp
        self.protocol = "lmtp" if lmtp else "smtp"
        self.executor = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="mail-intake")

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        if not address_accepted(address):
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer or "")
        recipients = list(envelope.rcpt_tos)
        try:
            inbound = await asyncio.get_running_loop().run_in_executor(
                self.executor,
                _keep,
                raw,
                f"{self.protocol}://{peer}",
                envelope.mail_from or "",
                recipients,
            )
        except Exception:
            log.exception("%s intake: a mail from %s could not be kept", self.protocol, peer)
            status = "451 4.3.0 Could not keep the mail now, try again later"
        else:
            status = f"250 2.0.0 OK, kept as mail {inbound.pk}"
        if self.lmtp:
            return "\r\n".join([status] * len(recipients))
        return status


class IntakeController(Controller):
    """The server in a thread of its own (aiosmtpd's controller), SMTP or LMTP."""

    def __init__(self, *, host: str, port: int, lmtp: bool = False, **kwargs: Any) -> None:
        self.lmtp = lmtp
        self.handler: IntakeHandler = IntakeHandler(lmtp=lmtp)
        super().__init__(
            self.handler,
            hostname=host,
            port=port,
            data_size_limit=settings.FRONTDESK_MAIL_MAX_BYTES,
            enable_SMTPUTF8=True,
            decode_data=False,
            ident="Frontdesk mail intake",
            **kwargs,
        )

    def factory(self) -> SMTP:
        server_class = LMTP if self.lmtp else SMTP
        return server_class(self.handler, **self.SMTP_kwargs)

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert=no_assert)
        self.handler.executor.shutdown(wait=True)
