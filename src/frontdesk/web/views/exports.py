"""The workspace's list as CSV (/home/export.csv?<the list's address>): the same view and
filters as the list shown, every page of it, streamed. Staff only (exports/tickets.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from frontdesk.core.errors import InvalidInput, NotAllowed
from frontdesk.exports import tickets as ticket_exports
from frontdesk.exports.responses import csv_response
from frontdesk.tickets import selectors
from frontdesk.web.forms import WorkspaceForm
from frontdesk.web.pages import current_user, forbidden


@never_cache
@require_GET
@login_required
def workspace_export(request: HttpRequest) -> HttpResponseBase:
    user = current_user(request)
    try:
        ticket_exports.check_may_export(user)  # before the filters are read, as the list does
    except NotAllowed as exc:
        return forbidden(request, exc.said())
    form = WorkspaceForm(request.GET, agents=selectors.agents_assignable(user=user))
    query = form.query()
    if form.errors:  # a value the list would refuse: not an export of something else
        first = next(iter(form.errors.values()))[0]
        return HttpResponse(first, status=400, content_type="text/plain; charset=utf-8")
    try:
        export = ticket_exports.tickets_export(user=user, filters=query.filters, view=query.view)
    except InvalidInput as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    return csv_response(export.lines(), name="tickets")
