"""Customer satisfaction's use cases: a survey written when a ticket is first resolved (or
closed), and the requester's one answer to it, from the mailed link or the ticket's page.

* One survey per ticket: reopening and resolving again asks nothing new; an unanswered survey
  can still be answered (the same links, the same card on the page).
* A link names the survey and the choice, signed with Django's signing (``SECRET_KEY`` and
  its own salt) and dated; it works for FRONTDESK_SATISFACTION_LINK_DAYS and once: the first
  answer is final, a second is refused, by link or page.
* Opening a link changes nothing (mail scanners open links before people do): the page it
  opens has the choice ticked and a comment box, and its form (a POST with the CSRF token)
  records the answer.
* The answer is written down as a TicketEvent (Satisfaction), announced live, and names the
  ticket's assignee and team at that moment, for the reports per agent and per team.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core import clock
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from frontdesk.satisfaction.models import Rating, Survey
from frontdesk.tickets import access
from frontdesk.tickets.models import Ticket, TicketEvent
from frontdesk.tickets.services import record_change, touch

SALT = "frontdesk.satisfaction.survey"
COMMENT_MAX = 2000
LINK_INVALID = gettext_noop(
    "This survey link does not work: it is incomplete, changed or too old. "
    "You can still rate the ticket from its page when you sign in."
)
ALREADY_ANSWERED = gettext_noop("You have rated this ticket already. Thank you!")
NO_SURVEY = gettext_noop("This ticket has no survey yet: it is asked once the ticket is resolved.")
ONLY_REQUESTER = gettext_noop("Only the person who asked for help rates the ticket.")
CHOOSE = gettext_noop("Choose Good or Bad.")


def surveys_on() -> bool:
    return bool(settings.FRONTDESK_SATISFACTION_SURVEYS)


def survey_start(*, ticket: Ticket) -> Survey | None:
    """The ticket's survey, written once (inside the resolving use case's transaction), or
    None when surveys are off or the ticket has one already."""
    if not surveys_on() or _survey_of(None, ticket.pk):
        return None
    # The use case holds the ticket's row lock (SQLite: the write lock), so nobody else can
    # write its survey between the read and this INSERT.
    return Survey.objects.create(
        ticket=ticket,
        requester_id=ticket.requester_id,
        agent_id=ticket.assignee_id,
        team_id=ticket.team_id,
    )


def _survey_of_query(shape: None, ticket_id: int) -> QuerySet[Survey, tuple[int]]:
    return Survey.objects.filter(ticket_id=ticket_id).values_list("pk")


# Asked at every resolve and close (core/compiled.py): built each time, get_or_create's read
# was a quarter of the CPU of a SupportMe `!close`.
_survey_of = CompiledRead(_survey_of_query)


def survey_link(*, survey: Survey, rating: str) -> str:
    token = signing.dumps(
        {"s": survey.pk, "r": rating, "t": int(clock.now().timestamp())}, salt=SALT
    )
    return f"{settings.FRONTDESK_SITE_URL}/survey/{token}"


def _link_payload(raw: object) -> dict[str, Any]:
    if not isinstance(raw, str) or len(raw) > 300:
        raise NotFound(LINK_INVALID)
    try:
        payload = signing.loads(raw, salt=SALT)
    except signing.BadSignature:  # forged or altered
        raise NotFound(LINK_INVALID) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), int):
        raise NotFound(LINK_INVALID)
    issued = payload.get("t")
    lasts = timedelta(days=settings.FRONTDESK_SATISFACTION_LINK_DAYS).total_seconds()
    if not isinstance(issued, int) or clock.now().timestamp() >= issued + lasts:
        raise NotFound(LINK_INVALID)
    if payload.get("r") not in Rating.values:
        raise NotFound(LINK_INVALID)
    return payload


def survey_from_link(*, raw: str) -> tuple[Survey, str]:
    """The survey a link is for and the choice it carries, or NotFound. Changes nothing."""
    payload = _link_payload(raw)
    survey = Survey.objects.select_related("ticket", "requester").filter(pk=payload["s"]).first()
    if survey is None or not survey.requester.is_active:
        raise NotFound(LINK_INVALID)
    return survey, str(payload["r"])


def clean_rating(value: object) -> str:
    if value not in Rating.values:
        raise InvalidInput(CHOOSE, field="rating")
    return str(value)


def clean_comment(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(gettext_noop("The comment must be text."), field="comment")
    text = value.strip()
    if len(text) > COMMENT_MAX:
        raise InvalidInput(
            gettext_noop("The comment is at most %(limit)s characters."),
            values={"limit": COMMENT_MAX},
            field="comment",
        )
    return text


def survey_answer(*, actor: User, ticket_id: int, rating: object, comment: object = "") -> Survey:
    """The requester rates their ticket (the ticket page, or a link through
    :func:`survey_answer_by_link`): once."""
    chosen = clean_rating(rating)
    text = clean_comment(comment)
    with transaction.atomic():
        ticket = access.ticket_get(user=actor, ticket_id=ticket_id, for_update=True)
        if actor.pk != ticket.requester_id:
            raise NotAllowed(ONLY_REQUESTER)
        survey = Survey.objects.select_for_update().filter(ticket=ticket).first()
        if survey is None:
            raise InvalidInput(NO_SURVEY, field="rating")
        if survey.is_answered:
            raise Conflict(ALREADY_ANSWERED)
        survey.rating = chosen
        survey.comment = text
        survey.rated_at = clock.now()
        survey.agent_id = ticket.assignee_id
        survey.team_id = ticket.team_id
        survey.save(update_fields=["rating", "comment", "rated_at", "agent", "team"])
        event = record_change(ticket, actor, TicketEvent.Field.SATISFACTION, None, chosen)
        touch(ticket, [], actor, [event])
    return survey


def survey_answer_by_link(*, raw: str, rating: object, comment: object = "") -> Survey:
    """Answer through a mailed link: the link stands for its requester (no sign-in)."""
    survey, _chosen = survey_from_link(raw=raw)
    return survey_answer(
        actor=survey.requester, ticket_id=survey.ticket_id, rating=rating, comment=comment
    )
