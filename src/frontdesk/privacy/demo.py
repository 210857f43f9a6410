"""The demo's privacy log (``frontdesk demo``): the customer with the fewest tickets
downloaded their data, through the use case, so the privacy log has its first row and the
export can be compared with what that customer sees. Nothing else of the desk changes
(anonymising a demo customer would take away a person the demo's story needs). The fewest:
the first customer of a million-ticket demo asked 22,463 tickets, and their export took three
of the demo's minutes; the smallest asked about 200."""

from __future__ import annotations

from django.db.models import Count

from frontdesk.accounts.models import Role, User
from frontdesk.privacy.models import PrivacyLog
from frontdesk.privacy.services import customer_export


def demo_privacy_create() -> str:
    if PrivacyLog.objects.exists():
        return "Privacy: already there."
    customer = (
        User.objects.filter(role=Role.CUSTOMER, is_active=True)
        .annotate(tickets=Count("requested_tickets"))
        .filter(tickets__gt=0)
        .order_by("tickets", "pk")
        .first()
    )
    if customer is None:
        return "Privacy: no customer with tickets to export."
    export = customer_export(actor=customer, customer_id=customer.pk)
    export.file.close()
    counts = export.log.counts
    return (
        f"Privacy: {customer.username} downloaded their data "
        f"({counts['tickets']} tickets, {counts['files']} files)."
    )
