"""Who is told what (notifications/rules.py): every rule, and every rule's negative side. The
rows are read straight from the outbox, written in the same transaction as the change."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from frontdesk.accounts.models import SYSTEM_USER_ID, Role, User
from frontdesk.mail.loop import no_automatic_mail_to
from frontdesk.notifications import kinds, rules
from frontdesk.notifications.models import DigestItem, OutboxMail
from frontdesk.notifications.preferences import notification_preferences_set
from frontdesk.tickets import services
from frontdesk.tickets.models import Status, Ticket
from tests.conftest import make_user, open_ticket
from tests.notifications.rows import outbox

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_satisfaction_surveys(settings: Any) -> None:
    """The survey a resolved ticket asks (its own mail) is tested in tests/satisfaction."""
    settings.FRONTDESK_SATISFACTION_SURVEYS = False


def _reset() -> None:
    OutboxMail.objects.all().delete()


# --- the requester ------------------------------------------------------------------------


def test_opening_a_ticket_sends_the_requester_a_receipt_and_the_agents_a_new_ticket(
    customer: User, agent: User, other_agent: User, admin: User
) -> None:
    ticket = open_ticket(customer)
    assert sorted(outbox(ticket=ticket)) == [
        ("new_ticket", "Ada"),
        ("new_ticket", "Alice"),
        ("new_ticket", "Bob"),
        ("ticket_received", "John"),
    ]
    receipt = OutboxMail.objects.get(ticket=ticket, kind="ticket_received")
    assert receipt.to_address == "john@example.com"
    assert receipt.status == OutboxMail.Status.PENDING  # sent once the test's transaction commits


def test_an_agent_opening_and_assigning_at_once_sends_no_new_ticket(
    customer: User, agent: User, other_agent: User
) -> None:
    ticket = open_ticket(customer, by=agent, assignee=other_agent)
    assert sorted(outbox(ticket=ticket)) == [
        ("ticket_assigned", "Bob"),
        ("ticket_received", "John"),
    ]
    withdrawn = OutboxMail.objects.filter(ticket=ticket, status=OutboxMail.Status.SKIPPED)
    assert {row.kind for row in withdrawn} == {"new_ticket"}  # Bob's, written then withdrawn


def test_a_claim_withdraws_new_ticket_notices_not_yet_sent(
    customer: User, agent: User, other_agent: User
) -> None:
    ticket = open_ticket(customer)
    services.ticket_claim(actor=agent, ticket_id=ticket.pk)
    assert outbox(ticket=ticket, kind="new_ticket") == []
    # Claiming one's self is no "assigned to you".
    assert outbox(ticket=ticket, kind="ticket_assigned") == []


def test_a_public_reply_by_staff_goes_to_the_requester(ticket: Ticket, agent: User) -> None:
    _reset()
    message = services.message_post(actor=agent, ticket_id=ticket.pk, body="On it.")
    assert outbox() == [("public_reply", "John")]
    assert OutboxMail.objects.get().message == message


def test_an_internal_note_never_reaches_the_requester(
    ticket: Ticket, agent: User, customer: User
) -> None:
    _reset()
    services.message_post(
        actor=agent, ticket_id=ticket.pk, body=f"@{customer.username} is difficult", internal=True
    )
    assert outbox() == []
    assert not OutboxMail.objects.filter(recipient=customer).exists()


def test_a_staff_only_change_never_reaches_the_requester(
    ticket: Ticket, agent: User, customer: User
) -> None:
    services.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=agent.pk)
    _reset()
    services.ticket_update(
        actor=agent,
        ticket_id=ticket.pk,
        changes={"priority": "urgent", "tags": ["vip"], "category": "billing"},
    )
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.IN_PROGRESS)
    # A staff-only resolution on resolving: the status is told, the resolution not.
    services.ticket_change_status(
        actor=agent,
        ticket_id=ticket.pk,
        status=Status.RESOLVED,
        resolution="Refunded by mistake, do not tell",
        resolution_public=False,
    )
    assert outbox() == [("status_changed", "John")]
    mail = OutboxMail.objects.get()
    assert mail.data == {"status": "resolved", "previous": "in_progress"}


@pytest.mark.parametrize(
    ("target", "told"),
    [
        (Status.RESOLVED, True),
        (Status.CLOSED, True),
        (Status.PENDING, True),
        (Status.IN_PROGRESS, False),
    ],
)
def test_status_changes_that_matter_to_the_requester(
    ticket: Ticket, agent: User, target: str, told: bool
) -> None:
    services.ticket_claim(actor=agent, ticket_id=ticket.pk)
    _reset()
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=target)
    assert outbox() == ([("status_changed", "John")] if told else [])


def test_reopened_is_told_but_not_to_the_one_who_reopened(
    ticket: Ticket, agent: User, customer: User
) -> None:
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    _reset()
    services.ticket_change_status(actor=customer, ticket_id=ticket.pk, status=Status.REOPENED)
    assert outbox(kind="status_changed") == []  # the customer did it
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.REOPENED)
    assert [row.data["status"] for row in OutboxMail.objects.order_by("id")] == [
        "closed",
        "reopened",
    ]


def test_system_messages_send_nothing(ticket: Ticket, agent: User) -> None:
    _reset()
    services.ticket_claim(actor=agent, ticket_id=ticket.pk)  # writes a system message
    assert outbox() == []


# --- the assignee -------------------------------------------------------------------------


def test_the_requesters_reply_goes_to_the_assignee(
    customer: User, agent: User, other_agent: User
) -> None:
    ticket = open_ticket(customer, assignee=agent)
    _reset()
    services.message_post(actor=customer, ticket_id=ticket.pk, body="Still cold.")
    assert outbox() == [("customer_replied", "Alice")]


def test_the_requesters_reply_on_an_unassigned_ticket_tells_nobody(
    ticket: Ticket, customer: User
) -> None:
    _reset()
    services.message_post(actor=customer, ticket_id=ticket.pk, body="Hello?")
    assert outbox() == []


def test_assigning_tells_the_assignee_unless_they_did_it(
    ticket: Ticket, agent: User, other_agent: User
) -> None:
    _reset()
    services.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=other_agent.pk)
    assert outbox() == [("ticket_assigned", "Bob")]
    _reset()
    services.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=agent.pk)
    assert outbox() == []
    services.ticket_take_over(actor=other_agent, ticket_id=ticket.pk)
    assert outbox() == []


def test_a_mention_in_a_note_tells_the_active_staff_member_named(
    ticket: Ticket, agent: User, other_agent: User, admin: User, customer: User
) -> None:
    retired = make_user("Carl", Role.AGENT, is_active=False)
    _reset()
    services.message_post(
        actor=agent,
        ticket_id=ticket.pk,
        body=f"@bob and @ADA please look. Not @{retired.username}, not @john, not @alice "
        "(me), not bob@example.com, not @nobody.",
        internal=True,
    )
    assert sorted(outbox()) == [("mentioned", "Ada"), ("mentioned", "Bob")]


def test_a_mention_in_a_public_reply_is_no_mention(
    ticket: Ticket, agent: User, other_agent: User
) -> None:
    _reset()
    services.message_post(actor=agent, ticket_id=ticket.pk, body="@bob will call you.")
    assert outbox() == [("public_reply", "John")]


# --- who is never told ----------------------------------------------------------------------


def test_inactive_addressless_and_system_users_get_nothing(agent: User) -> None:
    quiet = make_user("Quiet", Role.CUSTOMER)
    User.objects.filter(pk=quiet.pk).update(email="")
    quiet.refresh_from_db()
    ticket = open_ticket(quiet)
    assert outbox(ticket=ticket, kind="ticket_received") == []
    gone = make_user("Gone", Role.CUSTOMER)
    other = open_ticket(gone)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    _reset()
    services.message_post(actor=agent, ticket_id=other.pk, body="Hello")
    assert outbox() == []
    assert not OutboxMail.objects.filter(recipient_id=SYSTEM_USER_ID).exists()


def test_opted_out_kinds_are_not_written(ticket: Ticket, agent: User, customer: User) -> None:
    notification_preferences_set(actor=customer, user=customer, enabled={"public_reply": False})
    notification_preferences_set(actor=agent, user=agent, enabled={"new_ticket": False})
    _reset()
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Hello")
    assert outbox() == []
    open_ticket(customer, "Another")
    assert outbox(kind="new_ticket") == []
    assert outbox(kind="ticket_received") == [("ticket_received", "John")]


def test_no_automatic_mail_to_an_address_the_intake_marked(customer: User, agent: User) -> None:
    with no_automatic_mail_to("JOHN@example.com"):
        ticket = open_ticket(customer)
    assert outbox(ticket=ticket, kind="ticket_received") == []
    assert outbox(ticket=ticket, kind="new_ticket") == [("new_ticket", "Alice")]


@override_settings(FRONTDESK_MAIL_PER_ADDRESS_PER_DAY=3)
def test_at_most_n_mails_per_address_per_day(customer: User, agent: User, clock: object) -> None:
    ticket = open_ticket(customer)  # the receipt: 1
    services.message_post(actor=agent, ticket_id=ticket.pk, body="One")  # 2
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Two")  # 3
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Three")  # over
    assert len(outbox(recipient=customer)) == 3
    clock.advance(24 * 3600 + 1)  # type: ignore[attr-defined]
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Four")
    assert len(outbox(recipient=customer)) == 4


@override_settings(FRONTDESK_MAIL_PER_ADDRESS_PER_DAY=1)
def test_the_cap_is_warned_about_once_a_day_per_address(
    customer: User, agent: User, clock: object, caplog: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(rules, "_capped_today", rules._CappedToday())
    ticket = open_ticket(customer)  # the receipt: the cap
    caplog.set_level("DEBUG", logger=rules.logger.name)

    def warned() -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.levelname == "WARNING" and "john@" in r.message
        ]

    for body in ("One", "Two", "Three"):
        services.message_post(actor=agent, ticket_id=ticket.pk, body=body)
    assert len(outbox(recipient=customer)) == 1
    assert len(warned()) == 1
    assert "mails today already" in warned()[0]
    held = [r for r in caplog.records if r.levelname == "DEBUG" and "john@" in r.getMessage()]
    assert len(held) == 2
    clock.advance(24 * 3600 + 1)  # type: ignore[attr-defined]
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Four")  # sent: a new day
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Five")  # over: warned again
    assert len(warned()) == 2


def _reply_then_fail(agent: User, ticket: Ticket) -> None:
    """A reply whose transaction fails after the reply was written (and its mail with it)."""
    with transaction.atomic():
        services.message_post(actor=agent, ticket_id=ticket.pk, body="Never sent")
        assert ("public_reply", "John") in outbox()
        raise RuntimeError


def test_a_rolled_back_change_writes_no_mail(ticket: Ticket, agent: User) -> None:
    _reset()
    with pytest.raises(RuntimeError):
        _reply_then_fail(agent, ticket)
    assert outbox() == []


def test_a_rolled_back_change_sends_nothing_and_a_committed_one_is_sent(
    ticket: Ticket, agent: User, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    _reset()  # the ticket's own receipt would otherwise go out with the reply
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        _reply_then_fail(agent, ticket)
    assert callbacks == []
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(actor=agent, ticket_id=ticket.pk, body="Sent")
    assert [mail.to for mail in mailoutbox] == [["john@example.com"]]
    assert mailoutbox[0].subject == f"[{ticket.number}] Re: {ticket.title}"


def test_a_failing_use_case_writes_no_mail(ticket: Ticket, customer: User, agent: User) -> None:
    _reset()
    from frontdesk.core.errors import DomainError

    with pytest.raises(DomainError):
        services.ticket_reply(actor=agent, ticket_id=ticket.pk, body="Hi", then_status="bogus")
    assert outbox() == []


# --- digests ------------------------------------------------------------------------------


def test_an_agent_with_a_digest_gets_items_instead_of_mails(
    customer: User, agent: User, other_agent: User
) -> None:
    notification_preferences_set(actor=agent, user=agent, enabled={}, digest="hourly")
    ticket = open_ticket(customer, assignee=agent, staff=other_agent)
    services.message_post(actor=customer, ticket_id=ticket.pk, body="Still cold.")
    assert outbox(recipient=agent) == []
    # The new ticket was assigned at once: its notice is withdrawn, from the digest too.
    assert sorted(DigestItem.objects.filter(user=agent).values_list("kind", flat=True)) == [
        kinds.CUSTOMER_REPLIED,
        kinds.TICKET_ASSIGNED,
    ]
    open_ticket(customer, "Unassigned")
    assert DigestItem.objects.filter(user=agent, kind=kinds.NEW_TICKET).count() == 1
    assert outbox(recipient=other_agent, kind="new_ticket") == [("new_ticket", "Bob")]


# --- a reply and a status change together: one mail ---------------------------------------


def test_send_and_close_is_one_mail_telling_both(ticket: Ticket, agent: User) -> None:
    services.ticket_claim(actor=agent, ticket_id=ticket.pk)
    _reset()
    services.ticket_reply(
        actor=agent, ticket_id=ticket.pk, body="Fixed it.", then_status=Status.RESOLVED
    )
    assert outbox() == [("public_reply", "John")]
    mail = OutboxMail.objects.get()
    assert mail.data["status"] == "resolved"
    assert mail.message is not None and mail.message.body == "Fixed it."


def test_a_reply_that_reopens_is_one_mail(ticket: Ticket, agent: User) -> None:
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    _reset()
    services.message_post(actor=agent, ticket_id=ticket.pk, body="One more thing.")
    assert outbox() == [("public_reply", "John")]
    assert OutboxMail.objects.get().data["status"] == "reopened"


def test_a_status_change_after_the_reply_was_sent_is_its_own_mail(
    ticket: Ticket, agent: User, clock: object
) -> None:
    services.ticket_claim(actor=agent, ticket_id=ticket.pk)
    _reset()
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Fixed it.")
    OutboxMail.objects.update(status=OutboxMail.Status.SENT)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.RESOLVED)
    assert outbox() == [("public_reply", "John"), ("status_changed", "John")]
    _reset()
    services.message_post(actor=agent, ticket_id=ticket.pk, body="Later.")
    clock.advance(120)  # type: ignore[attr-defined]
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    assert outbox() == [("public_reply", "John"), ("status_changed", "John")]


def test_nothing_staff_only_ever_reaches_the_requester(
    ticket: Ticket, agent: User, other_agent: User, admin: User, customer: User
) -> None:
    """Every staff-only thing the desk can do to a ticket, one after the other: the requester
    gets no row at all, and the staff what the rules give them."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from frontdesk.tickets import file_services

    services.ticket_claim(actor=agent, ticket_id=ticket.pk)
    _reset()
    note = services.message_post(
        actor=agent,
        ticket_id=ticket.pk,
        body="Internal: @john @Bob the customer owes us money",
        internal=True,
        files=[SimpleUploadedFile("debts.txt", b"owed", content_type="text/plain")],
    )
    services.message_edit(actor=agent, message_id=note.pk, body="Internal, edited")
    file_services.attachment_add(
        actor=agent,
        ticket_id=ticket.pk,
        internal=True,
        file=SimpleUploadedFile("more.txt", b"more", content_type="text/plain"),
    )
    services.ticket_update(
        actor=agent,
        ticket_id=ticket.pk,
        changes={
            "priority": "high",
            "category": "billing",
            "tags": ["debt"],
            "due_at": datetime(2030, 1, 1, 10, tzinfo=UTC),
            "estimated_hours": Decimal("2"),
            "actual_hours": Decimal("1"),
            "resolution": "Staff only text",
            "resolution_public": False,
        },
    )
    services.message_delete(actor=agent, message_id=note.pk)
    services.ticket_assign(actor=agent, ticket_id=ticket.pk, assignee_id=other_agent.pk)
    assert not OutboxMail.objects.filter(recipient=customer).exists()
    assert not OutboxMail.objects.filter(to_address=customer.email).exists()
    # The note that mentioned Bob was deleted before its mail left: that mail is withdrawn.
    assert sorted(outbox()) == [("ticket_assigned", "Bob")]
