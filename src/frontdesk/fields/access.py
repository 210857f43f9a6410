"""Which custom fields and values a user may see, composed on tickets/access.py: staff see
every field; a customer sees the customer-visible ones, on the tickets they may see. Reading a
value anywhere (the ticket page, the REST API, CSV, filters) starts from these."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from frontdesk.accounts.models import User
from frontdesk.fields.models import FieldDefinition
from frontdesk.tickets import access


def field_condition(user: User) -> Q:
    """The fields ``user`` may see, as a condition on FieldDefinition."""
    return Q() if access.sees_ticket_workings(user) else Q(customer_visible=True)


def fields_visible_to(user: User) -> QuerySet[FieldDefinition]:
    return FieldDefinition.objects.filter(field_condition(user))


def value_condition(user: User) -> Q:
    """The values ``user`` may read, as a condition on TicketFieldValue: of a field they see.
    The tickets are the caller's to narrow, through tickets/access.py (a page of tickets
    already read through the gate, or ``ticket__in=tickets_visible_to(user)``)."""
    return Q() if access.sees_ticket_workings(user) else Q(field__customer_visible=True)
