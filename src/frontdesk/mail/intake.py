"""The one way in for mail: every intake (IMAP poller, SMTP/LMTP server) calls mail_receive."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from frontdesk.mail.models import InboundMail


def mail_receive(
    raw: bytes, *, source: str, envelope_from: str = "", envelope_to: Sequence[str] = ()
) -> InboundMail:
    """Keep the raw mail (committed before anything else happens), then handle it. Handling
    never raises: what fails is quarantined with the reason, and the raw stays."""
    with transaction.atomic():
        inbound = InboundMail.objects.create(
            source=source[:300],
            envelope_from=envelope_from[:998],
            envelope_to="\n".join(envelope_to),
            raw=raw,
            size=len(raw),
        )
    from frontdesk.mail.pipeline import mail_process

    return mail_process(inbound)
