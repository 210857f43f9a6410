"""Who else is on a ticket: "Bob is viewing", "Bob is replying" (agents only).

Best effort by design: each open ticket page says where it is every few seconds, and an entry
that is not renewed within PRESENCE_TTL seconds disappears. A lost update between two
heartbeats is corrected by the next one.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core import clock
from frontdesk.core.errors import InvalidInput, NotAllowed
from frontdesk.core.jobs import run_quietly
from frontdesk.live.announce import ticket_channel
from frontdesk.live.broker import broker
from frontdesk.tickets.models import Ticket

PRESENCE_TTL = 25
STATES = ("viewing", "replying", "left")


def _key(ticket_id: int) -> str:
    return f"presence:ticket:{ticket_id}"


def presence_on_ticket(*, ticket: Ticket) -> list[dict[str, Any]]:
    moment = clock.timestamp()
    entries: dict[int, dict[str, Any]] = cache.get(_key(ticket.pk), {})
    return [
        {"user_id": user_id, "name": entry["name"], "state": entry["state"]}
        for user_id, entry in sorted(entries.items())
        if entry["until"] > moment
    ]


def presence_update(*, user: User, ticket: Ticket, state: str) -> list[dict[str, Any]]:
    """Record where ``user`` is on ``ticket`` and tell the other agents on it."""
    if not user.is_staff_member:
        raise NotAllowed(gettext_noop("Only agents share their presence on a ticket."))
    if state not in STATES:
        raise InvalidInput(
            gettext_noop("Unknown presence %(state)s."),
            values={"state": repr(state)},
            field="state",
        )
    moment = clock.timestamp()
    entries: dict[int, dict[str, Any]] = cache.get(_key(ticket.pk), {})
    entries = {uid: entry for uid, entry in entries.items() if entry["until"] > moment}
    if state == "left":
        entries.pop(user.pk, None)
    else:
        entries[user.pk] = {"name": user.username, "state": state, "until": moment + PRESENCE_TTL}
    cache.set(_key(ticket.pk), entries, PRESENCE_TTL)
    people = presence_on_ticket(ticket=ticket)
    event = {"type": "presence", "ticket": ticket.pk, "staff_only": True, "people": people}
    # Redis away: the others hear of it at the next beat after it is back.
    run_quietly(lambda: broker().publish(ticket_channel(ticket.pk), event), what="share presence")
    return people
