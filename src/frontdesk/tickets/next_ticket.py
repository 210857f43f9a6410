"""The ticket after this one in a workspace list: where an agent's page goes after a reply.

The list is named as the workspace's address names it (``view=claimable&priority=high&
sort=-created``), so "the list I came from" is that address, parsed by the same filters
(tickets/filters.py) and ordered by the same keys (tickets/paging.py) as the list itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput
from frontdesk.tickets import access, paging
from frontdesk.tickets.filters import WORKSPACE_FILTERS, filter_condition
from frontdesk.tickets.models import Ticket
from frontdesk.tickets.selectors import (
    DEFAULT_SORT,
    WorkspaceView,
    check_staff,
    view_condition,
    workspace_keys,
)


def workspace_next_ticket(
    *, user: User, after_ticket_id: int, address: Mapping[str, str]
) -> Ticket | None:
    """The first ticket of the workspace list ``address`` (its view, filters and sort, as
    text) that comes after ``after_ticket_id`` in the list's order; the list's first one when
    none comes after; None when the list holds no other ticket. The ticket itself may have
    left the list meanwhile (a reply claimed it, a close ended it): its place is where its
    sort values would put it. An address that does not parse names no list (None)."""
    check_staff(user)
    view = address.get("view") or WorkspaceView.CLAIMABLE
    filters = {name: address.get(name, "") for name in WORKSPACE_FILTERS}
    sort = address.get("sort") or DEFAULT_SORT.get(view, "")
    keys = workspace_keys(view, sort)
    if view not in WorkspaceView.values or keys is None:
        return None
    try:
        rows = access.tickets_visible_to(user).filter(
            view_condition(view, user), filter_condition(user, filters)
        )
    except InvalidInput:
        return None
    following, everything = paging.in_order_after(rows, keys=keys, ticket_id=after_ticket_id)
    return following.first() or everything.first()
