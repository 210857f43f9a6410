"""Handle a stored mail: parse, route, and hand it to the same services the pages use."""

from __future__ import annotations

from frontdesk.mail.models import InboundMail


def mail_process(inbound: InboundMail) -> InboundMail:
    return inbound
