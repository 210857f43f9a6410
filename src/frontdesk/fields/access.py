"""Which custom fields and values a user may see, composed on tickets/access.py: staff see
every field; a customer sees the customer-visible ones, on the tickets they may see. Reading a
value anywhere (the ticket page, the REST API, CSV, filters) starts from these.

A field with a ``team`` applies to that team's tickets only: ``field_condition`` with
``team_id`` narrows the fields to the ones a ticket of that team (None: in no team) carries,
and ``value_condition`` reads a team field's values only on tickets of its team."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from frontdesk.accounts.models import User
from frontdesk.fields.models import FieldDefinition
from frontdesk.tickets import access

EVERY_TEAM = object()  # ``team_id`` left out: the fields of every team


def team_condition(team_id: int | None) -> Q:
    """The fields a ticket in team ``team_id`` (None: in no team) carries: the global ones
    and its team's."""
    everywhere = Q(team__isnull=True)
    return everywhere if team_id is None else everywhere | Q(team_id=team_id)


def field_condition(user: User, *, team_id: int | object | None = EVERY_TEAM) -> Q:
    """The fields ``user`` may see, as a condition on FieldDefinition; with ``team_id``, only
    those a ticket of that team carries."""
    seen = Q() if access.sees_ticket_workings(user) else Q(customer_visible=True)
    if team_id is EVERY_TEAM:
        return seen
    return seen & team_condition(team_id)  # type: ignore[arg-type]


def fields_visible_to(
    user: User, *, team_id: int | object | None = EVERY_TEAM
) -> QuerySet[FieldDefinition]:
    return FieldDefinition.objects.filter(field_condition(user, team_id=team_id))


def value_condition(user: User) -> Q:
    """The values ``user`` may read, as a condition on TicketFieldValue: of a field they see,
    and of a team field only on a ticket of its team (a ticket moved elsewhere keeps its
    values, unread, until it comes back). The tickets are the caller's to narrow, through
    tickets/access.py (a page of tickets already read through the gate, or
    ``ticket__in=tickets_visible_to(user)``)."""
    applies = Q(field__team__isnull=True) | Q(field__team_id=F("ticket__team_id"))
    if access.sees_ticket_workings(user):
        return applies
    return applies & Q(field__customer_visible=True)
