"""The demo's privacy request (``frontdesk demo``): one customer whose tickets are all closed
asked to be forgotten, and the admin anonymised them through the use case, so the privacy log,
the placeholder name and the tickets' system lines are there to see."""

from __future__ import annotations

from frontdesk.accounts.models import Role, User
from frontdesk.privacy.models import PrivacyLog
from frontdesk.privacy.services import customer_anonymise
from frontdesk.tickets.models import Status, Ticket


def demo_privacy_create() -> str:
    if PrivacyLog.objects.exists():
        return "Privacy: already there."
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    still_helped = Ticket.objects.exclude(status=Status.CLOSED).values("requester_id")
    customer = (
        User.objects.filter(role=Role.CUSTOMER, requested_tickets__status=Status.CLOSED)
        .exclude(pk__in=still_helped)
        .order_by("pk")
        .first()
    )
    if admin is None or customer is None:
        return "Privacy: no customer with only closed tickets to anonymise."
    name = customer.username
    log = customer_anonymise(actor=admin, customer_id=customer.pk)
    kept = log.counts.get("tickets", 0)
    return f"Privacy: {name} asked to be forgotten; anonymised, {kept} ticket(s) kept."
