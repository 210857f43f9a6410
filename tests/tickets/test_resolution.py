"""A ticket's resolution: set when resolving, edited later, public or staff-only, and every
change in the history without telling the customer what they cannot read."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.tickets import access, services
from frontdesk.tickets.models import Status, Ticket, TicketEvent
from frontdesk.tickets.validators import RESOLUTION_MAX
from tests.conftest import Clock, open_ticket

FIXED = "Replaced the fuse in the amplifier.\nIt works again."


@pytest.fixture
def ticket(customer: User, agent: User) -> Ticket:
    ticket = open_ticket(customer, "Speakers silent in studio 3")
    services.ticket_claim(actor=agent, ticket_id=ticket.pk)
    return ticket


def resolution_history(ticket: Ticket) -> list[tuple[str, str, str, bool]]:
    return list(
        TicketEvent.objects.filter(
            ticket=ticket, field__in=[TicketEvent.Field.RESOLUTION, "resolution_public"]
        )
        .order_by("id")
        .values_list("field", "old_value", "new_value", "staff_only")
    )


def resolve(agent: User, ticket: Ticket, **resolution: object) -> Ticket:
    services.ticket_change_status(
        actor=agent,
        ticket_id=ticket.pk,
        status=Status.RESOLVED,
        **resolution,  # type: ignore[arg-type]
    )
    ticket.refresh_from_db()
    return ticket


# --- set when resolving -------------------------------------------------------------------


def test_resolving_sets_the_resolution_after_the_status(agent: User, ticket: Ticket) -> None:
    ticket = resolve(agent, ticket, resolution=FIXED)
    assert ticket.status == Status.RESOLVED
    assert (ticket.resolution, ticket.resolution_public) == (FIXED, True)
    fields = list(
        TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("field", flat=True)
    )
    assert fields[-2:] == ["status", "resolution"]
    assert resolution_history(ticket) == [("resolution", "", FIXED, False)]


def test_resolving_without_a_resolution_is_allowed(agent: User, ticket: Ticket) -> None:
    ticket = resolve(agent, ticket)
    assert ticket.status == Status.RESOLVED and ticket.resolution == ""
    assert resolution_history(ticket) == []


def test_closing_may_carry_the_resolution_too(agent: User, ticket: Ticket) -> None:
    services.ticket_change_status(
        actor=agent, ticket_id=ticket.pk, status=Status.CLOSED, resolution=FIXED
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == (Status.CLOSED, FIXED)


def test_a_staff_only_resolution_is_recorded_as_staff_only(agent: User, ticket: Ticket) -> None:
    ticket = resolve(agent, ticket, resolution=FIXED, resolution_public=False)
    assert (ticket.resolution, ticket.resolution_public) == (FIXED, False)
    assert resolution_history(ticket) == [
        ("resolution", "", FIXED, True),
        ("resolution_public", "true", "false", True),
    ]


def test_a_resolution_goes_only_with_resolving_or_closing(agent: User, ticket: Ticket) -> None:
    with pytest.raises(InvalidInput, match="goes with resolving or closing") as refused:
        services.ticket_change_status(
            actor=agent, ticket_id=ticket.pk, status=Status.PENDING, resolution=FIXED
        )
    assert refused.value.field == "resolution"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == (Status.OPEN, "")


def test_reopening_keeps_the_text_and_a_new_resolve_replaces_it(
    agent: User, customer: User, ticket: Ticket
) -> None:
    resolve(agent, ticket, resolution=FIXED)
    services.ticket_change_status(actor=customer, ticket_id=ticket.pk, status=Status.REOPENED)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == (Status.REOPENED, FIXED)
    ticket = resolve(agent, ticket)  # no new text: the earlier one stays
    assert ticket.resolution == FIXED
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.REOPENED)
    ticket = resolve(agent, ticket, resolution="Rewired the speakers.")
    assert ticket.resolution == "Rewired the speakers."
    assert resolution_history(ticket) == [
        ("resolution", "", FIXED, False),
        ("resolution", FIXED, "Rewired the speakers.", False),
    ]


# --- edited later -------------------------------------------------------------------------


def test_agents_edit_the_resolution_as_a_detail(agent: User, ticket: Ticket) -> None:
    resolve(agent, ticket, resolution=FIXED)
    services.ticket_update(
        actor=agent, ticket_id=ticket.pk, changes={"resolution": "  Replaced the fuse.\r\n "}
    )
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"resolution_public": False})
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"resolution": "Fuse."})
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"resolution_public": True})
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"resolution": ""})
    assert resolution_history(ticket) == [
        ("resolution", "", FIXED, False),
        ("resolution", FIXED, "Replaced the fuse.", False),
        # Hiding a public resolution is seen: it disappears from the customer's page.
        ("resolution_public", "true", "false", False),
        # A change to a staff-only resolution is not.
        ("resolution", "Replaced the fuse.", "Fuse.", True),
        ("resolution_public", "false", "true", False),
        ("resolution", "Fuse.", "", False),
    ]


def test_unchanged_resolution_records_nothing(agent: User, ticket: Ticket) -> None:
    resolve(agent, ticket, resolution=FIXED)
    services.ticket_update(
        actor=agent,
        ticket_id=ticket.pk,
        changes={"resolution": FIXED + "\n", "resolution_public": True},
    )
    assert len(resolution_history(ticket)) == 1


def test_text_and_visibility_changed_together_are_judged_together(
    agent: User, ticket: Ticket
) -> None:
    services.ticket_update(
        actor=agent,
        ticket_id=ticket.pk,
        changes={"resolution": FIXED, "resolution_public": False},
    )
    # Nothing the customer is shown changed: both rows are staff-only.
    assert resolution_history(ticket) == [
        ("resolution", "", FIXED, True),
        ("resolution_public", "true", "false", True),
    ]


def test_an_agent_may_set_the_resolution_when_opening_a_ticket(agent: User, customer: User) -> None:
    ticket = services.ticket_open(
        actor=agent,
        title="Phoned about the speakers",
        body="Fixed it on the phone with them.",
        requester=customer,
        changes={"status": Status.RESOLVED, "resolution": FIXED},
    ).ticket
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == (Status.RESOLVED, FIXED)


# --- who may, and what is valid -----------------------------------------------------------


def test_customers_cannot_set_the_resolution(customer: User, agent: User, ticket: Ticket) -> None:
    with pytest.raises(NotAllowed, match="Customers cannot set these fields: resolution"):
        services.ticket_update(actor=customer, ticket_id=ticket.pk, changes={"resolution": "Me"})
    with pytest.raises(NotAllowed) as refused:
        services.ticket_change_status(
            actor=customer, ticket_id=ticket.pk, status=Status.CLOSED, resolution_public=True
        )
    assert refused.value.field == "resolution_public"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == (Status.OPEN, "")
    assert resolution_history(ticket) == []


def test_other_customers_do_not_find_the_ticket(other_customer: User, ticket: Ticket) -> None:
    with pytest.raises(NotFound):
        services.ticket_update(
            actor=other_customer, ticket_id=ticket.pk, changes={"resolution": "Mine now"}
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"resolution": None}, "The resolution must be text"),
        ({"resolution": 42}, "The resolution must be text"),
        ({"resolution": "x" * (RESOLUTION_MAX + 1)}, "at most 10,000 characters"),
        ({"resolution": "Fixed\x00it"}, "characters that cannot be stored"),
        ({"resolution": "Fixed \x1b[31mit"}, "characters that cannot be stored"),
        ({"resolution": "Fixed \ud800"}, "characters that cannot be stored"),
        ({"resolution_public": "yes"}, "Give true or false."),
        ({"resolution_public": None}, "Give true or false."),
        ({"resolution": "Fine", "resolution_public": 1}, "Give true or false."),
    ],
)
def test_invalid_resolutions_are_refused_and_change_nothing(
    agent: User, ticket: Ticket, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        services.ticket_update(actor=agent, ticket_id=ticket.pk, changes=changes)
    assert refused.value.field in changes
    if None not in changes.values():  # to ticket_change_status, None means "left out"
        with pytest.raises(InvalidInput, match=message):
            resolve(agent, ticket, **changes)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert (ticket.resolution, ticket.resolution_public) == ("", True)
    assert resolution_history(ticket) == []


def test_unicode_and_line_breaks_are_kept(agent: User, ticket: Ticket) -> None:
    words = "Ersetzt: Sicherung 🔌\nGrüße, Ώρα!\n\tDone — 完了 "
    text = words + "x" * (RESOLUTION_MAX - len(words))  # as long as it may be
    ticket = resolve(agent, ticket, resolution=text)
    assert ticket.resolution == text


# --- what the customer is told ------------------------------------------------------------


def test_a_staff_only_resolution_moves_no_time_the_customer_sees(
    agent: User, ticket: Ticket, clock: Clock
) -> None:
    ticket = resolve(agent, ticket, resolution=FIXED, resolution_public=False)
    seen = ticket.updated_at
    clock.advance(60)
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"resolution": "Other."})
    ticket.refresh_from_db()
    assert ticket.updated_at == seen and ticket.last_activity_at > seen
    clock.advance(60)
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"resolution_public": True})
    ticket.refresh_from_db()
    assert ticket.updated_at > seen  # now it shows


def test_the_customer_reads_a_public_resolution_only(
    agent: User, customer: User, ticket: Ticket
) -> None:
    ticket = resolve(agent, ticket, resolution=FIXED)
    assert access.resolution_for(customer, ticket) == (FIXED, True)
    assert access.resolution_for(agent, ticket) == (FIXED, True)
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"resolution_public": False})
    ticket.refresh_from_db()
    assert access.resolution_for(customer, ticket) == ("", False)
    assert access.resolution_for(agent, ticket) == (FIXED, False)


def test_a_resolution_change_without_before_and_after_is_not_for_the_customer() -> None:
    assert not access.requester_sees_event(TicketEvent.Field.RESOLUTION)
    assert not access.requester_sees_event(
        TicketEvent.Field.RESOLUTION_PUBLIC, resolution=(("", True), ("", False))
    )
    assert access.requester_sees_event(
        TicketEvent.Field.RESOLUTION_PUBLIC, resolution=(("Fixed", False), ("Fixed", True))
    )
