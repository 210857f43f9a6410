"""Use cases on the outbox itself (what admins do with mail that could not be sent)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.core.errors import NotAllowed
from frontdesk.notifications.models import OutboxMail
from frontdesk.notifications.outbox import deliver_after_commit


def outbox_retry(*, actor: User, mail_ids: Iterable[int]) -> int:
    """Send failed mails again: each goes back to pending with its attempts counted afresh and
    is handed to the worker once this commits. The same Message-ID is kept (the mail may have
    reached the recipient after all: a client shows it once). Rows that are not failed are
    left as they are; returns how many were queued again."""
    if not actor.is_admin:
        raise NotAllowed(gettext_noop("Only admins can send mail again."))
    with transaction.atomic():
        ids = list(
            OutboxMail.objects.select_for_update()
            .filter(pk__in=list(mail_ids), status=OutboxMail.Status.FAILED)
            .values_list("pk", flat=True)
        )
        OutboxMail.objects.filter(pk__in=ids).update(
            status=OutboxMail.Status.PENDING, attempts=0, next_attempt_at=now()
        )
        for mail_id in ids:
            deliver_after_commit(mail_id)
    return len(ids)
