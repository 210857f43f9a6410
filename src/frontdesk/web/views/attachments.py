"""Downloading an attachment: every request checks permission, and nothing a user uploaded is
ever rendered by the browser as a page or a script (tickets/downloads.py, shared with the
REST API)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from frontdesk.core.errors import NotFound
from frontdesk.tickets import access
from frontdesk.tickets.downloads import attachment_response
from frontdesk.web.pages import current_user, not_found

FILE_NOT_FOUND = "There is no file at this address, or it is not yours to see."


@require_safe
@login_required
def attachment_download(request: HttpRequest, attachment_id: int, name: str) -> HttpResponseBase:
    """``/attachments/<id>/<name>``: the name is for people; the id decides."""
    user = current_user(request)
    try:
        attachment = access.attachment_get(user=user, attachment_id=attachment_id)
        return attachment_response(request, attachment)
    except (NotFound, FileNotFoundError):
        return not_found(request, FILE_NOT_FOUND)
