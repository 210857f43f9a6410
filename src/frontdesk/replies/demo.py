"""The shared saved replies of the demo dance studio (``frontdesk demo``)."""

from __future__ import annotations

from typing import NamedTuple

from frontdesk.accounts.models import Role, User
from frontdesk.replies.models import SavedReply
from frontdesk.replies.services import saved_reply_create
from frontdesk.tickets.models import Status


class DemoReply(NamedTuple):
    name: str
    shortcut: str
    body: str
    set_status: str = ""
    add_tag: str = ""


DEMO_REPLIES = (
    DemoReply(
        "Class booking confirmed",
        "booked",
        "Hi {{ customer.first_name }},\n\nYou're booked in! Please arrive ten minutes early so "
        "you have time to change, and bring water and comfortable shoes. If you can't make it, "
        "cancel at least 24 hours before the class and the credit goes back on your pass.\n\n"
        "See you on the dance floor,\n{{ agent.first_name }}",
        Status.RESOLVED,
        "booking",
    ),
    DemoReply(
        "Refund policy",
        "refund",
        "Hi {{ customer.first_name }},\n\nClass passes can be refunded in full within 14 days "
        "of purchase if no class has been used. After that we refund the unused classes, less "
        "a 10% handling fee. I've passed your request ({{ ticket.number }}) to our bookkeeper, "
        "who will confirm the amount within two working days.\n\n{{ agent.first_name }}",
        Status.PENDING,
        "refund",
    ),
    DemoReply(
        "Schedule change",
        "schedule",
        "Hi {{ customer.first_name }},\n\nThank you for letting us know. The new timetable is "
        "on the noticeboard at reception and on our website; your pass works for every class "
        "at your level, so you can switch to another evening at no cost. Tell me which class "
        "suits you and I'll move your booking.\n\n{{ agent.first_name }}",
        Status.PENDING,
        "schedule",
    ),
    DemoReply(
        "We'll get back to you",
        "later",
        "Hi {{ customer.first_name }},\n\nThanks for your message about “{{ ticket.title }}”. "
        "I'm checking this with the team and will get back to you by the end of tomorrow at "
        "the latest.\n\n{{ agent.first_name }}",
        Status.IN_PROGRESS,
    ),
    DemoReply(
        "Closing thank-you",
        "thanks",
        "Hi {{ customer.first_name }},\n\nI'm glad we could sort this out. I'll close this "
        "ticket now; if anything else comes up, just reply here and it opens again.\n\n"
        "Keep dancing!\n{{ agent.first_name }}",
        Status.CLOSED,
    ),
)


def demo_saved_replies_create() -> int:
    """Add the demo's shared replies that are missing (by name), written by the first admin.
    Returns how many were added."""
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        return 0
    existing = {
        name.lower()
        for name in SavedReply.objects.filter(owner__isnull=True).values_list("name", flat=True)
    }
    added = 0
    for reply in DEMO_REPLIES:
        if reply.name.lower() in existing:
            continue
        saved_reply_create(actor=admin, shared=True, **reply._asdict())
        added += 1
    return added
