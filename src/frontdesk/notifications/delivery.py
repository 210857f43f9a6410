"""Send one outbox row: claim it, render it, hand it to the mail backend, mark it sent."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives

from frontdesk.core.clock import now
from frontdesk.notifications.models import OutboxMail
from frontdesk.notifications.rendering import render


def outbox_deliver(*, mail_id: int) -> bool:
    claimed = OutboxMail.objects.filter(pk=mail_id, status=OutboxMail.Status.PENDING).update(
        status=OutboxMail.Status.SENDING
    )
    if not claimed:
        return False
    mail = OutboxMail.objects.select_related("recipient", "ticket", "message", "event").get(
        pk=mail_id
    )
    rendered = render(mail)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        to=[mail.to_address],
        headers={"Message-ID": mail.message_id_header, "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(rendered.html, "text/html")
    message.send()
    OutboxMail.objects.filter(pk=mail_id).update(
        status=OutboxMail.Status.SENT, sent_at=now(), subject=rendered.subject[:998]
    )
    return True
