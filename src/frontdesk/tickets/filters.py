"""The ticket filters, declared once: what each is called, what values it takes, and which
tickets it keeps. The workspace's filter form and the REST API's query parameters (with their
OpenAPI enums) are both made from this list, and a list built from it is always narrowed
inside what the user may see (tickets/access.py), never widened.

A filter's value arrives as text, as in a URL; an empty value means "any". A value that does
not parse is an InvalidInput naming the filter, so every face can show it beside the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import DateTimeField, Q, TextChoices
from django.utils import timezone
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.clock import in_utc, now
from frontdesk.core.errors import InvalidInput
from frontdesk.core.ids import parse_id
from frontdesk.core.postgresql.planning import KnownWhenRun
from frontdesk.core.text import is_storable_text
from frontdesk.tickets import access
from frontdesk.tickets.models import IS_ACTIVE, Category, Priority, Status

UNASSIGNED = "unassigned"
CHOOSE_AGENT = gettext_noop("Choose an agent from the list.")
ORGANISATION_NAME_MAX = 200
TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")


@dataclass(frozen=True)
class TicketFilter:
    """One filter: ``parse`` turns its text into a value (or raises InvalidInput naming the
    filter); ``keep`` turns the value into a condition on Ticket for ``user``."""

    name: str
    label: str
    description: str
    parse: Callable[[str], Any]
    keep: Callable[[User, Any], Q]
    # The values it takes, with labels (its OpenAPI enum and the form's list), if fixed.
    choices: tuple[tuple[str, str], ...] = field(default=())


def _choice(name: str, choices: type[TextChoices]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in choices.values:
            allowed = ", ".join(choices.values)
            raise InvalidInput(
                gettext_noop("Unknown %(name)s %(value)s: use one of %(allowed)s."),
                values={"name": name, "value": repr(text), "allowed": allowed},
                field=name,
            )
        return text

    return parse


def _flag(name: str) -> Callable[[str], bool]:
    def parse(text: str) -> bool:
        word = text.strip().lower()
        if word not in TRUE_WORDS + FALSE_WORDS:
            raise InvalidInput(gettext_noop("Use true or false."), field=name)
        return word in TRUE_WORDS

    return parse


def _id(name: str, message: str = "Use a whole number (an id).") -> Callable[[str], int]:
    return lambda text: parse_id(text, field=name, message=message)


def _agent_or_unassigned(text: str) -> int | None:
    """An agent's id, or ``unassigned`` (None)."""
    if text == UNASSIGNED:
        return None
    return parse_id(text, field="assigned_to", message=CHOOSE_AGENT)


def _moment(name: str, *, end_of_day: bool) -> Callable[[str], datetime]:
    """An ISO date or datetime. A date means its whole day (in TIME_ZONE): "after" starts at
    its midnight, "before" ends at the next midnight. A datetime without an offset is read in
    TIME_ZONE."""

    def parse(text: str) -> datetime:
        value = text.strip()
        try:
            moment = datetime.fromisoformat(value)
            if len(value) == 10 and end_of_day:
                moment += timedelta(days=1)
            return in_utc(timezone.make_aware(moment) if moment.tzinfo is None else moment)
        except (ValueError, OverflowError) as exc:
            raise InvalidInput(
                gettext_noop("Use an ISO date (2025-01-31) or date and time."), field=name
            ) from exc

    return parse


def _tag(text: str) -> str:
    return " ".join(text.lower().split())


def _organisation(text: str) -> int | str:
    """An organisation's id, or its name (any case), as typed in the workspace."""
    words = " ".join(text.split())
    if words.isascii() and words.isdigit():
        return parse_id(words, field="organisation", message="Use an organisation's id or name.")
    if len(words) > ORGANISATION_NAME_MAX or not is_storable_text(words):
        raise InvalidInput(gettext_noop("Use an organisation's id or name."), field="organisation")
    return words


NO_TEAM = "none"


def team_filter(text: str) -> int | str | None:
    """A team's id or slug, or ``none`` (tickets in no team: None)."""
    words = text.strip().lower()
    if words == NO_TEAM:
        return None
    if words.isascii() and words.isdigit():
        return parse_id(words, field="team", message="Use a team's id or slug, or none.")
    if (
        not words
        or len(words) > 50
        or not all(c.isascii() and (c.isalnum() or c in "-_") for c in words)
    ):
        raise InvalidInput(gettext_noop("Use a team's id or slug, or none."), field="team")
    return words


def _of_team(user: User, team: int | str | None) -> Q:
    if team is None:
        return Q(team__isnull=True)
    if isinstance(team, int):
        return Q(team_id=team)
    return Q(team__slug=team)


def _of_organisation(user: User, organisation: int | str) -> Q:
    if isinstance(organisation, int):
        return Q(organisation_id=organisation)
    return Q(organisation__name__iexact=organisation)


def _when(flag: bool, condition: Q) -> Q:
    return condition if flag else Q()


def overdue_at(moment: datetime) -> Q:
    """Active tickets whose due date had passed at ``moment``. The moment is a value
    PostgreSQL plans without (core/postgresql/planning.py): a list of overdue tickets, run
    every few seconds with a new moment, then keeps its prepared plan."""
    return IS_ACTIVE & Q(due_at__lt=KnownWhenRun(moment, DateTimeField()))


def _mine(user: User, flag: bool) -> Q:
    """Agents: assigned to them. Customers: the tickets they opened."""
    return _when(flag, Q(assignee=user) if user.is_staff_member else Q(requester=user))


def _assigned_to(user: User, agent_id: int | None) -> Q:
    return Q(assignee__isnull=True) if agent_id is None else Q(assignee_id=agent_id)


_FLAG_CHOICES = (("true", "Yes"), ("false", "No"))

TICKET_FILTERS: dict[str, TicketFilter] = {
    spec.name: spec
    for spec in (
        TicketFilter(
            "status",
            "Status",
            "Tickets in this status.",
            _choice("status", Status),
            lambda user, value: Q(status=value),
            tuple(Status.choices),
        ),
        TicketFilter(
            "priority",
            "Priority",
            "Tickets of this priority.",
            _choice("priority", Priority),
            lambda user, value: Q(priority=value),
            tuple(Priority.choices),
        ),
        TicketFilter(
            "category",
            "Category",
            "Tickets in this category.",
            _choice("category", Category),
            lambda user, value: Q(category=value),
            tuple(Category.choices),
        ),
        TicketFilter(
            "assigned_to",
            "Assignee",
            "Tickets assigned to this agent (an id), or `unassigned`.",
            _agent_or_unassigned,
            _assigned_to,
        ),
        TicketFilter(
            "tag",
            "Tag",
            "Tickets with this tag.",
            _tag,
            lambda user, value: Q(tags__name=value) if value else Q(),
        ),
        TicketFilter(
            "team",
            "Team",
            "Tickets of this team (its id or slug), or `none`: tickets in no team.",
            team_filter,
            _of_team,
        ),
        TicketFilter(
            "customer",
            "Customer",
            "Tickets requested by this customer (an id).",
            _id("customer"),
            lambda user, value: Q(requester_id=value),
        ),
        TicketFilter(
            "organisation",
            "Organisation",
            "Tickets of this organisation (its id, or its name in any case).",
            _organisation,
            _of_organisation,
        ),
        TicketFilter(
            "my_tickets",
            "My tickets",
            "Agents: assigned to you. Customers: the tickets you opened.",
            _flag("my_tickets"),
            _mine,
            _FLAG_CHOICES,
        ),
        TicketFilter(
            "unassigned",
            "Unassigned",
            "Active tickets nobody is assigned to.",
            _flag("unassigned"),
            lambda user, flag: _when(flag, IS_ACTIVE & Q(assignee__isnull=True)),
            _FLAG_CHOICES,
        ),
        TicketFilter(
            "overdue",
            "Overdue",
            "Active tickets past their due date.",
            _flag("overdue"),
            lambda user, flag: _when(flag, overdue_at(now())),
            _FLAG_CHOICES,
        ),
        TicketFilter(
            "created_after",
            "Created from",
            "Created at or after this ISO date or date and time (a date: from its start).",
            _moment("created_after", end_of_day=False),
            lambda user, moment: Q(created_at__gte=moment),
        ),
        TicketFilter(
            "created_before",
            "Created before",
            "Created before this ISO date or date and time (a date: up to its end).",
            _moment("created_before", end_of_day=True),
            lambda user, moment: Q(created_at__lt=moment),
        ),
    )
}

# The filters the workspace's form shows, in its order.
WORKSPACE_FILTERS = (
    "status",
    "priority",
    "category",
    "assigned_to",
    "team",
    "tag",
    "organisation",
)


# Filters whose condition depends on their value and the reader's gate shape and id alone
# (not the reader's time zone; the time now is given), each value one of a few: a list
# filtered by these only has its ids chosen by SQL compiled once (paging.PageIds).
_CHOICE_FILTERS = {
    name: frozenset(value for value, _ in TICKET_FILTERS[name].choices)
    for name in ("status", "priority", "category", "unassigned", "my_tickets", "overdue")
}


def choice_filters(values: Mapping[str, str]) -> tuple[tuple[str, str], ...] | None:
    """The filters set in ``values``, in order, if each is one of the choice filters above
    set to one of its choices; else None."""
    chosen = []
    for name, value in sorted(values.items()):
        if value == "":
            continue
        if value not in _CHOICE_FILTERS.get(name, ()):
            return None
        chosen.append((name, value))
    return tuple(chosen)


# Filters whose names are not fixed (custom fields: ``field_<key>``), each a function that
# answers the filter a name stands for, or None. Registered by the app that owns them.
_DYNAMIC: list[Callable[[str], TicketFilter | None]] = []


def register_dynamic(finder: Callable[[str], TicketFilter | None]) -> None:
    if finder not in _DYNAMIC:
        _DYNAMIC.append(finder)


def is_dynamic_name(name: str) -> bool:
    """Could ``name`` be a dynamic filter's (custom field filters start with a prefix)?"""
    return name.startswith(("field_", "cf_"))


def filter_spec(name: str) -> TicketFilter:
    """The filter called ``name``; an unknown name is refused."""
    spec = TICKET_FILTERS.get(name)
    for finder in _DYNAMIC if spec is None else ():
        if (spec := finder(name)) is not None:
            break
    if spec is None:
        raise InvalidInput(
            gettext_noop("There is no filter %(name)s."), values={"name": repr(name)}, field=name
        )
    return spec


def parse_filters(values: Mapping[str, str]) -> dict[str, Any]:
    """The filters set in ``values`` (text, as sent), parsed; empty ones left out. An unknown
    name is refused."""
    parsed: dict[str, Any] = {}
    for name, text in values.items():
        spec = filter_spec(name)
        if text != "":
            parsed[name] = spec.parse(text)
    return parsed


# Filters on how staff work a ticket: a customer, who reads none of it
# (access.sees_ticket_workings), may not learn it by filtering either.
WORKINGS_FILTERS = frozenset({"priority", "category", "tag", "overdue", "team"})


def filter_condition(user: User, values: Mapping[str, str]) -> Q:
    """The tickets every filter set in ``values`` keeps, for ``user``."""
    condition = Q()
    for name, value in parse_filters(values).items():
        if name in WORKINGS_FILTERS and not access.sees_ticket_workings(user):
            raise InvalidInput(
                gettext_noop("Only staff can filter by %(name)s."),
                values={"name": name},
                field=name,
            )
        condition &= filter_spec(name).keep(user, value)
    return condition


def flag_set(values: Mapping[str, str], name: str) -> bool:
    """Is the flag filter ``name`` set to true in ``values``?"""
    return bool(parse_filters({name: values.get(name, "")}).get(name, False))
