"""Which custom fields and values a user may see, composed on tickets/access.py: staff see
every field; a customer sees the customer-visible ones, on the tickets they may see. Reading a
value anywhere (the ticket page, the REST API, CSV, filters) starts from these."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from frontdesk.accounts.models import User
from frontdesk.fields.models import FieldDefinition, TicketFieldValue
from frontdesk.tickets import access


def field_condition(user: User) -> Q:
    """The fields ``user`` may see, as a condition on FieldDefinition."""
    return Q() if access.sees_ticket_workings(user) else Q(customer_visible=True)


def fields_visible_to(user: User) -> QuerySet[FieldDefinition]:
    return FieldDefinition.objects.filter(field_condition(user))


def values_visible_to(user: User) -> QuerySet[TicketFieldValue]:
    """The values ``user`` may read: of a field they see, on a ticket they see."""
    condition = Q() if access.sees_ticket_workings(user) else Q(field__customer_visible=True)
    return TicketFieldValue.objects.filter(condition, ticket__in=access.tickets_visible_to(user))
