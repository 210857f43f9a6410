"""Render an outbox row from its kind's template files, in the recipient's time zone and
language (their ``language``, else LANGUAGE_CODE).

Each kind has a folder ``templates/notifications/mail/<kind>/`` with ``subject.txt``,
``body.txt`` and ``body.html``; a missing file is an error at render time (a mail is never sent
silently empty). A mail of a kind its recipient can turn off carries RFC 8058 one-click
unsubscribe headers (``headers``), which delivery adds to the mail as they are.

The context holds only what the recipient may read: a customer's mail is built from the public
message it tells of, the ticket's title, number and status, and the resolution only while it
is public (tickets/access.py). Internal notes reach only staff kinds (notifications/rules.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import dateformat, timezone, translation
from django.utils.translation import pgettext_lazy

from frontdesk.core.compiled import CompiledRead
from frontdesk.notifications import kinds
from frontdesk.notifications.kinds import KINDS, Audience
from frontdesk.notifications.models import DigestItem, OutboxMail
from frontdesk.notifications.preferences import unsubscribe_url
from frontdesk.tickets.access import requester_resolution
from frontdesk.tickets.models import DONE_STATUSES, Message, MessageKind
from frontdesk.tickets.texts import priority_label, status_label

# The SLA targets' names in an alert's text (sla/models.py's Metric, lower-cased there).
SLA_METRICS: dict[str, Any] = {
    "first_response": pgettext_lazy("sla metric", "first response"),
    "next_response": pgettext_lazy("sla metric", "next response"),
    "resolution": pgettext_lazy("sla metric", "resolution"),
}


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


def context_for(mail: OutboxMail) -> dict[str, Any]:
    ticket = mail.ticket
    site = settings.FRONTDESK_SITE_URL
    kind = KINDS.get(mail.kind)
    for_customer = kind is not None and kind.audience == Audience.REQUESTER
    context: dict[str, Any] = {
        "mail": mail,
        "recipient": mail.recipient,
        "ticket": ticket,
        "message": mail.message,
        "event": mail.event,
        "data": mail.data,
        "site_url": site,
        "ticket_url": f"{site}/ticket/{ticket.pk}" if ticket else "",
        "preferences_url": f"{site}/profile#notifications",
        "for_customer": for_customer,
    }
    if mail.message is not None:
        context["author"] = mail.message.author
    if mail.event is not None:
        context["actor"] = mail.event.actor
    if ticket is not None:
        context["requester"] = ticket.requester
        # The ticket's status and priority in the recipient's language (the staff's mail).
        context["status_word"] = status_label(ticket.status, for_customer=False)
        context["priority_word"] = priority_label(ticket.priority)
    context.update(_for_kind(mail))
    return context


def _for_kind(mail: OutboxMail) -> dict[str, Any]:
    ticket = mail.ticket
    if mail.kind == kinds.STATUS_CHANGED or "status" in mail.data:
        # A reply sent with a change of status ("Send and close") tells both in one mail.
        status = str(mail.data.get("status", ticket.status if ticket else ""))
        resolution = ""
        if ticket is not None and status in DONE_STATUSES:
            resolution = requester_resolution(ticket.resolution, ticket.resolution_public)
        return {
            "status": status,
            "status_label": status_label(status, for_customer=False),
            "resolution": resolution,
        }
    if mail.kind == kinds.NEW_TICKET and ticket is not None:
        return {"opening": next(iter(_opening(None, ticket.pk)), None)}
    if mail.kind == kinds.DIGEST:
        items = list(
            DigestItem.objects.filter(digest=mail).select_related(
                "ticket", "message__author", "event__actor"
            )
        )
        labels = {name: translation.gettext(kind.label) for name, kind in KINDS.items()}
        return {"items": items, "item_kinds": labels}
    if mail.kind == kinds.SLA_ALERT:
        return sla_words(mail.data)
    if mail.kind == kinds.RULE_NOTICE:
        return rule_words(mail.data, ticket)
    return {}


def _opening_query(shape: None, ticket_id: int) -> QuerySet[Message]:
    return (
        Message.objects.filter(ticket_id=ticket_id, kind=MessageKind.PUBLIC)
        .select_related("author")
        .order_by("pk")[:1]
    )


# A new ticket's first message, quoted in the mail to every agent: its query was built and
# compiled for each of them, and its author read by a second one (bench/README.md, "Mail:
# headers and templates").
_opening = CompiledRead(_opening_query)


def sla_words(data: dict[str, Any]) -> dict[str, str]:
    """An SLA alert's headline and text in the recipient's language, from the facts the alert
    keeps (sla/services.py); an older alert without them keeps its stored English."""
    try:
        metric = SLA_METRICS[data["metric"]]
        due_at = datetime.fromisoformat(data["due_at"])
        policy = str(data["policy"])
    except (KeyError, TypeError, ValueError):
        return {"headline": str(data.get("headline", "")), "text": str(data.get("text", ""))}
    when = dateformat.format(timezone.localtime(due_at), "j M Y, H:i T")
    words = {"metric": str(metric), "when": when, "policy": policy}
    if data.get("level") == "warning":
        minutes = int(data.get("minutes", 0))
        return {
            "headline": translation.gettext("SLA warning, %(metric)s") % words,
            "text": translation.ngettext(
                "SLA warning: %(metric)s is due %(when)s (in %(minutes)s minute), policy "
                "%(policy)s.",
                "SLA warning: %(metric)s is due %(when)s (in %(minutes)s minutes), policy "
                "%(policy)s.",
                minutes,
            )
            % {**words, "minutes": minutes},
        }
    return {
        "headline": translation.gettext("SLA breached, %(metric)s") % words,
        "text": translation.gettext("SLA breached: %(metric)s was due %(when)s, policy %(policy)s.")
        % words,
    }


def rule_words(data: dict[str, Any], ticket: Any) -> dict[str, str]:
    """A rule notice's headline and text in the recipient's language; an older notice
    without the rule's name keeps its stored English."""
    name = data.get("rule_name")
    if not isinstance(name, str) or ticket is None:
        return {"headline": str(data.get("headline", "")), "text": str(data.get("text", ""))}
    return {
        "headline": translation.gettext("Rule “%(name)s”") % {"name": name},
        "text": translation.gettext("The rule “%(name)s” matched %(number)s.")
        % {"name": name, "number": ticket.number},
    }


def unsubscribe_headers(mail: OutboxMail) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers for a kind the recipient can turn off."""
    if mail.kind not in KINDS or mail.recipient_id is None:
        return {}
    url = unsubscribe_url(user_id=mail.recipient_id, kind=mail.kind)
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def language_of(recipient: object) -> str:
    """The language a mail to ``recipient`` is written in: their own choice, else
    LANGUAGE_CODE (a mail has no Accept-Language to go by)."""
    chosen = getattr(recipient, "language", "") or ""
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def render(mail: OutboxMail) -> RenderedMail:
    folder = f"notifications/mail/{mail.kind}"
    zone = getattr(mail.recipient, "time_zone", "") or settings.TIME_ZONE
    headers = unsubscribe_headers(mail)
    with timezone.override(zone), translation.override(language_of(mail.recipient)):
        context = context_for(mail)
        if headers:  # the same link in the mail's footer
            context["unsubscribe_url"] = headers["List-Unsubscribe"].strip("<>")
        subject = render_to_string(f"{folder}/subject.txt", context)
        text = render_to_string(f"{folder}/body.txt", context)
        html = render_to_string(f"{folder}/body.html", context)
    return RenderedMail(
        subject=" ".join(subject.split()),
        text=text.strip() + "\n",
        html=html,
        headers=headers,
    )
