"""Every state-changing use case writes its change down (a Message or a TicketEvent) and
announces it after commit, and the requester hears of it, and sees the ticket's time move,
exactly when tickets/access.py says they can see the change.

One table runs every service; a new use case belongs in it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from frontdesk.accounts.models import User
from frontdesk.fields.services import field_define, ticket_fields_set
from frontdesk.following.services import (
    ticket_cc_add,
    ticket_cc_remove,
    ticket_follow,
    ticket_unfollow,
)
from frontdesk.live.announce import STAFF_CHANNEL, user_channel
from frontdesk.live.broker import Event, broker
from frontdesk.mail.addresses import make_message_id, reply_address
from frontdesk.mail.intake import mail_receive
from frontdesk.mail.services import held_mail_accept
from frontdesk.replies.services import saved_reply_apply, saved_reply_create
from frontdesk.satisfaction.services import survey_answer
from frontdesk.sla import clocks as sla_clocks
from frontdesk.sla.policies import sla_policy_create
from frontdesk.sla.services import sla_alert_if_overdue, sla_check
from frontdesk.tickets import file_services, services
from frontdesk.tickets.bulk import tickets_bulk_change
from frontdesk.tickets.merging import message_split, tickets_link, tickets_merge, tickets_unlink
from frontdesk.tickets.models import Attachment, Message, MessageKind, Ticket, TicketEvent
from frontdesk.timelog.services import time_entry_delete, time_entry_edit, time_entry_log
from tests.conftest import Clock, open_ticket, time_at

pytestmark = pytest.mark.django_db

BODY = "The heating in studio 2 is not working."


@dataclass
class Desk:
    admin: User
    agent: User
    other_agent: User
    customer: User
    ticket: Ticket
    note: Message  # an internal note by the agent
    reply: Message  # a public reply by the agent
    clock: Clock


def _file(name: str = "plan.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"Studio plan, second floor.", "text/plain")


def _file_on(desk: Desk, message: Message) -> Attachment:
    return file_services.attachment_add(actor=desk.agent, file=_file(), message_id=message.pk)


def _saved_reply_applied(desk: Desk, **macro: str) -> Any:
    """A shared saved reply's macro, applied as when a message written from it is sent."""
    reply = saved_reply_create(actor=desk.admin, name="Macro", body="Thanks!", shared=True, **macro)
    return saved_reply_apply(actor=desk.agent, ticket_id=desk.ticket.pk, reply_id=reply.pk)


def _sla_breached(desk: Desk) -> Any:
    """The ticket comes under a policy (its due date recomputed, with history), then misses
    its first response: the breach note and the escalation's new priority, all staff-only
    (a reassignment the customer sees: tests/sla/test_alerts.py)."""
    sla_policy_create(
        actor=desk.admin,
        values={
            "name": "Every change",
            "targets": {desk.ticket.priority: {"first_response_minutes": 5}},
            "escalate_priority": True,
        },
    )
    Ticket.objects.filter(pk=desk.ticket.pk).update(first_response_at=None)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=desk.ticket.pk)
        sla_clocks.ticket_retargeted(ticket, desk.admin)
    desk.clock.advance(3600)
    return sla_check(ticket_id=desk.ticket.pk)


def _mail_from(sender: str, thread_header: str) -> bytes:
    return (
        f"From: {sender}\r\n{thread_header}\r\nSubject: Re: heating\r\n"
        f"Message-ID: <every-change-{sender}>\r\n\r\n{BODY}\r\n"
    ).encode()


def _mail_reply(desk: Desk) -> Any:
    """The customer answers a notification by mail (its signed reply address)."""
    to = f"To: {reply_address(desk.ticket.pk, desk.customer.pk)}"
    return mail_receive(_mail_from(desk.customer.email, to), source="test")


def _time_entry_changed(desk: Desk, how: str) -> Any:
    with time_at(desk.clock() - timedelta(minutes=30)):
        entry = time_entry_log(actor=desk.agent, ticket_id=desk.ticket.pk, duration="30m")
    desk.ticket.refresh_from_db()
    if how == "edit":
        return time_entry_edit(actor=desk.agent, entry_id=entry.pk, duration="45m")
    return time_entry_delete(actor=desk.agent, entry_id=entry.pk)


def _survey_answered(desk: Desk) -> Any:
    with time_at(desk.clock() - timedelta(minutes=30)):
        services.ticket_change_status(actor=desk.agent, ticket_id=desk.ticket.pk, status="resolved")
    desk.ticket.refresh_from_db()
    return survey_answer(actor=desk.customer, ticket_id=desk.ticket.pk, rating="good")


def _held_mail_accepted(desk: Desk) -> Any:
    """A stranger's reply is held, then an agent accepts it (an internal note)."""
    answers = f"In-Reply-To: {make_message_id(desk.ticket.pk, desk.customer.pk)}"
    held = mail_receive(_mail_from("stranger@elsewhere.example", answers), source="test")
    return held_mail_accept(actor=desk.agent, inbound_id=held.pk)


def _other_ticket(desk: Desk) -> Ticket:
    return open_ticket(desk.customer, title="Radiator noise", body="It knocks at night.")


def _merged_away(desk: Desk) -> Any:
    """The desk's ticket is merged into another of the same customer."""
    return tickets_merge(actor=desk.agent, source_id=desk.ticket.pk, target=_other_ticket(desk).pk)


def _merged_into(desk: Desk) -> Any:
    """Another ticket of the same customer is merged into the desk's."""
    return tickets_merge(actor=desk.agent, source_id=_other_ticket(desk).pk, target=desk.ticket.pk)


def _quiet_ticket(desk: Desk) -> Ticket:
    """Another ticket, written without a history row of its own (nothing announced)."""
    return Ticket.objects.create(title="Old", requester=desk.customer, created_by=desk.agent)


def _unlinked(desk: Desk) -> Any:
    other = _quiet_ticket(desk)
    tickets_link(actor=desk.agent, ticket_id=desk.ticket.pk, other=other.pk)
    return tickets_unlink(actor=desk.agent, ticket_id=desk.ticket.pk, other=other.pk)


# (name, what the requester sees, the action). The action runs on a desk prepared before the
def _field_set(desk: Desk, *, customer_visible: bool) -> Any:
    """A custom field's value set by an agent (fields/services.py)."""
    with transaction.atomic():
        field_define(
            actor=desk.admin,
            values={"key": "style", "label": "Style", "customer_visible": customer_visible},
        )
    return ticket_fields_set(actor=desk.agent, ticket_id=desk.ticket.pk, values={"style": "Salsa"})


# clock moves; "sees" is whether the requester can see the change it makes.
Action = Callable[[Desk], Any]
CASES: list[tuple[str, bool, Action]] = [
    (
        "ticket_open",
        True,
        lambda d: services.ticket_open(actor=d.customer, title="Mirror cracked", body=BODY),
    ),
    (
        "message_post reply",
        True,
        lambda d: services.message_post(actor=d.agent, ticket_id=d.ticket.pk, body=BODY),
    ),
    (
        "message_post internal note",
        False,
        lambda d: services.message_post(
            actor=d.agent, ticket_id=d.ticket.pk, body=BODY, internal=True
        ),
    ),
    (
        "ticket_claim",
        True,
        lambda d: services.ticket_claim(actor=d.other_agent, ticket_id=d.ticket.pk),
    ),
    (
        "ticket_assign",
        True,
        lambda d: services.ticket_assign(
            actor=d.agent, ticket_id=d.ticket.pk, assignee_id=d.other_agent.pk
        ),
    ),
    (
        "ticket_change_status",
        True,
        lambda d: services.ticket_change_status(
            actor=d.agent, ticket_id=d.ticket.pk, status="pending"
        ),
    ),
    (
        "ticket_update title",
        True,
        lambda d: services.ticket_update(
            actor=d.agent, ticket_id=d.ticket.pk, changes={"title": "Heating broken"}
        ),
    ),
    (
        "ticket_update priority",
        False,
        lambda d: services.ticket_update(
            actor=d.agent, ticket_id=d.ticket.pk, changes={"priority": "urgent"}
        ),
    ),
    (
        "ticket_change_status resolved, a public resolution",
        True,
        lambda d: services.ticket_change_status(
            actor=d.agent, ticket_id=d.ticket.pk, status="resolved", resolution="New fuse."
        ),
    ),
    (
        "ticket_update resolution, public",
        True,
        lambda d: services.ticket_update(
            actor=d.agent, ticket_id=d.ticket.pk, changes={"resolution": "New fuse."}
        ),
    ),
    (
        "ticket_update resolution, staff-only",
        False,
        lambda d: services.ticket_update(
            actor=d.agent,
            ticket_id=d.ticket.pk,
            changes={"resolution": "Customer broke it.", "resolution_public": False},
        ),
    ),
    (
        "message_edit reply",
        True,
        lambda d: services.message_edit(
            actor=d.agent, message_id=d.reply.pk, body=BODY + " Fixed."
        ),
    ),
    (
        "message_edit note",
        False,
        lambda d: services.message_edit(actor=d.agent, message_id=d.note.pk, body=BODY + " Noted."),
    ),
    (
        "message_delete reply",
        True,
        lambda d: services.message_delete(actor=d.agent, message_id=d.reply.pk),
    ),
    (
        "message_delete note",
        False,
        lambda d: services.message_delete(actor=d.agent, message_id=d.note.pk),
    ),
    (
        "attachment_add to ticket",
        True,
        lambda d: file_services.attachment_add(actor=d.agent, file=_file(), ticket_id=d.ticket.pk),
    ),
    ("attachment_add to reply", True, lambda d: _file_on(d, d.reply)),
    ("attachment_add to note", False, lambda d: _file_on(d, d.note)),
    (
        "attachment_delete from note",
        False,
        lambda d: file_services.attachment_delete(
            actor=d.agent, attachment_id=d.note.attachments.get().pk
        ),
    ),
    (
        "attachment_delete from reply",
        True,
        lambda d: file_services.attachment_delete(
            actor=d.agent, attachment_id=d.reply.attachments.get().pk
        ),
    ),
    (
        "attachment_describe on note",
        False,
        lambda d: file_services.attachment_describe(
            actor=d.agent, attachment_id=d.note.attachments.get().pk, description="Floor plan"
        ),
    ),
    (
        "attachment_describe on reply",
        True,
        lambda d: file_services.attachment_describe(
            actor=d.agent, attachment_id=d.reply.attachments.get().pk, description="Floor plan"
        ),
    ),
    ("ticket_fields_set visible field", True, lambda d: _field_set(d, customer_visible=True)),
    ("ticket_fields_set staff-only field", False, lambda d: _field_set(d, customer_visible=False)),
    ("sla_alert_if_overdue", False, lambda d: sla_alert_if_overdue(ticket_id=d.ticket.pk)),
    ("sla_check breach and escalation", False, _sla_breached),
    ("saved_reply_apply status", True, lambda d: _saved_reply_applied(d, set_status="pending")),
    ("saved_reply_apply tag", False, lambda d: _saved_reply_applied(d, add_tag="refund")),
    (
        "tickets_bulk_change status",
        True,
        lambda d: tickets_bulk_change(
            actor=d.agent, ticket_ids=[d.ticket.pk], changes={"status": "pending"}
        ),
    ),
    (
        "tickets_bulk_change priority and tag",
        False,
        lambda d: tickets_bulk_change(
            actor=d.agent, ticket_ids=[d.ticket.pk], changes={"priority": "high", "add_tag": "vip"}
        ),
    ),
    (
        "ticket_reply and close",
        True,
        lambda d: services.ticket_reply(
            actor=d.agent, ticket_id=d.ticket.pk, body=BODY, then_status="closed"
        ),
    ),
    (
        "message_post claiming",
        True,
        lambda d: services.message_post(
            actor=d.other_agent, ticket_id=d.ticket.pk, body=BODY, claim_if_unassigned=True
        ),
    ),
    ("mail_receive reply", True, _mail_reply),
    ("tickets_merge, merged away", True, _merged_away),
    ("tickets_merge, merged into", True, _merged_into),
    (
        "message_split",
        True,
        lambda d: message_split(actor=d.agent, message_id=d.reply.pk, title="Second question"),
    ),
    (
        "tickets_link",
        False,
        lambda d: tickets_link(actor=d.agent, ticket_id=d.ticket.pk, other=_quiet_ticket(d).pk),
    ),
    ("tickets_unlink", False, _unlinked),
    ("held_mail_accept", False, _held_mail_accepted),
    (
        "ticket_take_over",
        True,
        lambda d: (
            services.ticket_claim(actor=d.other_agent, ticket_id=d.ticket.pk),
            services.ticket_take_over(actor=d.agent, ticket_id=d.ticket.pk),
        ),
    ),
    (
        "time_entry_log",
        False,
        lambda d: time_entry_log(actor=d.agent, ticket_id=d.ticket.pk, duration="30m"),
    ),
    ("time_entry_edit", False, lambda d: _time_entry_changed(d, "edit")),
    ("time_entry_delete", False, lambda d: _time_entry_changed(d, "delete")),
    ("survey_answer", True, lambda d: _survey_answered(d)),
    ("ticket_follow", False, lambda d: ticket_follow(actor=d.other_agent, ticket_id=d.ticket.pk)),
    ("ticket_unfollow", False, lambda d: ticket_unfollow(actor=d.agent, ticket_id=d.ticket.pk)),
    (
        "ticket_cc_add",
        True,
        lambda d: ticket_cc_add(actor=d.customer, ticket_id=d.ticket.pk, emails=["cc@example.org"]),
    ),
    (
        "ticket_cc_remove",
        True,
        lambda d: ticket_cc_remove(
            actor=d.agent,
            ticket_id=d.ticket.pk,
            person_id=User.objects.get(email="landlord@example.org").pk,
        ),
    ),
]
# Not here: ticket_mark_read changes only the reader's own marker (nothing anyone else sees),
# ticket_delete, whose rows go with the ticket (tested below), the saved views
# (tickets/saved_views.py), an agent's own lists that change no ticket, and the saved-reply use
# cases but saved_reply_apply: they change no ticket either.


@pytest.fixture
def desk(admin: User, agent: User, other_agent: User, customer: User, clock: Clock) -> Desk:
    ticket = open_ticket(customer, body=BODY)
    reply = services.message_post(
        actor=agent, ticket_id=ticket.pk, body=BODY, files=[_file("reply.txt")]
    )
    note = services.message_post(
        actor=agent, ticket_id=ticket.pk, body=BODY, internal=True, files=[_file("note.txt")]
    )
    services.ticket_update(
        actor=agent, ticket_id=ticket.pk, changes={"due_at": clock() + timedelta(minutes=1)}
    )
    ticket_cc_add(actor=customer, ticket_id=ticket.pk, emails=["landlord@example.org"])
    clock.advance(3600)  # what the action changes happens an hour later; the due date passed
    ticket.refresh_from_db()
    return Desk(admin, agent, other_agent, customer, ticket, note, reply, clock)


def _rows() -> tuple[set[int], set[int]]:
    return (
        set(Message.objects.values_list("pk", flat=True)),
        set(TicketEvent.objects.values_list("pk", flat=True)),
    )


@pytest.mark.parametrize(("name", "seen_by_requester", "action"), CASES, ids=[c[0] for c in CASES])
def test_every_change_is_recorded_and_announced(
    desk: Desk,
    customer: User,
    django_capture_on_commit_callbacks: Any,
    name: str,
    seen_by_requester: bool,
    action: Action,
) -> None:
    messages_before, events_before = _rows()
    staff = broker().subscribe({STAFF_CHANNEL})
    own = broker().subscribe({user_channel(customer.pk)})
    try:
        with django_capture_on_commit_callbacks(execute=True):
            action(desk)
        heard_by_staff = _all(staff)
        heard_by_customer = _all(own)
    finally:
        staff.close()
        own.close()
    messages_after, events_after = _rows()
    written = (messages_after - messages_before) or (events_after - events_before)
    assert written, f"{name} wrote no Message and no TicketEvent"
    assert heard_by_staff, f"{name} was not announced"
    assert bool(heard_by_customer) == seen_by_requester
    assert all(event["staff_only"] != seen_by_requester for event in heard_by_staff)
    changed = Ticket.objects.filter(pk=desk.ticket.pk).first()
    if changed is not None and name != "ticket_open":
        moved = changed.updated_at != desk.ticket.updated_at
        assert moved == seen_by_requester, f"{name}: updated_at moved={moved}"
        assert changed.last_activity_at != desk.ticket.last_activity_at or name.startswith("sla")


def _all(subscription: Any) -> list[Event]:
    events = []
    while (event := subscription.get(timeout=0)) is not None:
        events.append(event)
    return events


def test_a_deleted_ticket_is_announced(
    desk: Desk, admin: User, customer: User, django_capture_on_commit_callbacks: Any
) -> None:
    own = broker().subscribe({user_channel(customer.pk)})
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.ticket_delete(actor=admin, ticket_id=desk.ticket.pk)
        assert [event["type"] for event in _all(own)] == ["deleted"]
    finally:
        own.close()
    assert not TicketEvent.objects.filter(ticket_id=desk.ticket.pk).exists()


def test_changes_to_messages_name_them_but_never_keep_their_words(desk: Desk) -> None:
    """A deleted comment's text is gone: its history row names the message, not its words."""
    secret = "My card number is 4111 1111 1111 1111, please charge it."
    reply = services.message_post(actor=desk.customer, ticket_id=desk.ticket.pk, body=secret)
    services.message_delete(actor=desk.admin, message_id=reply.pk)
    row = TicketEvent.objects.filter(field=TicketEvent.Field.COMMENT).get()
    assert (row.old_value, row.new_value, row.staff_only) == (str(reply.pk), "", False)
    assert not TicketEvent.objects.filter(old_value__contains="4111").exists()
    assert not Message.objects.filter(body=secret).exists()
    assert Message.objects.filter(kind=MessageKind.INTERNAL).count() == 1
