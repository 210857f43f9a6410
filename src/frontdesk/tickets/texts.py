"""The system messages a ticket's conversation gets when someone acts on it.

Closing, reopening and claiming write SupportMe's system messages word for word (clients and
people that read them keep working); the others follow their pattern. The use cases write
them, and ``frontdesk demo`` writes the same ones so its conversations read like real ones.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext, gettext_noop, pgettext_lazy

from frontdesk.accounts.models import User
from frontdesk.tickets.models import Category, Priority, Status


def by(user: User) -> str:
    """How a system message names someone: ``jane (ID: 7)``."""
    return f"{user.username} (ID: {user.pk})"


def closed_text(actor: User) -> str:
    return f"This ticket has been closed by {by(actor)}."


def reopened_text(actor: User) -> str:
    return f"This ticket has been reopened by {by(actor)}."


def claimed_text(actor: User, *, reopened: bool) -> str:
    verb = "claimed and reopened" if reopened else "claimed"
    return f"This ticket has been {verb} by {by(actor)}."


def status_text(actor: User, status: str) -> str:
    if status == Status.CLOSED:
        return closed_text(actor)
    if status == Status.REOPENED:
        return reopened_text(actor)
    return f"This ticket has been marked as {Status(status).label} by {by(actor)}."


def assigned_text(assignee: User, actor: User) -> str:
    return f"This ticket has been assigned to {by(assignee)} by {by(actor)}."


def unassigned_text(actor: User) -> str:
    return f"This ticket has been unassigned by {by(actor)}."


# --- the same lines in plain words, for the pages ---------------------------------------------

# "jane (ID: 7)": how the stored lines name someone (SupportMe's clients read the id).
_NAMED = re.compile(r"(\S+) \(ID: \d+\)")
# What a customer reads for a status (the stored line keeps the status's own label).
CUSTOMER_STATUS_LABELS: dict[str, str] = {Status.PENDING: "Waiting for your reply"}
# The statuses' labels as the pages say them in the reader's language (the stored lines and
# the APIs keep Status's English labels).
STATUS_WORDS: dict[str, Any] = {
    Status.NEW: pgettext_lazy("ticket status", "New"),
    Status.OPEN: pgettext_lazy("ticket status", "Open"),
    Status.IN_PROGRESS: pgettext_lazy("ticket status", "In progress"),
    Status.PENDING: pgettext_lazy("ticket status", "Pending"),
    Status.RESOLVED: pgettext_lazy("ticket status", "Resolved"),
    Status.CLOSED: pgettext_lazy("ticket status", "Closed"),
    Status.REOPENED: pgettext_lazy("ticket status", "Reopened"),
    "waiting": pgettext_lazy("ticket status", "Waiting for your reply"),
}


# The priorities' labels as the pages and the staff's mail say them (Priority's labels stay
# English for the APIs).
PRIORITY_WORDS: dict[str, Any] = {
    Priority.LOW: pgettext_lazy("ticket priority", "Low"),
    Priority.MEDIUM: pgettext_lazy("ticket priority", "Medium"),
    Priority.HIGH: pgettext_lazy("ticket priority", "High"),
    Priority.URGENT: pgettext_lazy("ticket priority", "Urgent"),
    Priority.CRITICAL: pgettext_lazy("ticket priority", "Critical"),
}

CATEGORY_WORDS: dict[str, Any] = {
    Category.TECHNICAL: pgettext_lazy("ticket category", "Technical"),
    Category.BILLING: pgettext_lazy("ticket category", "Billing"),
    Category.PRODUCT: pgettext_lazy("ticket category", "Product"),
    Category.FEATURE_REQUEST: pgettext_lazy("ticket category", "Feature request"),
    Category.BUG: pgettext_lazy("ticket category", "Bug"),
    Category.ACCOUNT: pgettext_lazy("ticket category", "Account"),
    Category.GENERAL: pgettext_lazy("ticket category", "General"),
    Category.OTHER: pgettext_lazy("ticket category", "Other"),
}


def priority_label(priority: str) -> str:
    """A priority in the reader's language."""
    return str(PRIORITY_WORDS.get(priority, priority))


def status_label(status: str, *, for_customer: bool) -> str:
    """A status in words for its reader: customers read "Waiting for your reply" for
    Pending (their move, not ours)."""
    if for_customer and status in CUSTOMER_STATUS_LABELS:
        return str(STATUS_WORDS["waiting"])
    if status in STATUS_WORDS:
        return str(STATUS_WORDS[status])
    return status


def plain_words(text: str, *, for_customer: bool) -> str:
    """A stored system line as a page shows it to its reader. A customer reads people by name,
    without their ids ("closed by jane", not "closed by jane (ID: 7)"), and a status in their
    words; staff read the line as stored, ids and all. The stored text, which the SupportMe
    API returns, stays as it is."""
    if not for_customer:  # ids and all; in the reader's language when it is a known line
        return _in_reader_language(text)
    plain = _NAMED.sub(r"\1", text)
    for status, words in CUSTOMER_STATUS_LABELS.items():
        plain = plain.replace(f"marked as {Status(status).label} by", f"marked as {words} by")
    return _in_reader_language(plain)


# Someone in a line: a name, with its id as staff read it ("jane (ID: 7)").
_WHO = r"\S+(?: \(ID: \d+\))?"
# The system lines a customer reads, matched in their English form and said again in the
# reader's language (the lines are stored in English: the SupportMe API returns them).
_LINES = [
    (
        re.compile(r"^This ticket has been closed by (?P<who>.+)\.$"),
        gettext_noop("This ticket has been closed by %(who)s."),
    ),
    (
        re.compile(r"^This ticket has been reopened by (?P<who>.+)\.$"),
        gettext_noop("This ticket has been reopened by %(who)s."),
    ),
    (
        re.compile(r"^This ticket has been claimed and reopened by (?P<who>.+)\.$"),
        gettext_noop("This ticket has been claimed and reopened by %(who)s."),
    ),
    (
        re.compile(r"^This ticket has been claimed by (?P<who>.+)\.$"),
        gettext_noop("This ticket has been claimed by %(who)s."),
    ),
    (
        re.compile(rf"^This ticket has been marked as (?P<status>.+) by (?P<who>{_WHO})\.$"),
        gettext_noop("This ticket has been marked as %(status)s by %(who)s."),
    ),
    (
        re.compile(
            rf"^This ticket has been assigned to (?P<assignee>{_WHO}) by (?P<who>{_WHO})\.$"
        ),
        gettext_noop("This ticket has been assigned to %(assignee)s by %(who)s."),
    ),
    (
        re.compile(r"^This ticket has been unassigned by (?P<who>.+)\.$"),
        gettext_noop("This ticket has been unassigned by %(who)s."),
    ),
    (
        re.compile(
            rf"^This ticket has been taken over by (?P<who>{_WHO}) from (?P<previous>{_WHO})\.$"
        ),
        gettext_noop("This ticket has been taken over by %(who)s from %(previous)s."),
    ),
]
_STATUS_BY_WORDS = {
    **{str(Status(status).label): status for status in Status.values},
    "Waiting for your reply": "waiting",
}


def _in_reader_language(line: str) -> str:
    for pattern, words in _LINES:
        match = pattern.match(line)
        if match is None:
            continue
        parts = match.groupdict()
        if "status" in parts:
            code = _STATUS_BY_WORDS.get(parts["status"])
            if code is None:
                return line
            parts["status"] = str(STATUS_WORDS[code])
        return gettext(words) % parts
    return line


def taken_over_text(actor: User, previous: User) -> str:
    return f"This ticket has been taken over by {by(actor)} from {by(previous)}."
