"""The demo's followers and CC (``frontdesk demo``): on the newest active tickets, an agent
follows some and a requester copied a neighbour from their organisation (or another customer)
on others. Written as rows, like the rest of the demo's tickets: as if they had been there
from the start, so no history row and no time of the tickets moves."""

from __future__ import annotations

from frontdesk.accounts.models import Role, User
from frontdesk.following.models import CcPerson, Follower
from frontdesk.tickets.models import IS_ACTIVE, Ticket

TICKETS_WITH_FOLLOWERS = 12
TICKETS_WITH_CC = 8


def demo_following_create() -> str:
    """Add followers and CC to the newest active tickets, unless some exist. Returns what it
    did, in words."""
    if Follower.objects.exists() or CcPerson.objects.exists():
        return "Followers and CC: already there."
    agents = list(User.objects.filter(role=Role.AGENT, is_active=True).order_by("pk")[:20])
    customers = list(
        User.objects.filter(role=Role.CUSTOMER, is_active=True)
        .exclude(email="")
        .order_by("pk")[:200]
    )
    tickets = list(
        Ticket.objects.filter(IS_ACTIVE)
        .select_related("requester")
        .order_by("-created_at", "-id")[: TICKETS_WITH_FOLLOWERS + TICKETS_WITH_CC]
    )
    followers = []
    for number, ticket in enumerate(tickets[:TICKETS_WITH_FOLLOWERS]):
        candidates = [agent for agent in agents if agent.pk != ticket.assignee_id]
        if candidates:
            person = candidates[number % len(candidates)]
            followers.append(Follower(ticket=ticket, user=person, created_at=ticket.created_at))
    copies = []
    for ticket in tickets[TICKETS_WITH_FOLLOWERS:]:
        neighbour = _neighbour(ticket, customers)
        if neighbour is not None:
            copies.append(
                CcPerson(
                    ticket=ticket,
                    person=neighbour,
                    added_by_id=ticket.requester_id,
                    created_at=ticket.created_at,
                )
            )
    Follower.objects.bulk_create(followers, ignore_conflicts=True)
    CcPerson.objects.bulk_create(copies, ignore_conflicts=True)
    return f"Followers on {len(followers)} tickets; CC on {len(copies)} tickets."


def _neighbour(ticket: Ticket, customers: list[User]) -> User | None:
    others = [person for person in customers if person.pk != ticket.requester_id]
    same = [
        p
        for p in others
        if p.organisation_id and p.organisation_id == ticket.requester.organisation_id
    ]
    pool = same or others
    return pool[ticket.pk % len(pool)] if pool else None
