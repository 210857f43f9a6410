"""The agents' home: the workspace. Views of the ticket queue (built-in and saved) with their
counts, filters shown as removable chips, sorting, search, keyset pages, and changes to many
tickets at once. With htmx only the workspace region is answered, and the page works the
same without JavaScript (a post then returns to the list it came from)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_noop, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from frontdesk.accounts.models import User
from frontdesk.core.errors import InvalidInput
from frontdesk.core.ids import parse_id
from frontdesk.fields.selectors import fields_active_for
from frontdesk.tickets import bulk, saved_views, selectors
from frontdesk.tickets.filters import TICKET_FILTERS, UNASSIGNED
from frontdesk.tickets.models import Category, Priority, SavedView, Status
from frontdesk.tickets.selectors import TicketPage, WorkspaceSort, WorkspaceView
from frontdesk.tickets.texts import CATEGORY_WORDS, priority_label, status_label
from frontdesk.web.forms import WorkspaceForm, WorkspaceQuery
from frontdesk.web.pages import current_user, friendly_errors, page_methods

PAGE = "web/workspace.html"
REGION = "web/workspace.html#workspace"
POSTED = "web/_workspace_posted.html"
BACK_MAX_LENGTH = 1000


def wants_region(request: HttpRequest) -> bool:
    """An htmx request answered with a fragment. History restores (a back button after the
    cache was emptied) need the whole page."""
    htmx = getattr(request, "htmx", None)
    return isinstance(htmx, HtmxDetails) and bool(htmx) and not htmx.history_restore_request


def workspace_page(request: HttpRequest, user: User) -> HttpResponse:
    form, query, page = _list(user, request.GET)
    if isinstance(page, HttpResponse):
        return page if not wants_region(request) else HttpResponseClientRedirect(page["Location"])
    context = _context(request, user, form, query, page)
    template = REGION if wants_region(request) else PAGE
    return render(request, template, context, status=400 if form.errors else 200)


def _list(
    user: User, data: QueryDict
) -> tuple[WorkspaceForm, WorkspaceQuery, TicketPage | HttpResponse]:
    """The list the query asks for; a search naming a ticket by number is a redirect to it."""
    agents = selectors.agents_assignable(user=user)
    form = WorkspaceForm(data, agents=agents, custom_fields=fields_active_for(user=user))
    query = form.query()
    page = TicketPage(tickets=[], next_after=None, sort=query.sort)
    try:
        if query.q:
            found = selectors.tickets_search(
                user=user, query=query.q, filters=query.filters, sort=query.sort, after=query.after
            )
            if found.ticket is not None:
                return form, query, redirect(f"/ticket/{found.ticket.pk}")
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
        form.add_error(exc.field if shown else None, exc.said())
    return form, query, page


def _query_string(query: WorkspaceQuery) -> str:
    params = QueryDict(mutable=True)
    params["view"] = query.view
    for name, value in query.filters.items():
        if value:
            params[name] = value
    if query.sort:
        params["sort"] = query.sort
    return params.urlencode()


def _chips(data: QueryDict, form: WorkspaceForm, query: WorkspaceQuery) -> list[dict[str, str]]:
    """The active filters (and the search), each with the address that removes it."""
    chips = []
    shown = [("q", gettext("Search"), query.q)] if query.q else []
    for name, value in query.filters.items():
        if value and not form.has_error(name):
            known = form.fields.get(name) or TICKET_FILTERS.get(name)
            label = known.label if known is not None else name.split("_", 1)[1]
            shown.append((name, str(label), _value_label(form, name, value)))
    for name, label, value in shown:
        rest = data.copy()
        rest.pop(name, None)
        rest.pop("after", None)
        chips.append({"name": name, "label": label, "value": value, "href": _home(rest)})
    return chips


def _value_label(form: WorkspaceForm, name: str, value: str) -> str:
    field = form.fields.get(name)
    for choice, label in getattr(field, "choices", ()):
        if choice == value:
            return str(label)
    return value


def _home(params: QueryDict) -> str:
    text = params.urlencode()
    return f"/home?{text}" if text else "/home"


@dataclass(frozen=True)
class SavedItem:
    """A saved view in the left column: its count, whether it is the list shown, and whether
    the user may rename or delete it (saved_views.py's rule)."""

    view: SavedView
    count: int
    current: bool
    can_change: bool


def _context(
    request: HttpRequest,
    user: User,
    form: WorkspaceForm,
    query: WorkspaceQuery,
    page: TicketPage,
) -> dict[str, Any]:
    counts = selectors.workspace_counts(user=user)
    views = [
        {"value": value, "label": str(label), "count": counts[value]}
        for value, label in WorkspaceView.choices
    ]
    current = "" if query.q else _query_string(query)
    view_text = _canonical(current)
    mine = selectors.saved_views_for(user=user)
    saved_counts = selectors.saved_view_counts(user=user, views=mine)
    saved = [
        SavedItem(
            view=view,
            count=saved_counts.get(view.pk, 0),
            current=view.query == view_text,
            can_change=saved_views.saved_view_may_change(actor=user, view=view),
        )
        for view in mine
    ]
    current_saved = next((item.view for item in saved if item.current), None)
    agents = form.fields["assigned_to"]
    return {
        "form": form,
        "query": query,
        "page": page,
        "views": views,
        "saved_views": saved,
        "changeable_views": [item for item in saved if item.can_change],
        "current_saved": current_saved,
        "builtin_current": not query.q and current_saved is None,
        "view_label": current_saved.name if current_saved else str(WorkspaceView(query.view).label),
        "sort_label": str(WorkspaceSort(page.sort).label) if page.sort in WorkspaceSort else "",
        "searching": bool(query.q),
        "chips": _chips(request.GET, form, query),
        "view_text": view_text,
        "back": request.GET.urlencode(),
        "agent_choices": [
            (value, label) for value, label in getattr(agents, "choices", ()) if value
        ],
        "status_choices": [(v, status_label(v, for_customer=False)) for v in Status.values],
        "priority_choices": [(v, priority_label(v)) for v in Priority.values],
        "category_choices": [(v, str(CATEGORY_WORDS.get(v, v))) for v in Category.values],
        "bulk_limit": bulk.BULK_LIMIT,
    }


def _canonical(text: str) -> str:
    if not text:
        return ""
    try:
        return selectors.view_query_parse(text).text
    except InvalidInput:
        return ""


# --- posts: bulk changes and saved views --------------------------------------------------


def _back(request: HttpRequest) -> QueryDict:
    """The list the post came from (its query string), re-encoded: only ever /home's."""
    text = request.POST.get("back", "")[:BACK_MAX_LENGTH]
    return QueryDict(text, mutable=True)


def _answer(request: HttpRequest, user: User, done: str, *, failed: bool = False) -> HttpResponse:
    """After a post: with htmx the workspace region for the list it came from, the outcome in
    the status line; without, back to that list with the outcome on top."""
    back = _back(request)
    if not wants_region(request):
        (messages.error if failed else messages.success)(request, done)
        return redirect(_home(back))
    form, query, page = _list(user, back)
    if isinstance(page, HttpResponse):
        page = TicketPage(tickets=[], next_after=None, sort=query.sort)
    request.GET = back  # type: ignore[assignment]  # the region's links are made from it
    context = _context(request, user, form, query, page)
    context.update({"done": done, "failed": failed})
    response = render(request, POSTED, context, status=400 if failed else 200)
    response["HX-Push-Url"] = "false"
    return response


def _bulk_changes(data: QueryDict) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    assignee = data.get("assignee", "")
    if assignee == UNASSIGNED:
        changes["assignee"] = None
    elif assignee:
        changes["assignee"] = parse_id(assignee, field="assignee", message="Choose an agent.")
    for name in ("status", "priority", "category"):
        if data.get(name):
            changes[name] = data[name]
    if data.get("action") == "close":
        changes["status"] = Status.CLOSED
    tag = data.get("tag", "").strip()
    if tag:
        changes["remove_tag" if data.get("tag_action") == "remove" else "add_tag"] = tag
    return changes


def _reason_said(refusal: bulk.Refusal) -> str:
    return refusal.said.said() if refusal.said else gettext(refusal.reason)


def _summary_text(summary: bulk.BulkSummary) -> str:
    parts = []
    if summary.changed:
        count = len(summary.changed)
        parts.append(
            ngettext("Changed %(count)s ticket.", "Changed %(count)s tickets.", count)
            % {"count": count}
        )
    if summary.unchanged:
        count = len(summary.unchanged)
        parts.append(
            ngettext("%(count)s already as asked.", "%(count)s already as asked.", count)
            % {"count": count}
        )
    for refusal in summary.refused[:3]:
        parts.append(
            gettext("Not changed: %(number)s: %(reason)s")
            % {"number": f"TKT-{refusal.ticket_id:06d}", "reason": _reason_said(refusal)}
        )
    if len(summary.refused) > 3:
        more = len(summary.refused) - 3
        parts.append(
            ngettext("… and %(count)s more not changed.", "… and %(count)s more not changed.", more)
            % {"count": more}
        )
    return " ".join(parts)


@page_methods
@never_cache
@login_required
@require_POST
@friendly_errors()
def workspace_bulk(request: HttpRequest) -> HttpResponse:
    """Change the chosen tickets at once (tickets/bulk.py): one request, each ticket through
    the same use cases as a change to one."""
    user = current_user(request)
    try:
        ids = [parse_id(text, field="tickets") for text in request.POST.getlist("ticket")]
        summary = bulk.tickets_bulk_change(
            actor=user, ticket_ids=ids, changes=_bulk_changes(request.POST)
        )
    except InvalidInput as exc:
        return _answer(request, user, exc.said(), failed=True)
    failed = not summary.changed and bool(summary.refused)
    return _answer(request, user, _summary_text(summary), failed=failed)


@page_methods
@never_cache
@login_required
@require_POST
@friendly_errors()
def saved_view_create(request: HttpRequest) -> HttpResponse:
    """Keep the list as it is (its view, filters and order) under a name."""
    user = current_user(request)
    try:
        view = saved_views.saved_view_create(
            actor=user,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            shared=request.POST.get("shared") == "on",
        )
    except InvalidInput as exc:
        return _answer(request, user, exc.said(), failed=True)
    return _answer(request, user, gettext("Saved the view “%(name)s”.") % {"name": view.name})


@page_methods
@never_cache
@login_required
@require_POST
@friendly_errors()
def saved_view_change(request: HttpRequest, view_id: int) -> HttpResponse:
    """Rename, share, unshare or delete a saved view (``action``: rename, share, unshare,
    delete)."""
    user = current_user(request)
    action = request.POST.get("action", "")
    try:
        if action == "delete":
            view: SavedView = selectors.saved_view_get(user=user, view_id=view_id)
            saved_views.saved_view_delete(actor=user, view_id=view_id)
            done = gettext("Deleted the view “%(name)s”.") % {"name": view.name}
        elif action in ("share", "unshare"):
            view = saved_views.saved_view_update(
                actor=user, view_id=view_id, shared=action == "share"
            )
            done = (
                gettext("“%(name)s” is shared with every agent.")
                if view.shared
                else gettext("“%(name)s” is yours alone again.")
            ) % {"name": view.name}
        elif action == "rename":
            view = saved_views.saved_view_update(
                actor=user, view_id=view_id, name=request.POST.get("name", "")
            )
            done = gettext("Renamed the view to “%(name)s”.") % {"name": view.name}
        else:
            raise InvalidInput(gettext_noop("That action is not available."))
    except InvalidInput as exc:
        return _answer(request, user, exc.said(), failed=True)
    return _answer(request, user, done)
