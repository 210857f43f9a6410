"""An agent who writes on a ticket follows it, as in Zendesk: whoever answered a customer or
left a note hears of what happens next, without asking. Not the assignee, who hears of the
customer's replies as the assignee (notifications/rules.py). Heard inside the use case's
transaction, in one statement that does nothing when they follow it already."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from frontdesk.accounts.models import STAFF_ROLES, User
from frontdesk.following.models import Follower
from frontdesk.tickets.models import Message, MessageKind


@receiver(post_save, sender=Message, dispatch_uid="following-author-follows")
def _author_follows(
    sender: Any, instance: Message, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw or instance.kind not in (MessageKind.PUBLIC, MessageKind.INTERNAL):
        return
    ticket = instance.ticket
    if instance.author_id in (ticket.requester_id, ticket.assignee_id):
        return
    # The use cases hand the author in (message_post's actor): no query to learn their role.
    author = instance.author if Message.author.is_cached(instance) else None
    staff = author.role in STAFF_ROLES if author is not None else _is_staff(instance.author_id)
    if not staff:
        return
    Follower.objects.bulk_create(
        [Follower(ticket_id=ticket.pk, user_id=instance.author_id)], ignore_conflicts=True
    )


def _is_staff(user_id: int) -> bool:
    return User.objects.filter(pk=user_id, role__in=STAFF_ROLES).exists()
