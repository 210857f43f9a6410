"""Saved views: who keeps, sees, changes and deletes them (personal: the owner; shared: admins),
queries that can never hold an invalid filter, their counts, and the workspace's own order as
a selector (the next ticket of a view)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.tickets import selectors, services
from frontdesk.tickets.models import Priority, SavedView, Status, Ticket
from frontdesk.tickets.next_ticket import workspace_next_ticket
from frontdesk.tickets.saved_views import (
    VIEWS_PER_OWNER,
    saved_view_create,
    saved_view_delete,
    saved_view_update,
)
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


# --- who may do what --------------------------------------------------------------------------


def test_an_agent_keeps_a_personal_view_only_they_see(
    agent: User, other_agent: User, admin: User
) -> None:
    view = saved_view_create(
        actor=agent, name="  Urgent   billing ", query="view=open&priority=urgent"
    )
    assert (view.name, view.shared, view.owner_id) == ("Urgent billing", False, agent.pk)
    assert [v.pk for v in selectors.saved_views_for(user=agent)] == [view.pk]
    for stranger in (other_agent, admin):
        assert selectors.saved_views_for(user=stranger) == []
        with pytest.raises(NotFound):
            selectors.saved_view_get(user=stranger, view_id=view.pk)
        with pytest.raises(NotFound):
            saved_view_update(actor=stranger, view_id=view.pk, name="Mine now")
        with pytest.raises(NotFound):
            saved_view_delete(actor=stranger, view_id=view.pk)


def test_only_admins_share_and_any_admin_changes_a_shared_view(
    agent: User, other_agent: User, admin: User
) -> None:
    with pytest.raises(NotAllowed, match="Only admins can share"):
        saved_view_create(actor=agent, name="Everyone's", query="view=open", shared=True)
    own = saved_view_create(actor=agent, name="Mine", query="view=mine")
    with pytest.raises(NotAllowed, match="Only admins can share"):
        saved_view_update(actor=agent, view_id=own.pk, shared=True)

    shared = saved_view_create(
        actor=admin, name="Billing", query="view=open&category=billing", shared=True
    )
    # Every agent sees it, with their own views, by name.
    assert [v.name for v in selectors.saved_views_for(user=agent)] == ["Billing", "Mine"]
    assert [v.name for v in selectors.saved_views_for(user=other_agent)] == ["Billing"]
    for agent_user in (agent, other_agent):
        with pytest.raises(NotAllowed, match="Only admins can change or delete a shared view"):
            saved_view_update(actor=agent_user, view_id=shared.pk, name="Ours")
        with pytest.raises(NotAllowed):
            saved_view_delete(actor=agent_user, view_id=shared.pk)

    second_admin = User.objects.create_user("Grace", "grace@example.com", "x", role="admin")
    renamed = saved_view_update(actor=second_admin, view_id=shared.pk, name="Billing queue")
    assert renamed.name == "Billing queue"
    unshared = saved_view_update(actor=admin, view_id=shared.pk, shared=False)
    assert not unshared.shared
    assert selectors.saved_views_for(user=agent)[0].name == "Mine"  # no longer shared
    saved_view_delete(actor=agent, view_id=own.pk)
    assert not SavedView.objects.filter(pk=own.pk).exists()


def test_customers_keep_no_views(customer: User, agent: User) -> None:
    with pytest.raises(NotAllowed):
        saved_view_create(actor=customer, name="Mine", query="view=open")
    view = saved_view_create(actor=agent, name="Mine", query="view=open")
    with pytest.raises(NotAllowed):
        saved_view_delete(actor=customer, view_id=view.pk)
    with pytest.raises(NotAllowed):
        selectors.saved_views_for(user=customer)


# --- what a view may hold -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("view=open&status=sleeping", "status", "Unknown status"),
        ("view=open&priority=", None, None),  # empty: any priority, left out
        ("view=everything", "view", "Unknown view"),
        ("view=open&sort=random", "sort", "Unknown sort"),
        ("view=open&q=heating", "query", "not part of a view"),
        ("view=open&after=123_4", "query", "not part of a view"),
        ("view=open&created_after=2025-01-01", "query", "not part of a view"),
        ("view=open&status=new&status=open", "query", "given twice"),
        ("view=open&assigned_to=abc", "assigned_to", "Choose an agent"),
        ("view=open&assigned_to=987654", "assignee", "Choose an agent"),
        ("view=open&" + "tag=x" * 200, "query", "too long"),
    ],
)
def test_a_view_never_holds_an_invalid_filter(
    agent: User, query: str, field: str | None, words: str | None
) -> None:
    if words is None:
        assert saved_view_create(actor=agent, name="Fine", query=query).query == "view=open"
        return
    with pytest.raises(InvalidInput, match=words) as refused:
        saved_view_create(actor=agent, name="Broken", query=query)
    assert refused.value.field == field
    assert not SavedView.objects.exists()


def test_the_query_is_kept_in_one_form(agent: User, other_agent: User) -> None:
    view = saved_view_create(
        actor=agent,
        name="Bob's high",
        query=f"?sort=-created&tag=Front+Desk&assigned_to={other_agent.pk}&priority=high&view=open",
    )
    assert view.query == (
        f"view=open&priority=high&assigned_to={other_agent.pk}&tag=front+desk&sort=-created"
    )
    changed = saved_view_update(actor=agent, view_id=view.pk, query="view=pending")
    assert changed.query == "view=pending"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "Give the view a name"),
        ("   ", "Give the view a name"),
        ("x" * 61, "60 characters"),
        ("Tab\there", None),
        ("Bell\x07", "control"),
    ],
)
def test_names_are_checked(agent: User, name: str, words: str | None) -> None:
    if words is None:
        assert saved_view_create(actor=agent, name=name, query="view=open").name == "Tab here"
        return
    with pytest.raises(InvalidInput, match=words):
        saved_view_create(actor=agent, name=name, query="view=open")


def test_names_are_unique_per_owner_and_views_are_capped(agent: User, other_agent: User) -> None:
    saved_view_create(actor=agent, name="Urgent", query="view=open")
    with pytest.raises(InvalidInput, match="already have a view"):
        saved_view_create(actor=agent, name="urgent", query="view=pending")
    saved_view_create(actor=other_agent, name="Urgent", query="view=open")  # theirs
    for number in range(VIEWS_PER_OWNER - 1):
        saved_view_create(actor=agent, name=f"View {number}", query="view=open")
    with pytest.raises(InvalidInput, match=f"up to {VIEWS_PER_OWNER} views"):
        saved_view_create(actor=agent, name="One more", query="view=open")


# --- counts -------------------------------------------------------------------------------


def test_counts_come_in_one_query_and_follow_changes(
    customer: User, agent: User, other_agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    tickets = [open_ticket(customer, f"Studio issue {n}") for n in range(5)]
    services.ticket_update(actor=agent, ticket_id=tickets[0].pk, changes={"priority": "urgent"})
    services.ticket_update(
        actor=agent, ticket_id=tickets[1].pk, changes={"priority": "urgent", "tags": ["mirror"]}
    )
    services.ticket_claim(actor=agent, ticket_id=tickets[2].pk)
    views = [
        saved_view_create(actor=agent, name="Urgent", query="view=open&priority=urgent"),
        saved_view_create(actor=agent, name="Mirror", query="view=open&tag=mirror"),
        saved_view_create(actor=agent, name="My own", query="view=mine"),
        saved_view_create(actor=agent, name="Closed", query="view=closed"),
    ]
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        counts = selectors.saved_view_counts(user=agent, views=views)
    assert len(queries) == 1
    assert [counts[view.pk] for view in views] == [2, 1, 1, 0]
    # Bob's "mine" is his own.
    assert selectors.saved_view_counts(user=other_agent, views=views[2:3]) == {views[2].pk: 0}

    with django_capture_on_commit_callbacks(execute=True):  # the desk's version moves
        services.ticket_change_status(actor=agent, ticket_id=tickets[0].pk, status=Status.CLOSED)
    counts = selectors.saved_view_counts(user=agent, views=views)
    assert [counts[view.pk] for view in views] == [1, 1, 1, 1]
    with CaptureQueriesContext(connection) as queries:  # nothing changed: from the cache
        selectors.saved_view_counts(user=agent, views=views)
    assert len(queries) == 0


# --- the order of a view, for the ticket page's "next" ------------------------------------


def test_the_next_ticket_of_a_view_follows_its_order(customer: User, agent: User) -> None:
    now = timezone.now()
    first, second, third = (
        open_ticket(customer, f"Queued {n}", at=now - timedelta(days=3 - n)) for n in range(3)
    )
    Ticket.objects.filter(pk=third.pk).update(priority=Priority.CRITICAL)

    def following(query: str, after: Ticket) -> Ticket | None:
        return workspace_next_ticket(user=agent, after_ticket_id=after.pk, address=QueryDict(query))

    assert following("view=claimable", first) == second
    assert following("view=claimable", third) == first  # past the end: the list's first
    assert following("view=claimable&sort=-created", third) == second
    assert following("view=open&sort=priority", third) == first
    # The ticket left the view (claimed, then closed): the next is still the one after it.
    services.ticket_claim(actor=agent, ticket_id=first.pk)
    services.ticket_change_status(actor=agent, ticket_id=first.pk, status=Status.CLOSED)
    assert following("view=claimable&q=ignored&after=1_2", first) == second


def test_only_staff_have_a_workspace_order(customer: User, ticket: Any) -> None:
    with pytest.raises(NotAllowed):
        workspace_next_ticket(
            user=customer, after_ticket_id=ticket.pk, address=QueryDict("view=open")
        )
