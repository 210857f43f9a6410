"""Opening a ticket for a caller who has no account: the new-ticket page's second way to
name the customer. The account and the ticket are made together or not at all."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from frontdesk.accounts.models import User
from frontdesk.accounts.services import customer_create_for_phone_in
from frontdesk.tickets import services
from frontdesk.web.customer_forms import PhoneInForm


def ticket_open_for_caller(
    *, actor: User, caller: PhoneInForm, title: str, body: str, files: Sequence[UploadedFile]
) -> services.Opened:
    """Add the caller (customer_create_for_phone_in) and open the ticket for them
    (ticket_open); if the ticket is refused, the account is not kept either."""
    with transaction.atomic():
        requester = customer_create_for_phone_in(
            actor=actor, name=caller.cleaned_data["name"], email=caller.cleaned_data["email"]
        )
        return services.ticket_open(
            actor=actor, title=title, body=body, requester=requester, files=files
        )
