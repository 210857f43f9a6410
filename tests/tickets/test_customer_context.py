"""The reads of the customer context: the panel beside a ticket (other tickets through the
gate, open first, at most five), organisations with their counts, the tickets with news for
a user, and system lines and statuses in a customer's words."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import Organisation, User
from frontdesk.accounts.services import customer_note_set
from frontdesk.core.errors import NotAllowed, NotFound
from frontdesk.tickets import customers, services
from frontdesk.tickets.models import Status
from frontdesk.tickets.texts import claimed_text, plain_words, status_label, status_text
from tests.conftest import make_user, open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(customer: User, other_customer: User) -> Organisation:
    organisation = Organisation.objects.create(name="Acme Dance", domain="acme.example")
    for person in (customer, other_customer):
        person.organisation = organisation
        person.save(update_fields=["organisation"])
    return organisation


# --- the customer panel -------------------------------------------------------------------


def test_the_panel_lists_other_tickets_open_first_at_most_five(
    agent: User, customer: User, other_customer: User, acme: Organisation
) -> None:
    closed = [
        open_ticket(customer, f"Old ticket {n}", staff=agent, status=Status.CLOSED)
        for n in range(3)
    ]
    active = [open_ticket(customer, f"Open ticket {n}") for n in range(3)]
    this = open_ticket(customer, "This ticket now")
    open_ticket(other_customer, "Not Johns ticket")
    customer_note_set(actor=agent, customer=customer, text="Teaches on Mondays.")

    panel = customers.customer_panel(user=agent, ticket=this)

    assert panel is not None
    assert panel.customer == customer and panel.customer.organisation == acme
    assert panel.note is not None and panel.note.text == "Teaches on Mondays."
    assert panel.other_count == 6
    shown = [ticket.pk for ticket in panel.other_tickets]
    # Open ones newest first, then the closed ones newest first; never this ticket.
    assert shown == [t.pk for t in reversed(active)] + [closed[2].pk, closed[1].pk]


def test_the_panel_shows_the_newest_whatever_their_status(agent: User, customer: User) -> None:
    """The panel reads the few newest of each status (not every ticket of a customer who has
    thousands): across statuses it must still be the newest active ones, in order."""
    cycle = [Status.OPEN, Status.PENDING, Status.IN_PROGRESS, Status.NEW]
    active = [
        open_ticket(customer, f"Open ticket {n}", staff=agent, status=cycle[n % len(cycle)])
        for n in range(12)
    ]
    for n in range(6):
        open_ticket(customer, f"Closed ticket {n}", staff=agent, status=Status.RESOLVED)
    this = open_ticket(customer, "This ticket now")

    panel = customers.customer_panel(user=agent, ticket=this)

    assert panel is not None and panel.other_count == 18
    assert [ticket.pk for ticket in panel.other_tickets] == [t.pk for t in active[::-1][:5]]


def test_customers_get_no_panel(customer: User) -> None:
    ticket = open_ticket(customer)
    assert customers.customer_panel(user=customer, ticket=ticket) is None


def test_a_panel_without_a_note_or_other_tickets(agent: User, customer: User) -> None:
    panel = customers.customer_panel(user=agent, ticket=open_ticket(customer))
    assert panel is not None
    assert panel.note is None and panel.other_tickets == [] and panel.other_count == 0


@pytest.mark.parametrize("who", ["customer", "other_customer"])
def test_only_staff_reach_a_customer_for_a_note(
    request: pytest.FixtureRequest, customer: User, who: str
) -> None:
    with pytest.raises(NotAllowed):
        customers.customer_for_note(user=request.getfixturevalue(who), customer_id=customer.pk)


def test_system_is_nobodys_customer(agent: User) -> None:
    with pytest.raises(NotFound):
        customers.customer_for_note(user=agent, customer_id=0)


# --- organisations ------------------------------------------------------------------------


def test_organisations_with_their_counts(
    agent: User, customer: User, other_customer: User, acme: Organisation
) -> None:
    empty = Organisation.objects.create(name="Zeta Studio")
    open_ticket(customer)
    open_ticket(other_customer, staff=agent, status=Status.CLOSED)

    listed = customers.organisations_listed_for(user=agent)

    assert [o.name for o in listed] == ["Acme Dance", "Zeta Studio"]
    assert (listed[0].customer_count, listed[0].ticket_count, listed[0].open_count) == (2, 2, 1)
    assert (listed[1].customer_count, listed[1].ticket_count) == (0, 0)
    assert listed[1] == empty


def test_a_customer_sees_only_their_own_organisation(customer: User, acme: Organisation) -> None:
    Organisation.objects.create(name="Zeta Studio")
    assert [o.name for o in customers.organisations_listed_for(user=customer)] == ["Acme Dance"]


def test_an_organisations_detail_is_for_staff(
    agent: User, customer: User, other_customer: User, acme: Organisation
) -> None:
    first = open_ticket(customer)
    second = open_ticket(other_customer)
    detail = customers.organisation_detail(user=agent, organisation_id=acme.pk)
    assert detail.customers == [other_customer, customer]  # Jane, John
    assert [t.pk for t in detail.tickets] == [second.pk, first.pk]
    assert detail.ticket_count == 2
    with pytest.raises(NotAllowed):
        customers.organisation_detail(user=customer, organisation_id=acme.pk)
    with pytest.raises(NotFound):
        customers.organisation_detail(user=agent, organisation_id=987654)


# --- news ---------------------------------------------------------------------------------


def _news(user: User) -> list[tuple[int, str]]:
    return [(item.ticket_id, item.reason) for item in customers.news_for(user=user)]


def test_news_for_an_agent(agent: User, other_agent: User, customer: User) -> None:
    mine = open_ticket(customer, "My ticket here", assignee=agent, staff=agent)
    theirs = open_ticket(customer, "Bobs ticket here", assignee=other_agent, staff=other_agent)
    services.ticket_mark_read(user=agent, ticket=mine)
    assert _news(agent) == []  # nothing new: mine is read, Bob's is not mine

    services.message_post(actor=customer, ticket_id=mine.pk, body="Any news, please?")
    services.message_post(actor=customer, ticket_id=theirs.pk, body="Hello again, Bob.")
    new = open_ticket(customer, "Brand new ticket")
    assert _news(agent) == [(new.pk, "new"), (mine.pk, "reply")]

    services.ticket_mark_read(user=agent, ticket=mine)
    services.ticket_mark_read(user=agent, ticket=new)  # opened it: no longer new to me
    assert _news(agent) == []
    assert _news(other_agent) == [(new.pk, "new"), (theirs.pk, "reply")]


def test_a_note_or_a_colleagues_reply_is_no_news(
    agent: User, other_agent: User, customer: User
) -> None:
    mine = open_ticket(customer, "My ticket here", assignee=agent, staff=agent)
    services.ticket_mark_read(user=agent, ticket=mine)
    services.message_post(
        actor=other_agent, ticket_id=mine.pk, body="Noted for later.", internal=True
    )
    services.message_post(actor=other_agent, ticket_id=mine.pk, body="Answered for you.")
    assert _news(agent) == []


def test_news_for_a_customer_is_a_reply_they_have_not_read(
    agent: User, customer: User, other_customer: User
) -> None:
    ticket = open_ticket(customer)
    services.ticket_mark_read(user=customer, ticket=ticket)
    services.message_post(
        actor=agent, ticket_id=ticket.pk, body="Internal only note.", internal=True
    )
    assert _news(customer) == []
    services.message_post(actor=agent, ticket_id=ticket.pk, body="On our way.")
    assert _news(customer) == [(ticket.pk, "reply")]
    assert _news(other_customer) == []


def test_closed_tickets_are_no_news(agent: User, customer: User) -> None:
    ticket = open_ticket(customer, staff=agent, status=Status.CLOSED)
    services.message_post(actor=customer, ticket_id=ticket.pk, body="Thanks, all good now.")
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.CLOSED)
    assert _news(agent) == []


# --- a customer's words -------------------------------------------------------------------


def test_system_lines_in_plain_words_for_customers_only() -> None:
    alice = make_user("Alice")
    stored = claimed_text(alice, reopened=False)
    assert stored == f"This ticket has been claimed by Alice (ID: {alice.pk})."
    assert plain_words(stored, for_customer=True) == "This ticket has been claimed by Alice."
    assert plain_words(stored, for_customer=False) == stored
    pending = status_text(alice, Status.PENDING)
    assert plain_words(pending, for_customer=True) == (
        "This ticket has been marked as Waiting for your reply by Alice."
    )


def test_status_words_per_reader() -> None:
    assert status_label(Status.PENDING, for_customer=True) == "Waiting for your reply"
    assert status_label(Status.PENDING, for_customer=False) == "Pending"
    assert status_label(Status.OPEN, for_customer=True) == "Open"
    assert status_label("odd", for_customer=True) == "odd"
