"""Reads about the outbox, for admins."""

from __future__ import annotations

from frontdesk.notifications.models import OutboxMail


def outbox_failed_count() -> int:
    """Mails that will not be tried again unless an admin sends them again."""
    return OutboxMail.objects.filter(status=OutboxMail.Status.FAILED).count()
