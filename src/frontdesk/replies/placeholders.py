"""Placeholders in saved replies: a fixed list, substituted as plain text.

A saved reply is text an agent wrote, so it is never given to the template engine: the one
thing done to it is to replace each ``{{ name }}`` of :data:`PLACEHOLDERS` by its value, in a
single pass (a value that itself looks like a placeholder stays as it is). ``{% ... %}`` and
any other text stay inert. Placeholders not on the list are refused when a reply is saved
(:func:`check_placeholders`) and left as they are if one is met anyway. Values are plain text:
the page that shows the message escapes them like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput
from frontdesk.tickets.models import Ticket

# name: what it becomes. Users have a username only (no first or last name), so both names
# are the username until people have names of their own.
PLACEHOLDERS: dict[str, str] = {
    "customer.first_name": "the customer's first name (their username if none)",
    "customer.name": "the customer's name (their username if none)",
    "agent.first_name": "your first name (your username if none)",
    "agent.name": "your name (your username if none)",
    "ticket.number": "the ticket's number, for example TKT-000042",
    "ticket.title": "the ticket's title",
}
ALLOWED_TEXT = ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)

# Anything between double braces on one line is meant as a placeholder.
_CANDIDATE = re.compile(r"\{\{(.*?)\}\}")


@dataclass(frozen=True)
class Values:
    """What the placeholders become for one ticket and one agent."""

    values: dict[str, str]

    @classmethod
    def of(cls, *, ticket: Ticket, agent: User) -> Values:
        customer = ticket.requester
        return cls(
            {
                "customer.first_name": first_name(customer),
                "customer.name": full_name(customer),
                "agent.first_name": first_name(agent),
                "agent.name": full_name(agent),
                "ticket.number": ticket.number,
                "ticket.title": ticket.title,
            }
        )


def first_name(user: User) -> str:
    return user.username


def full_name(user: User) -> str:
    return user.username


def check_placeholders(text: str, *, field: str = "body") -> None:
    """Refuse a placeholder that is not on the list, naming it and the ones allowed."""
    for match in _CANDIDATE.finditer(text):
        if match.group(1).strip() not in PLACEHOLDERS:
            raise InvalidInput(
                gettext_noop(
                    "%(placeholder)s is not a placeholder Frontdesk knows. Use one of: %(allowed)s."
                ),
                values={"placeholder": match.group(0), "allowed": ALLOWED_TEXT},
                field=field,
            )


def render(text: str, values: Values) -> str:
    """``text`` with each known placeholder replaced by its value, in one pass."""

    def substitute(match: re.Match[str]) -> str:
        return values.values.get(match.group(1).strip(), match.group(0))

    return _CANDIDATE.sub(substitute, text)
