"""The one way in for mail: every intake (IMAP poller, SMTP/LMTP server) calls mail_receive,
or its two halves when it must record something with the raw (the IMAP poller's UIDs)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction

from frontdesk.mail.models import InboundMail

log = logging.getLogger(__name__)


def mail_receive(
    raw: bytes, *, source: str, envelope_from: str = "", envelope_to: Sequence[str] = ()
) -> InboundMail:
    """Keep the raw mail (committed before anything else happens), then handle it. Handling
    never raises: what fails is quarantined with the reason, and the raw stays."""
    inbound = mail_store(raw, source=source, envelope_from=envelope_from, envelope_to=envelope_to)
    return mail_handle(inbound)


def mail_store(
    raw: bytes, *, source: str, envelope_from: str = "", envelope_to: Sequence[str] = ()
) -> InboundMail:
    """The first half: keep the raw, in its own transaction (or the caller's, which then
    commits whatever the intake records with it, in one go)."""
    with transaction.atomic():
        return InboundMail.objects.create(
            source=source[:300],
            envelope_from=envelope_from[:998],
            envelope_to="\n".join(envelope_to),
            raw=raw,
            size=len(raw),
        )


def mail_handle(inbound: InboundMail) -> InboundMail:
    """The second half: the pipeline. An intake that holds a stored mail never has to refuse
    it, so even an unexpected error is logged here and the mail stays ``received``."""
    from frontdesk.mail.pipeline import mail_process

    try:
        return mail_process(inbound)
    except Exception:
        log.exception("mail %s: handling failed; the raw is kept (status received)", inbound.pk)
        return inbound
