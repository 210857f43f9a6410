"""Helpers for the notification tests: the outbox rows a change wrote."""

from __future__ import annotations

from frontdesk.notifications.models import OutboxMail


def outbox(**filters: object) -> list[tuple[str, str]]:
    """(kind, recipient's username) of every row written, oldest first; withdrawn rows aside."""
    rows = (
        OutboxMail.objects.filter(**filters)
        .exclude(status=OutboxMail.Status.SKIPPED)
        .order_by("id")
        .select_related("recipient")
    )
    return [(row.kind, row.recipient.username if row.recipient else "") for row in rows]
