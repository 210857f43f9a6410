"""The kinds of notification: who each is for, whether it is on by default, and how the
profile page describes it. notifications/rules.py decides when one is written; the templates
under ``templates/notifications/mail/<kind>/`` say what it reads like."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_noop


class Audience(StrEnum):
    REQUESTER = "requester"  # the customer whose ticket it is
    STAFF = "staff"  # agents and admins


TICKET_RECEIVED = "ticket_received"
PUBLIC_REPLY = "public_reply"
STATUS_CHANGED = "status_changed"
CUSTOMER_REPLIED = "customer_replied"
TICKET_ASSIGNED = "ticket_assigned"
MENTIONED = "mentioned"
NEW_TICKET = "new_ticket"
SLA_ALERT = "sla_alert"
RULE_NOTICE = "rule_notice"
SATISFACTION_SURVEY = "satisfaction_survey"  # satisfaction/signals.py writes it
FOLLOWED_UPDATE = "followed_update"
DIGEST = "digest"
# Security mails: always sent, never listed on the profile page (so no one can turn them off),
# no unsubscribe link; they are not in KINDS.
PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a kind of mail)
SECURITY_KINDS = frozenset({PASSWORD_CHANGED})


@dataclass(frozen=True)
class Kind:
    name: str
    audience: Audience
    label: str  # what the profile page's checkbox says
    hint: str  # under it
    default: bool = True


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            TICKET_RECEIVED,
            Audience.REQUESTER,
            gettext_noop("When we receive your request"),
            gettext_noop("A receipt with the ticket's number and a link to it."),
        ),
        Kind(
            PUBLIC_REPLY,
            Audience.REQUESTER,
            gettext_noop("When we reply to you"),
            gettext_noop("Each answer, in full. Reply to the mail to answer it."),
        ),
        Kind(
            STATUS_CHANGED,
            Audience.REQUESTER,
            gettext_noop("When your request's status changes"),
            gettext_noop("Resolved, closed, reopened, or waiting for your reply."),
        ),
        Kind(
            SATISFACTION_SURVEY,
            Audience.REQUESTER,
            gettext_noop("Ask me how we did"),
            gettext_noop("Once per request, when it is resolved: Good or Bad, in one click."),
        ),
        Kind(
            CUSTOMER_REPLIED,
            Audience.STAFF,
            gettext_noop("A customer replies on one of my tickets"),
            gettext_noop("Only on tickets assigned to you."),
        ),
        Kind(
            TICKET_ASSIGNED,
            Audience.STAFF,
            gettext_noop("A ticket is assigned to me"),
            gettext_noop("Not when you take one yourself."),
        ),
        Kind(
            MENTIONED,
            Audience.STAFF,
            gettext_noop("Someone mentions me in an internal note"),
            gettext_noop("When a colleague writes @ and your username in a note."),
        ),
        Kind(
            NEW_TICKET,
            Audience.STAFF,
            gettext_noop("A new ticket arrives that nobody has"),
            gettext_noop("Every new ticket that is not assigned to anyone when it is opened."),
        ),
        Kind(
            SLA_ALERT,
            Audience.STAFF,
            gettext_noop("A ticket nears or misses its SLA target"),
            gettext_noop(
                "On tickets assigned to you, and to the lead a policy names. "
                "Never held for a digest."
            ),
        ),
        Kind(
            RULE_NOTICE,
            Audience.STAFF,
            gettext_noop("An automation rule points me to a ticket"),
            gettext_noop("When a rule an admin wrote says to tell you (or the ticket's assignee)."),
        ),
        Kind(
            FOLLOWED_UPDATE,
            Audience.STAFF,
            gettext_noop("A ticket I follow changes"),
            gettext_noop("Its replies, internal notes and status changes, on tickets you follow."),
        ),
    )
}

# The kinds that go through a digest when an agent chose one (the staff's, but an SLA alert:
# it is worth something only at once).
DIGESTIBLE = frozenset(
    name for name, kind in KINDS.items() if kind.audience == Audience.STAFF and name != SLA_ALERT
)


class DigestPeriod(StrEnum):
    OFF = "off"
    HOURLY = "hourly"
    DAILY = "daily"


DIGEST_CHOICES = (
    (DigestPeriod.OFF, "No digest: send each notification at once"),
    (DigestPeriod.HOURLY, "Hourly: one mail an hour at most"),
    (DigestPeriod.DAILY, "Daily: one mail a day at most"),
)

DIGEST_SECONDS = {DigestPeriod.HOURLY: 3600, DigestPeriod.DAILY: 86400}


def kinds_for(*, staff: bool) -> list[Kind]:
    """The kinds a user can receive (and so turn on or off): a customer's or the staff's."""
    audience = Audience.STAFF if staff else Audience.REQUESTER
    return [kind for kind in KINDS.values() if kind.audience == audience]
