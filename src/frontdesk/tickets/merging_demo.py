"""The demo's merged, split and linked tickets (``frontdesk demo``): among the newest active
demo tickets, a few of one customer's are merged into another of theirs, a few pairs are
linked, and one customer's later message is split into a ticket of its own, all through the
use cases of tickets/merging.py, so a newcomer finds the "Linked tickets" card filled and a
merged ticket's number leading to its survivor."""

from __future__ import annotations

from frontdesk.accounts.models import Role, User
from frontdesk.core.errors import DomainError
from frontdesk.tickets.merging import message_split, tickets_link, tickets_merge
from frontdesk.tickets.models import IS_ACTIVE, Message, MessageKind, Ticket, TicketLink

MERGES = 3
LINKS = 3
CANDIDATES = 300  # the newest active tickets looked at


def demo_merges_create() -> str:
    """Merge, link and split a few demo tickets, once. Returns what it did, in words."""
    agent = User.objects.filter(role=Role.AGENT, is_active=True).order_by("pk").first()
    if agent is None or TicketLink.objects.exists():
        return "Merged and linked tickets: already there (or no agent)."
    newest = list(
        Ticket.objects.filter(IS_ACTIVE, merged_into__isnull=True)
        .order_by("-id")
        .values_list("id", "requester_id")[:CANDIDATES]
    )
    merged = linked = split = 0
    used: set[int] = set()
    by_requester: dict[int, int] = {}
    for ticket_id, requester_id in newest:
        survivor = by_requester.get(requester_id)
        if survivor is None or merged >= MERGES:
            by_requester.setdefault(requester_id, ticket_id)
            continue
        try:
            tickets_merge(actor=agent, source_id=ticket_id, target=survivor)
        except DomainError:
            continue
        used.update({ticket_id, survivor})
        merged += 1
    free = [ticket_id for ticket_id, _ in newest if ticket_id not in used]
    for one, two in zip(free[0 : 2 * LINKS : 2], free[1 : 2 * LINKS : 2], strict=False):
        tickets_link(actor=agent, ticket_id=one, other=two)
        linked += 1
    later = _a_later_customer_message(free[2 * LINKS :])
    if later is not None:
        message_split(actor=agent, message_id=later, title="A second question")
        split = 1
    return f"Merged {merged} tickets, linked {linked} pairs and split {split} message."


def _a_later_customer_message(ticket_ids: list[int]) -> int | None:
    """A public message by a ticket's requester that is not its first."""
    for ticket_id in ticket_ids[:50]:
        public = list(
            Message.objects.filter(ticket_id=ticket_id, kind=MessageKind.PUBLIC)
            .order_by("id")
            .values_list("id", "author_id", "ticket__requester_id")
        )
        for message_id, author_id, requester_id in public[1:]:
            if author_id == requester_id:
                return message_id
    return None
