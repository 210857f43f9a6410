"""Ask for a rating once a ticket is resolved: the receiver hears the status change's history
row inside the use case's transaction, writes the ticket's one survey and its mail into the
outbox (notifications/rules.py: the requester's choices, limits and checks), so a change that
rolls back asks nobody; the worker sends it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from frontdesk.notifications import kinds
from frontdesk.notifications.rules import Notice, notify
from frontdesk.satisfaction.models import Rating
from frontdesk.satisfaction.services import survey_link, survey_start
from frontdesk.tickets.models import DONE_STATUSES, TicketEvent


@receiver(post_save, sender=TicketEvent, dispatch_uid="satisfaction-ticket-event")
def _event_saved(
    sender: Any, instance: TicketEvent, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw or instance.field != TicketEvent.Field.STATUS:
        return
    if instance.new_value not in DONE_STATUSES:
        return
    ticket = instance.ticket
    survey = survey_start(ticket=ticket)
    if survey is None:
        return
    data = {
        "secret_good_url": survey_link(survey=survey, rating=Rating.GOOD),
        "secret_bad_url": survey_link(survey=survey, rating=Rating.BAD),
        "link_days": settings.FRONTDESK_SATISFACTION_LINK_DAYS,
    }
    notice = Notice(kinds.SATISFACTION_SURVEY, ticket.requester_id, event=instance, data=data)
    notify(ticket, instance.actor_id, [notice])
