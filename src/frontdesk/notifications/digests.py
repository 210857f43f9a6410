"""Agents' digests: the notifications an agent chose to receive together (hourly or daily)
wait as DigestItems (notifications/rules.py writes them) and go out as one ``digest`` mail.

A digest is due when its oldest waiting item has waited a whole period: each item waits at
most one period (plus the sweep's interval), and an agent gets at most one digest a period.
Items of an agent who has since turned the digest off are due at once.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Min

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.notifications import kinds
from frontdesk.notifications.kinds import DIGEST_SECONDS, DigestPeriod
from frontdesk.notifications.models import DigestItem, OutboxMail
from frontdesk.notifications.outbox import outbox_enqueue
from frontdesk.notifications.preferences import digest_periods


def digests_due() -> list[int]:
    """The users whose digest is due now. Two queries."""
    moment = now()
    oldest = dict(
        DigestItem.objects.filter(digest__isnull=True)
        .order_by()
        .values("user_id")
        .annotate(first=Min("created_at"))
        .values_list("user_id", "first")
    )
    periods = digest_periods(oldest)
    due = []
    for user_id, first in oldest.items():
        period = periods.get(user_id)
        wait = DIGEST_SECONDS.get(DigestPeriod(period), 0) if period else 0
        if first <= moment - timedelta(seconds=wait):
            due.append(user_id)
    return sorted(due)


def digest_send(*, user_id: int) -> OutboxMail | None:
    """Write one digest mail with every item waiting for ``user_id`` and mark them as carried
    by it, in one transaction: two sweeps at once send each item once (the user's row is
    locked). Items for someone who can no longer receive mail are dropped. None: nothing
    was waiting."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        waiting = DigestItem.objects.filter(user_id=user_id, digest__isnull=True)
        ids = list(waiting.values_list("pk", flat=True))
        if user is None or not ids:
            return None
        if not (user.is_staff_member and user.email):
            DigestItem.objects.filter(pk__in=ids).delete()
            return None
        mail = outbox_enqueue(kind=kinds.DIGEST, recipient=user, data={"items": len(ids)})
        DigestItem.objects.filter(pk__in=ids).update(digest=mail)
    return mail


def digests_send_due() -> int:
    """Send every digest that is due (the periodic job). Returns how many were written."""
    return sum(digest_send(user_id=user_id) is not None for user_id in digests_due())
