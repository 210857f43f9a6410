"""Teams hear a ticket enter a team, whichever face put it there: opened into the default
team (a CREATED history row) or moved (a TEAM row). While nobody has it, its routing is queued
after commit (teams/routing.py)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from frontdesk.core.jobs import after_commit
from frontdesk.teams.models import Assignment, Team
from frontdesk.teams.selectors import CHOOSABLE_CACHE_KEY
from frontdesk.tickets.models import TicketEvent


@receiver(post_save, sender=Team, dispatch_uid="teams-team-saved")
@receiver(post_delete, sender=Team, dispatch_uid="teams-team-deleted")
def _team_changed(sender: Any, **kwargs: Any) -> None:
    cache.delete(CHOOSABLE_CACHE_KEY)


@receiver(post_save, sender=TicketEvent, dispatch_uid="teams-ticket-entered")
def _ticket_entered(
    sender: Any, instance: TicketEvent, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw:
        return
    if instance.field not in (TicketEvent.Field.CREATED, TicketEvent.Field.TEAM):
        return
    ticket = instance.ticket
    if ticket.team_id is None or ticket.assignee_id is not None:
        return
    if (
        not Team.objects.filter(pk=ticket.team_id, active=True)
        .exclude(assignment=Assignment.NONE)
        .exists()
    ):
        return  # agents claim this team's tickets: no job
    ticket_id = ticket.pk

    def schedule() -> None:
        from frontdesk.teams.tasks import ticket_route

        ticket_route(ticket_id)

    after_commit(schedule, what="route a ticket in its team")
