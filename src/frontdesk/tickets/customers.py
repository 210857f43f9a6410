"""Reads about the people behind the tickets, for the agents: the customer panel beside a
ticket, organisations with their customers and tickets, and the tickets with news for a user
(the tab title's count and the desktop notifications). Every list is composed from
tickets/access.py; nothing here decides visibility itself."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import CustomerNote, Organisation, User
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import NotAllowed
from frontdesk.tickets import access
from frontdesk.tickets.models import IS_ACTIVE, Message, MessageKind, Status, Ticket, TicketRead

STAFF_ONLY = gettext_noop("Only agents can see this.")
OTHER_TICKETS_SHOWN = 5
ORGANISATION_TICKETS_SHOWN = 50
NEWS_LIMIT = 100  # the count says "99+" beyond


def check_staff(user: User) -> None:
    if not user.is_staff_member:
        raise NotAllowed(STAFF_ONLY)


def _open_first(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Active tickets first, each group newest first."""
    done_last = Case(When(IS_ACTIVE, then=Value(0)), default=Value(1), output_field=IntegerField())
    return tickets.annotate(done_last=done_last).order_by("done_last", "-created_at", "-id")


# --- the customer panel -------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerPanel:
    """What an agent sees about a ticket's requester: the person (with their organisation),
    the note agents keep about them, their other tickets (open first, at most
    OTHER_TICKETS_SHOWN) and how many others they have."""

    customer: User
    note: CustomerNote | None
    other_tickets: list[Ticket]
    other_count: int


def customer_panel(*, user: User, ticket: Ticket) -> CustomerPanel | None:
    """The panel for ``ticket`` (one ``user`` may see), or None for a customer, who never
    sees it. Two queries: the person with their organisation, note and ticket count; their
    other tickets. Both compiled once (core/compiled.py): building them cost 3 of the panel's
    4-5 ms at a million tickets."""
    if not user.is_staff_member:
        return None
    shape = access.gate_shape(user)
    customer = _panel_person(shape, user.pk, ticket.requester_id, ticket.pk)[0]
    other_tickets = _panel_tickets(shape, user.pk, ticket.requester_id, ticket.pk)
    note = getattr(customer, "staff_note", None) if _has_note(customer) else None
    return CustomerPanel(
        customer=customer,
        note=note,
        other_tickets=other_tickets,
        other_count=customer.other_count,  # type: ignore[attr-defined]  # annotated (_person)
    )


def _person(shape: str, user_id: int, requester_id: int, ticket_id: int) -> QuerySet[User]:
    user = access.gate_stand_in(shape, user_id)
    others = access.tickets_visible_to(user).filter(requester=OuterRef("pk")).exclude(pk=ticket_id)
    count = others.order_by().values("requester").annotate(n=Count("*")).values("n")[:1]
    return (
        access.people_visible_to(user)
        .select_related("organisation", "staff_note", "staff_note__updated_by")
        .annotate(other_count=Coalesce(Subquery(count), Value(0)))
        .filter(pk=requester_id)
    )


def _other_tickets(shape: str, user_id: int, requester_id: int, ticket_id: int) -> QuerySet[Ticket]:
    tickets = access.tickets_visible_to(access.gate_stand_in(shape, user_id))
    mine = tickets.filter(requester_id=requester_id).exclude(pk=ticket_id)
    # The few newest of each status, each read in order from the requester index, then
    # sorted: sorting all of a requester's tickets cost 31-103 ms for a customer with
    # 7,000-22,000 of them (1,000,000 tickets, SQLite), these reads 0.5-2.5 ms. Hand-joined
    # with UNION ALL around the ORM's own queries: the ORM cannot put LIMITs in a compound on
    # SQLite, and as ORed IN-lists PostgreSQL scanned the whole table (450 ms).
    newest = [
        mine.filter(status=status).order_by("-created_at", "-id").values("pk")
        [:OTHER_TICKETS_SHOWN].query.sql_with_params()
        for status in Status.values
    ]  # fmt: skip
    union = " UNION ALL ".join(
        f"SELECT * FROM ({sql}) AS s{n}"  # noqa: S608 (the ORM's SQL; values are parameters)
        for n, (sql, _) in enumerate(newest)
    )
    params = [value for _, values in newest for value in values]
    chosen = RawSQL(union, params)  # noqa: S611 (the same: every value is a parameter)
    return _open_first(tickets.filter(pk__in=chosen))[:OTHER_TICKETS_SHOWN]


_panel_person = CompiledRead(_person)
_panel_tickets = CompiledRead(_other_tickets)


def _has_note(customer: User) -> bool:
    try:
        customer.staff_note  # noqa: B018 (select_related filled it, or it does not exist)
    except CustomerNote.DoesNotExist:
        return False
    return True


def customer_for_note(*, user: User, customer_id: int) -> User:
    """The person an agent writes a note about (staff only)."""
    check_staff(user)
    return access.person_get(user=user, person_id=customer_id)


def customer_note_of(*, user: User, customer: User) -> CustomerNote | None:
    """The agents' note about ``customer`` (staff only), if one was written."""
    check_staff(user)
    return CustomerNote.objects.filter(customer=customer).select_related("updated_by").first()


# --- organisations ------------------------------------------------------------------------


def organisations_listed_for(*, user: User) -> list[Organisation]:
    """The organisations ``user`` may see, by name, each with ``customer_count`` and
    ``ticket_count`` (the tickets ``user`` may see) and ``open_count``. One query."""
    tickets = access.tickets_visible_to(user).filter(organisation=OuterRef("pk")).order_by()
    counted = tickets.values("organisation").annotate(n=Count("*")).values("n")[:1]
    open_counted = (
        tickets.filter(IS_ACTIVE).values("organisation").annotate(n=Count("*")).values("n")[:1]
    )
    members = (
        access.people_visible_to(user)
        .filter(organisation=OuterRef("pk"))
        .order_by()
        .values("organisation")
        .annotate(n=Count("*"))
        .values("n")[:1]
    )
    return list(
        access.organisations_visible_to(user)
        .annotate(
            ticket_count=Coalesce(Subquery(counted), Value(0)),
            open_count=Coalesce(Subquery(open_counted), Value(0)),
            customer_count=Coalesce(Subquery(members), Value(0)),
        )
        .order_by("name", "id")
    )


@dataclass(frozen=True)
class OrganisationDetail:
    organisation: Organisation
    customers: list[User]
    tickets: list[Ticket]
    ticket_count: int


def organisation_detail(*, user: User, organisation_id: int) -> OrganisationDetail:
    """An organisation (staff only), its customers by name and its tickets (open first, at
    most ORGANISATION_TICKETS_SHOWN). Four queries."""
    check_staff(user)
    organisation = access.organisation_get(user=user, organisation_id=organisation_id)
    customers = list(
        access.people_visible_to(user).filter(organisation=organisation).order_by("username")
    )
    tickets = access.tickets_visible_to(user).filter(organisation=organisation)
    return OrganisationDetail(
        organisation=organisation,
        customers=customers,
        tickets=list(
            _open_first(tickets).select_related("requester", "assignee")[
                :ORGANISATION_TICKETS_SHOWN
            ]
        ),
        ticket_count=tickets.count(),
    )


# --- news: the tickets that want a user's attention ----------------------------------------


class NewsReason:
    REPLY = "reply"  # a customer wrote on a ticket of mine since I last read it
    NEW = "new"  # a new ticket in the claimable queue I have not opened


@dataclass(frozen=True)
class NewsItem:
    ticket_id: int
    title: str
    reason: str

    @property
    def number(self) -> str:
        return Ticket.number_for(self.ticket_id)


def _unread_since_read(user: User, **author: object) -> Exists:
    """A visible message on the outer ticket newer than what ``user`` last read there, by
    ``author`` (a condition on Message)."""
    last_read = TicketRead.objects.filter(user=user, ticket=OuterRef(OuterRef("pk"))).values(
        "last_read_message_id"
    )[:1]
    return Exists(
        Message.objects.filter(
            access.message_kind_condition(user),
            ticket=OuterRef("pk"),
            id__gt=Coalesce(Subquery(last_read), Value(0), output_field=BigIntegerField()),
            **author,
        ).exclude(author=user)
    )


def news_for(*, user: User) -> list[NewsItem]:
    """What is new for ``user``, newest first, at most NEWS_LIMIT: for staff, their active
    tickets where the customer wrote since they last read them, and new tickets in the
    claimable queue they have not opened; for a customer, their active tickets with a reply
    they have not read. One query (a UNION of index-backed parts)."""
    visible = access.tickets_visible_to(user).filter(IS_ACTIVE)
    reason = Value(NewsReason.REPLY, output_field=CharField())
    if not user.is_staff_member:
        mine = visible.filter(requester=user).filter(
            _unread_since_read(user, kind=MessageKind.PUBLIC)
        )
        query = mine.annotate(reason=reason).values("pk", "title", "reason")
    else:
        replied = visible.filter(assignee=user).filter(
            _unread_since_read(user, kind=MessageKind.PUBLIC, author=OuterRef("requester"))
        )
        never_opened = ~Exists(TicketRead.objects.filter(user=user, ticket=OuterRef("pk")))
        new = visible.filter(assignee__isnull=True, status=Status.NEW).filter(never_opened)
        query = (
            replied.annotate(reason=reason)
            .values("pk", "title", "reason")
            .union(
                new.annotate(reason=Value(NewsReason.NEW, output_field=CharField())).values(
                    "pk", "title", "reason"
                )
            )
        )
    rows = query.order_by("-pk")[:NEWS_LIMIT]
    return [NewsItem(row["pk"], row["title"], row["reason"]) for row in rows]
