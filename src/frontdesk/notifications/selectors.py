"""Reads about the outbox, for admins."""

from __future__ import annotations

from django.db.models import Count

from frontdesk.notifications.models import OutboxMail


def outbox_failed_count() -> int:
    """Mails that will not be tried again unless an admin sends them again."""
    return OutboxMail.objects.filter(status=OutboxMail.Status.FAILED).count()


def outbox_backlog() -> dict[str, int]:
    """Mails not sent, by status (``pending``, ``failed``): one grouped count (the metrics)."""
    rows = (
        OutboxMail.objects.filter(status__in=(OutboxMail.Status.PENDING, OutboxMail.Status.FAILED))
        .values_list("status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {str(status): int(count) for status, count in rows}
