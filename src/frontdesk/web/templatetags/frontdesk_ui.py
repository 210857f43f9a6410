"""Small presentation helpers for the page templates: times, ages, status and priority
badges, due dates and history lines."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import avoid_wrapping, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timesince import TIME_STRINGS
from django.utils.translation import get_language, gettext, pgettext_lazy

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.fields.values import history_parts
from frontdesk.sla.selectors import TargetState
from frontdesk.tickets.models import Category, Priority, Status, Ticket, TicketEvent
from frontdesk.tickets.rows import QueueRow
from frontdesk.tickets.selectors import HistoryEntry
from frontdesk.tickets.texts import (
    CATEGORY_WORDS,
    PRIORITY_WORDS,
    STATUS_WORDS,
    plain_words,
    priority_label,
    status_label,
)
from frontdesk.web.js_texts import js_texts

register = template.Library()

EXACT_FORMAT = "j M Y, H:i T"  # Django's date format that exact_time writes

# A queued ticket older than these stands out (the seed's "priority queue" concern).
AGE_AGING = timedelta(hours=24)
AGE_OLD = timedelta(days=3)


def exact_time(moment: datetime) -> str:
    """``21 Nov 2025, 14:03 UTC`` in the page's time zone: Django's ``date:EXACT_FORMAT``,
    written directly (a list of 50 tickets shows 100 of these; Django's formatter cost 30 µs
    each, a fifth of the list's rendering)."""
    return ReadersClock().exact(moment)


@lru_cache(maxsize=64)
def _month(month: int, language: str) -> str:
    return str(MONTHS_3[month]).title()


# Seconds in each of timesince's units below a month, largest first.
_UNITS = (("week", 7 * 24 * 3600), ("day", 24 * 3600), ("hour", 3600), ("minute", 60))


def time_span(start: datetime, end: datetime, language: str | None = None) -> str:
    """``3 hours``: Django's ``timesince(start, end, depth=1)`` (its calendar months and
    years, its words), with each unit's words looked up once per language and number. A list
    of 50 tickets says about 100 of these, and timesince spent most of its time translating."""
    language = language or get_language()
    end = end.astimezone(start.tzinfo) if start.tzinfo and end.tzinfo else end
    delta = end - start
    since = delta.days * 24 * 3600 + delta.seconds
    if since <= 0:
        return _unit_words("minute", 0, language)
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if start.day > end.day or (start.day == end.day and start.time() > end.time()):
        months -= 1
    if months >= 12:
        return _unit_words("year", months // 12, language)
    if months > 0:
        return _unit_words("month", months, language)
    for name, seconds in _UNITS:
        if since >= seconds:
            return _unit_words(name, since // seconds, language)
    return _unit_words("minute", 0, language)


@lru_cache(maxsize=1024)
def _unit_words(name: str, count: int, language: str) -> str:
    return avoid_wrapping(TIME_STRINGS[name] % {"num": count})


@dataclass(frozen=True)
class _TimeWords:
    """The phrases a time is said in, in one language."""

    just_now: str
    ago: str
    waiting: str
    waiting_short: str
    opened: str
    overdue_by: str
    due_in: str
    due: str
    closed: str


@lru_cache(maxsize=16)  # one per language: gettext answers in the active one, which is this
def _time_words(language: str) -> _TimeWords:
    return _TimeWords(
        just_now=gettext("just now"),
        ago=gettext("%(time)s ago"),
        waiting=gettext("Waiting %(time)s"),
        waiting_short=gettext("Waiting under a minute"),
        opened=gettext("Opened %(when)s"),
        overdue_by=gettext("Overdue by %(time)s"),
        due_in=gettext("Due in %(time)s"),
        due=gettext("Due %(when)s"),
        closed=gettext("Closed {when}"),
    )


class ReadersClock:
    """Times as one reader reads them at one moment: the clock, the page's time zone and
    language and their phrases read once, so that a list of 50 tickets (100 times) does not
    look each up again per row. The pages' tags below are each one call of it."""

    def __init__(self, reference: datetime | None = None) -> None:
        self.now = reference or now()
        self.zone = timezone.get_current_timezone()
        self.language = get_language()
        self.words = _time_words(self.language)

    def exact(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        month = _month(local.month, self.language)
        clock = f"{local.hour:02d}:{local.minute:02d}"
        # In the hour a clock turns back the zone's name is not said, as Django leaves it out.
        ambiguous = local.replace(fold=not local.fold).utcoffset() != local.utcoffset()
        zone = "" if ambiguous else local.tzname()
        return f"{local.day} {month} {local.year:04d}, {clock} {zone}"

    def span(self, start: datetime, end: datetime) -> str:
        return time_span(start, end, self.language)

    def relative(self, moment: datetime) -> str:
        """``3 hours ago`` (one unit only), or ``just now`` under a minute."""
        if self.now - moment < timedelta(minutes=1):
            return self.words.just_now
        return self.words.ago % {"time": self.span(moment, self.now)}

    def when(self, moment: datetime) -> SafeString:
        return _time(moment, self.exact(moment), self.relative(moment))

    def age(self, moment: datetime) -> SafeString:
        waited = self.now - moment
        level = "old" if waited >= AGE_OLD else "aging" if waited >= AGE_AGING else "fresh"
        text = (
            self.words.waiting_short
            if waited < timedelta(minutes=1)
            else self.words.waiting % {"time": self.span(moment, self.now)}
        )
        title = self.words.opened % {"when": self.exact(moment)}
        return _time(moment, title, text, css=f"age age--{level}")

    def due_or_age(self, ticket: Ticket | QueueRow) -> SafeString:
        if ticket.is_done:
            closed = ticket.closed_at or ticket.resolved_at or ticket.updated_at
            return format_html(
                '<span class="due due--done">{}</span>',
                format_html(self.words.closed, when=self.when(closed)),
            )
        if ticket.due_at is None:
            return self.age(ticket.created_at)
        left = ticket.due_at - self.now
        if left < timedelta(0):
            level = "overdue"
            text = self.words.overdue_by % {"time": self.span(ticket.due_at, self.now)}
        else:
            level = "soon" if left < DUE_SOON else "later"
            text = self.words.due_in % {"time": self.span(self.now, ticket.due_at)}
        title = self.words.due % {"when": self.exact(ticket.due_at)}
        return _time(ticket.due_at, title, text, css=f"due due--{level}")


def relative_time(moment: datetime, *, reference: datetime | None = None) -> str:
    """``3 hours ago`` (one unit only), or ``just now`` under a minute."""
    return ReadersClock(reference).relative(moment)


def _time(moment: datetime, title: str, text: str, css: str = "") -> SafeString:
    """``<time class="css" datetime="…" title="…">text</time>``: what format_html would
    write, put together directly (a list of 50 tickets writes 100 of these)."""
    # html.escape is what Django's escape runs, without its lazy-text wrapper (a third of
    # this function's time).
    classes = f' class="{html.escape(css)}"' if css else ""
    return mark_safe(  # noqa: S308  (every part escaped)
        f'<time{classes} datetime="{html.escape(moment.isoformat())}" '
        f'title="{html.escape(title)}">{html.escape(text)}</time>'
    )


@register.simple_tag
def when(moment: datetime | None) -> SafeString:
    """A ``<time>`` saying "3 hours ago", with the exact time on hover."""
    if moment is None:
        return format_html("{}", "")
    return ReadersClock().when(moment)


@register.simple_tag
def exact(moment: datetime | None) -> SafeString:
    """The exact time, in a ``<time>`` element."""
    if moment is None:
        return format_html("{}", "")
    return format_html('<time datetime="{}">{}</time>', moment.isoformat(), exact_time(moment))


@register.simple_tag
def age(moment: datetime) -> SafeString:
    """How long a queued ticket has waited: "Waiting 3 days", marked up when it grows old."""
    return ReadersClock().age(moment)


def is_customer(viewer: object) -> bool:
    """Is the page's reader a customer (not staff)? Pages without a signed-in user: no."""
    return isinstance(viewer, User) and not viewer.is_staff_member


def _for_customer(context: template.Context) -> bool:
    return is_customer(context.get("user"))


@register.simple_tag(takes_context=True)
def status_badge(context: template.Context, status: str) -> SafeString:
    """The status as a coloured badge that also says it in words, the reader's words."""
    return status_badge_html(status, for_customer=_for_customer(context))


def status_badge_html(status: str, *, for_customer: bool) -> SafeString:
    return _status_badge_html(status, for_customer, get_language())


@lru_cache(maxsize=64)  # a few statuses, two kinds of reader, two languages: written once each
def _status_badge_html(status: str, for_customer: bool, language: str) -> SafeString:
    label = status_label(status, for_customer=for_customer)
    return format_html(
        '<span class="badge badge--{}"><span class="visually-hidden">{} </span>{}</span>',
        status,
        gettext("Status:"),
        label,
    )


# A role in the reader's language (Role's labels stay English: the APIs and the admin).
ROLE_WORDS = {
    "customer": pgettext_lazy("role", "Customer"),
    "agent": pgettext_lazy("role", "Agent"),
    "admin": pgettext_lazy("role", "Admin"),
    "system": pgettext_lazy("role", "System"),
}


@register.filter
def role_words(role: str) -> str:
    return str(ROLE_WORDS.get(role, role))


@register.filter
def priority_words(priority: str) -> str:
    """A priority's label in the page's language."""
    return priority_label(priority)


@register.filter
def status_words(status: str) -> str:
    """A status's label in the page's language ("Closed", "Cerrado")."""
    return status_label(status, for_customer=False)


@register.simple_tag
def script_texts() -> dict[str, Any]:
    """The scripts' texts in the page's language (web/js_texts.py), for json_script."""
    return js_texts()


@register.simple_tag(takes_context=True)
def system_line(context: template.Context, text: str) -> str:
    """A system message in plain words for the page's reader (tickets/texts.plain_words)."""
    return plain_words(text, for_customer=_for_customer(context))


# --- the agent workspace: priorities, due dates, history -----------------------------------

# Priorities say their level in words and with a sign, never by colour alone.
PRIORITY_SIGNS: dict[str, str] = {
    Priority.LOW: "↓",
    Priority.MEDIUM: "→",
    Priority.HIGH: "↑",
    Priority.URGENT: "⇈",
    Priority.CRITICAL: "‼",
}
DUE_SOON = timedelta(hours=4)
FIELDS = frozenset(TicketEvent.Field.values)
HISTORY_QUOTE_CHARS = 120  # a resolution in the history: its beginning (the API has it all)


@register.simple_tag
def priority_badge(priority: str) -> SafeString:
    """The priority as a badge: a sign and the word, coloured by level, in the reader's
    language."""
    return _priority_badge(priority, get_language())


@lru_cache(maxsize=64)  # a few priorities, two languages: each written once
def _priority_badge(priority: str, language: str) -> SafeString:
    return format_html(
        '<span class="priority priority--{}"><span class="priority-sign" aria-hidden="true">{}'
        '</span><span class="visually-hidden">{} </span>{}</span>',
        priority,
        PRIORITY_SIGNS.get(priority, "·"),
        gettext("Priority:"),
        priority_label(priority),
    )


@register.simple_tag
def due_or_age(ticket: Ticket) -> SafeString:
    """What time means for a ticket in a list: when it closed, when it is due (or how late
    it is), or else how long it has waited."""
    return ReadersClock().due_or_age(ticket)


def short_duration(seconds: int) -> str:
    """``2h 10m``, ``35m``, ``3d 4h``: two units at most, for SLA times left and late."""
    minutes = max(0, seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m"]
    shown = [part for part in parts if part and part != "0m"] or ["0m"]
    return " ".join(shown[:2])


@register.simple_tag
def sla_target(target: TargetState) -> SafeString:
    """One SLA target of a ticket in words: time left or overdue by (the exact due time on
    hover), paused with what is left, met or missed."""
    limit = target.target_minutes * 60
    if target.state == "running" and target.due_at is not None:
        left = target.seconds_left or 0
        if left < 0:
            text = gettext("Overdue by %(time)s") % {"time": short_duration(-left)}
            level = "overdue"
        else:
            text = gettext("Time left %(time)s") % {"time": short_duration(left)}
            level = "soon" if left < 3600 else "later"
        due = target.due_at
        title = gettext("Due %(when)s") % {"when": exact_time(due)}
        return _time(due, title, text, css=f"due due--{level}")
    used = short_duration(target.consumed_seconds)
    if target.state == "paused":
        left = limit - target.consumed_seconds
        text = (
            gettext("Paused, overdue by %(time)s") % {"time": short_duration(-left)}
            if left < 0
            else gettext("Paused, %(time)s left") % {"time": short_duration(left)}
        )
        return format_html('<span class="due due--paused">{}</span>', text)
    words = {"used": used, "limit": short_duration(limit)}
    if target.state == "missed":
        return format_html(
            '<span class="due due--overdue">{}</span>',
            gettext("Missed: %(used)s of %(limit)s") % words,
        )
    return format_html(
        '<span class="due due--done">{}</span>', gettext("Met in %(used)s of %(limit)s") % words
    )


def _history_value(value: object, field: str = "") -> str:
    if value is None or value == "":
        return gettext("none")
    if isinstance(value, str) and field in VALUE_WORDS:
        return str(VALUE_WORDS[field].get(value, value))
    if isinstance(value, datetime):
        return exact_time(value)
    if isinstance(value, User):
        return value.username
    return str(value)


@register.simple_tag
def history_line(entry: HistoryEntry) -> SafeString:
    """One change in words: "Alice changed priority from Medium to Urgent"."""
    event = entry.event
    actor = event.actor.username if event.actor else gettext("Someone")
    field = _field_name(event.field)
    old = _history_value(entry.old, event.field)
    new = _history_value(entry.new, event.field)
    who = format_html('<span class="history-actor">{}</span>', actor)
    if event.field == TicketEvent.Field.CREATED:
        return format_html(gettext("{who} opened the ticket"), who=who)
    if event.field == TicketEvent.Field.COMMENT:
        if entry.new is None:
            if event.staff_only:
                return format_html(gettext("{who} deleted an internal note"), who=who)
            return format_html(gettext("{who} deleted a reply"), who=who)
        if event.staff_only:
            return format_html(gettext("{who} edited an internal note"), who=who)
        return format_html(gettext("{who} edited a reply"), who=who)
    if event.field == TicketEvent.Field.ATTACHMENT:
        if entry.old is None:
            return format_html(gettext("{who} attached {file}"), who=who, file=new)
        if entry.new is None:
            return format_html(gettext("{who} removed the file {file}"), who=who, file=old)
        return format_html(gettext("{who} changed the description of {file}"), who=who, file=new)
    if event.field in RELATION_FIELDS:
        return _relation_line(who, event)
    if event.field == TicketEvent.Field.RESOLUTION:
        return _resolution_line(who, entry)
    if event.field == TicketEvent.Field.RESOLUTION_PUBLIC:
        if event.new_value == "true":
            return format_html(
                gettext("{who} made the resolution visible to the customer"), who=who
            )
        return format_html(gettext("{who} made the resolution staff-only"), who=who)
    if event.field in (TicketEvent.Field.FOLLOWERS, TicketEvent.Field.CC):
        return _people_line(who, event)
    if event.field == TicketEvent.Field.CUSTOM_FIELD:
        return _custom_field_line(who, event)
    if event.field == TicketEvent.Field.ASSIGNEE:
        if entry.new is None:
            return format_html(gettext("{who} unassigned {old}"), who=who, old=old)
        if isinstance(entry.new, User) and entry.new == event.actor and entry.old is None:
            return format_html(gettext("{who} claimed the ticket"), who=who)
        return format_html(gettext("{who} assigned the ticket to {new}"), who=who, new=new)
    if entry.old is None:
        return format_html(gettext("{who} set {field} to {new}"), who=who, field=field, new=new)
    if entry.new is None:
        return format_html(
            gettext("{who} removed the {field} (was {old})"), who=who, field=field, old=old
        )
    return format_html(
        gettext("{who} changed {field} from {old} to {new}"), who=who, field=field, old=old, new=new
    )


# The fields a history line names, in the reader's language (TicketEvent.Field's labels stay
# English: the APIs).
FIELD_WORDS: dict[str, Any] = {
    TicketEvent.Field.STATUS: pgettext_lazy("history field", "status"),
    TicketEvent.Field.PRIORITY: pgettext_lazy("history field", "priority"),
    TicketEvent.Field.CATEGORY: pgettext_lazy("history field", "category"),
    TicketEvent.Field.TITLE: pgettext_lazy("history field", "title"),
    TicketEvent.Field.DUE_AT: pgettext_lazy("history field", "due date"),
    TicketEvent.Field.TAGS: pgettext_lazy("history field", "tags"),
    TicketEvent.Field.TEAM: pgettext_lazy("history field", "team"),
    TicketEvent.Field.ESTIMATED_HOURS: pgettext_lazy("history field", "estimated hours"),
    TicketEvent.Field.ACTUAL_HOURS: pgettext_lazy("history field", "actual hours"),
    TicketEvent.Field.TIME: pgettext_lazy("history field", "time logged"),
    TicketEvent.Field.SATISFACTION: pgettext_lazy("history field", "satisfaction"),
}
# The history's values of a list are its labels (tickets/selectors.py): "Open", "Urgent".
VALUE_WORDS: dict[str, dict[str, Any]] = {
    TicketEvent.Field.STATUS: {Status(v).label: w for v, w in STATUS_WORDS.items() if v in Status},
    TicketEvent.Field.PRIORITY: {Priority(v).label: w for v, w in PRIORITY_WORDS.items()},
    TicketEvent.Field.CATEGORY: {Category(v).label: w for v, w in CATEGORY_WORDS.items()},
}


def _field_name(name: str) -> str:
    if name in FIELD_WORDS:
        return str(FIELD_WORDS[name])
    return TicketEvent.Field(name).label.lower() if name in FIELDS else name


RELATION_FIELDS = frozenset(
    {TicketEvent.Field.MERGED, TicketEvent.Field.SPLIT, TicketEvent.Field.LINKS}
)


def _relation_line(who: SafeString, event: TicketEvent) -> SafeString:
    """Merged, split, linked (tickets/merging.py): the other ticket is the value that is not
    this one's number."""
    old, new = event.old_value, event.new_value
    if event.field == TicketEvent.Field.MERGED:
        if old:
            return format_html(gettext("{who} merged {other} into this ticket"), who=who, other=old)
        return format_html(gettext("{who} merged this ticket into {other}"), who=who, other=new)
    if event.field == TicketEvent.Field.SPLIT:
        if old:
            return format_html(gettext("{who} split this ticket from {other}"), who=who, other=old)
        return format_html(gettext("{who} split a message into {other}"), who=who, other=new)
    if new:
        return format_html(gettext("{who} linked this ticket to {other}"), who=who, other=new)
    return format_html(gettext("{who} unlinked {other}"), who=who, other=old)


def _people_line(who: SafeString, event: TicketEvent) -> SafeString:
    """A follower or a person in CC added or removed (their name or address as recorded)."""
    if event.field == TicketEvent.Field.FOLLOWERS:
        own = event.actor is not None and event.actor.username in (event.old_value, event.new_value)
        if event.old_value:
            if own:
                return format_html(gettext("{who} stopped following the ticket"), who=who)
            return format_html(
                gettext("{who} stopped {name} following the ticket"),
                who=who,
                name=event.old_value,
            )
        if own:
            return format_html(gettext("{who} followed the ticket"), who=who)
        return format_html(
            gettext("{who} made {name} follow the ticket"), who=who, name=event.new_value
        )
    if event.old_value:
        return format_html(gettext("{who} removed {name} from CC"), who=who, name=event.old_value)
    return format_html(
        gettext("{who} copied {name} on the ticket (CC)"), who=who, name=event.new_value
    )


def _quote(value: object) -> SafeString:
    text = Truncator(" ".join(str(value).split())).chars(HISTORY_QUOTE_CHARS)
    return format_html('<q class="history-quote">{}</q>', text)


def _resolution_line(who: SafeString, entry: HistoryEntry) -> SafeString:
    """The resolution set, changed or removed, with (the beginning of) its text."""
    if entry.old is None:
        return format_html(
            gettext("{who} set the resolution: {text}"), who=who, text=_quote(entry.new)
        )
    if entry.new is None:
        return format_html(
            gettext("{who} removed the resolution (was {text})"), who=who, text=_quote(entry.old)
        )
    return format_html(
        gettext("{who} changed the resolution to {text}"), who=who, text=_quote(entry.new)
    )


def _custom_field_line(who: SafeString, event: TicketEvent) -> SafeString:
    """Field 'Dance style' set, changed or cleared (fields/values.py keeps label and value)."""
    label, old = history_parts(event.old_value)
    new_label, new = history_parts(event.new_value)
    label = new_label or label
    words = {"who": who, "label": label, "old": old, "new": new}
    if not event.old_value:
        return format_html(gettext("{who} set field '{label}' to {new}"), **words)
    if not event.new_value:
        return format_html(gettext("{who} cleared field '{label}' (was {old})"), **words)
    return format_html(gettext("{who} changed field '{label}' from {old} to {new}"), **words)
