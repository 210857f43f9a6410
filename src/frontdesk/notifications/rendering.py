"""Render an outbox row from its kind's template files, in the recipient's time zone.

Each kind has a folder ``templates/notifications/mail/<kind>/`` with ``subject.txt``,
``body.txt`` and ``body.html``; a missing file is an error at render time (a mail is never sent
silently empty).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from frontdesk.notifications.models import OutboxMail


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)  # e.g. List-Unsubscribe


def context_for(mail: OutboxMail) -> dict[str, Any]:
    ticket = mail.ticket
    return {
        "mail": mail,
        "recipient": mail.recipient,
        "ticket": ticket,
        "message": mail.message,
        "event": mail.event,
        "data": mail.data,
        "site_url": settings.FRONTDESK_SITE_URL,
        "ticket_url": f"{settings.FRONTDESK_SITE_URL}/ticket/{ticket.pk}" if ticket else "",
    }


def render(mail: OutboxMail) -> RenderedMail:
    folder = f"notifications/mail/{mail.kind}"
    zone = getattr(mail.recipient, "time_zone", "") or settings.TIME_ZONE
    context = context_for(mail)
    with timezone.override(zone):
        subject = render_to_string(f"{folder}/subject.txt", context)
        text = render_to_string(f"{folder}/body.txt", context)
        html = render_to_string(f"{folder}/body.html", context)
    return RenderedMail(subject=" ".join(subject.split()), text=text.strip() + "\n", html=html)
