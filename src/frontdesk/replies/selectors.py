"""Reading saved replies: the ones an agent may use (their own and the shared ones), found
by name, shortcut or text, and one rendered for a ticket. Customers have none: every read
refuses them. Which replies a user may see is :func:`saved_replies_for`, and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Lower
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.errors import NotAllowed, NotFound
from frontdesk.core.ids import is_id
from frontdesk.replies import placeholders
from frontdesk.replies.models import SavedReply
from frontdesk.tickets import access

FOR_AGENTS = gettext_noop("Saved replies are for agents.")
REPLY_NOT_FOUND = gettext_noop("There is no saved reply with that id.")
SEARCH_MAX_LENGTH = 100
LIST_LIMIT = 50
LIST_LIMIT_MAX = 200


def check_agent(user: User) -> None:
    if not user.is_staff_member:
        raise NotAllowed(FOR_AGENTS)


def saved_replies_for(user: User) -> QuerySet[SavedReply]:
    """The replies ``user`` may use: their own and the shared ones (none for a customer)."""
    if not user.is_staff_member:
        return SavedReply.objects.none()
    return SavedReply.objects.filter(Q(owner=user) | Q(owner__isnull=True))


def saved_replies_search(*, user: User, text: str = "") -> QuerySet[SavedReply]:
    """The replies ``user`` may use with every word of ``text`` in the name, the shortcut or
    the body; those whose shortcut or name starts with the first word come first."""
    check_agent(user)
    replies = saved_replies_for(user)
    words = text[:SEARCH_MAX_LENGTH].split()
    for word in words:
        replies = replies.filter(
            Q(name__icontains=word) | Q(shortcut__icontains=word) | Q(body__icontains=word)
        )
    return replies.order_by(*_best_first(words))


def _best_first(words: list[str]) -> list[str | Combinable]:
    if not words:
        return [Lower("name"), "id"]
    first = words[0]
    rank = Case(
        When(shortcut__iexact=first, then=Value(0)),
        When(Q(shortcut__istartswith=first) | Q(name__istartswith=first), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return [rank, Lower("name"), "id"]


def saved_reply_get(*, user: User, reply_id: int) -> SavedReply:
    """A reply ``user`` may use; NotFound for another agent's personal one, as for none."""
    check_agent(user)
    reply = saved_replies_for(user).filter(pk=reply_id).first() if is_id(reply_id) else None
    if reply is None:
        raise NotFound(REPLY_NOT_FOUND)
    return reply


@dataclass(frozen=True)
class Rendered:
    reply: SavedReply
    text: str


def saved_reply_render(*, user: User, reply_id: int, ticket_id: int) -> Rendered:
    """The reply's text for this ticket, placeholders filled in for ``user`` as the agent.
    Only reads: the macro is applied when the message is sent (services.saved_reply_apply)."""
    reply = saved_reply_get(user=user, reply_id=reply_id)
    ticket = access.ticket_get(user=user, ticket_id=ticket_id)
    values = placeholders.Values.of(ticket=ticket, agent=user)
    return Rendered(reply=reply, text=placeholders.render(reply.body, values))
