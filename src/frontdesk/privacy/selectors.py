"""What the privacy pages show before an admin acts: who the customer is and what anonymising
or deleting them would touch. Admins only, like the use cases (privacy/services.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from frontdesk.accounts.models import User
from frontdesk.core.errors import NotAllowed
from frontdesk.following.models import CcPerson
from frontdesk.privacy.models import PrivacyLog
from frontdesk.privacy.services import ONLY_ADMINS, check_customer, is_anonymised
from frontdesk.tickets import access
from frontdesk.tickets.models import Attachment, Message, Ticket


@dataclass(frozen=True)
class Preview:
    customer: User
    anonymised: bool
    requested: int  # tickets they asked for: deleted by "delete", kept by "anonymise"
    copied: int  # tickets of others they are copied on
    files: int  # files they uploaded: removed either way
    written_elsewhere: int  # their messages on others' tickets: kept either way
    history: list[PrivacyLog]


def customer_privacy_preview(*, actor: User, customer_id: int) -> Preview:
    if not actor.is_admin:
        raise NotAllowed(ONLY_ADMINS)
    customer = access.person_get(user=actor, person_id=customer_id)
    check_customer(customer)
    return Preview(
        customer=customer,
        anonymised=is_anonymised(customer),
        requested=Ticket.objects.filter(requester=customer).count(),
        copied=CcPerson.objects.filter(person=customer).count(),
        files=Attachment.objects.filter(uploader=customer).count(),
        written_elsewhere=Message.objects.filter(author=customer)
        .exclude(ticket__requester=customer)
        .count(),
        history=list(privacy_log_of(customer_id=customer.pk)[:20]),
    )


def privacy_log_of(*, customer_id: int) -> QuerySet[PrivacyLog]:
    return PrivacyLog.objects.filter(customer_id=customer_id).select_related("actor")
