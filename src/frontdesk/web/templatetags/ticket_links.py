"""Links to a ticket's page that remember the list they were followed from, so the page can
go on to the list's next ticket after a reply (tickets/next_ticket.py)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django import template

from frontdesk.web.forms import WorkspaceQuery

register = template.Library()


@register.simple_tag
def ticket_url(ticket_id: int, query: WorkspaceQuery | None = None) -> str:
    """``/ticket/<id>``, with ``?from=`` naming the workspace list of ``query`` (its view,
    filters and order; a search names no list)."""
    return f"/ticket/{ticket_id}{from_list(query)}"


def from_list(query: WorkspaceQuery | None) -> str:
    """What follows ``/ticket/<id>`` in a link from the list of ``query``: the same for every
    ticket of that list."""
    if query is None or query.q:
        return ""
    address = {"view": query.view, **{k: v for k, v in query.filters.items() if v}}
    if query.sort:
        address["sort"] = query.sort
    return f"?from={quote(urlencode(address), safe='')}"
