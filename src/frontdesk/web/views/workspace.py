"""The agents' home: the workspace. Views of the ticket queue with their counts, filters,
sorting, search and keyset pages. With htmx only the workspace region is answered, and the
page works the same without JavaScript."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput
from frontdesk.tickets import selectors
from frontdesk.tickets.selectors import TicketPage, WorkspaceSort, WorkspaceView
from frontdesk.web.forms import WorkspaceForm, WorkspaceQuery

PAGE = "web/workspace.html"
REGION = "web/workspace.html#workspace"


def wants_region(request: HttpRequest) -> bool:
    """An htmx request answered with a fragment. History restores (a back button after the
    cache was emptied) need the whole page."""
    htmx = getattr(request, "htmx", None)
    return isinstance(htmx, HtmxDetails) and bool(htmx) and not htmx.history_restore_request


def workspace_page(request: HttpRequest, user: User) -> HttpResponse:
    agents = selectors.agents_assignable(user=user)
    form = WorkspaceForm(request.GET, agents=agents)
    query = form.query()
    page = TicketPage(tickets=[], next_after=None, sort=query.sort)
    try:
        if query.q:
            found = selectors.tickets_search(
                user=user, query=query.q, filters=query.filters, sort=query.sort, after=query.after
            )
            if found.ticket is not None:
                return _go_to(request, f"/ticket/{found.ticket.pk}")
            page = found.page
        else:
            page = selectors.tickets_for_workspace(
                user=user,
                view=query.view,
                filters=query.filters,
                sort=query.sort,
                after=query.after,
            )
    except InvalidInput as exc:
        # Hidden fields (the page cursor) have no place to show an error: it goes on top.
        shown = exc.field in form.fields and not form[exc.field].is_hidden
        form.add_error(exc.field if shown else None, exc.message)
    context = _context(user, form, query, page)
    template = REGION if wants_region(request) else PAGE
    return render(request, template, context, status=400 if form.errors else 200)


def _go_to(request: HttpRequest, path: str) -> HttpResponse:
    if wants_region(request):
        return HttpResponseClientRedirect(path)
    return redirect(path)


def _context(
    user: User, form: WorkspaceForm, query: WorkspaceQuery, page: TicketPage
) -> dict[str, Any]:
    counts = selectors.workspace_counts(user=user)
    views = [
        {"value": value, "label": label, "count": counts[value]}
        for value, label in WorkspaceView.choices
    ]
    return {
        "form": form,
        "query": query,
        "page": page,
        "views": views,
        "view_label": WorkspaceView(query.view).label,
        "sort_label": WorkspaceSort(page.sort).label if page.sort in WorkspaceSort else "",
        "searching": bool(query.q),
    }
