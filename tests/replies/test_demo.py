"""``frontdesk demo`` gives the agents a handful of shared saved replies for a dance studio,
each usable on the demo's tickets as it is."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from frontdesk.accounts.models import Role, User
from frontdesk.replies import selectors
from frontdesk.replies.demo import DEMO_REPLIES
from frontdesk.replies.models import SavedReply
from frontdesk.tickets import validators
from frontdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_demo_makes_shared_replies_once() -> None:
    out = StringIO()
    call_command("demo", "--tickets", "3", stdout=out, stderr=StringIO())
    assert f"Added {len(DEMO_REPLIES)} shared saved replies" in out.getvalue()
    replies = list(SavedReply.objects.all())
    assert len(replies) == len(DEMO_REPLIES) >= 5
    assert all(reply.shared for reply in replies)
    assert {reply.set_status for reply in replies} >= {"pending", "closed"}

    agent = User.objects.filter(role=Role.AGENT).first()
    ticket = Ticket.objects.first()
    assert agent is not None and ticket is not None
    for reply in replies:
        text = selectors.saved_reply_render(user=agent, reply_id=reply.pk, ticket_id=ticket.pk)
        assert "{{" not in text.text and agent.username in text.text
        validators.check_message(text.text)  # sendable, even under the strictest limits

    again = StringIO()
    call_command("demo", "--tickets", "1", stdout=again, stderr=StringIO())
    assert "Added 0 shared saved replies" in again.getvalue()
    assert SavedReply.objects.count() == len(DEMO_REPLIES)
