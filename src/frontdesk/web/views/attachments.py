"""Downloading an attachment: every request checks permission, and nothing a user uploaded is
ever rendered by the browser as a page or a script."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from frontdesk.core.errors import NotFound
from frontdesk.tickets import selectors
from frontdesk.tickets.attachments import OCTET_STREAM, TEXT
from frontdesk.tickets.models import Attachment
from frontdesk.web.pages import current_user, not_found

FILE_NOT_FOUND = "There is no file at this address, or it is not yours to see."
# Types a browser handles itself when it meets them (pages, scripts, XML): served as bytes.
_SERVED_AS_BYTES = ("html", "xml", "javascript", "ecmascript", "svg")
# The response may not load, run or frame anything, even if a browser chose to render it.
SANDBOX = "default-src 'none'; sandbox"


@require_safe
@login_required
def attachment_download(request: HttpRequest, attachment_id: int, name: str) -> HttpResponseBase:
    """``/attachments/<id>/<name>``: the name is for people; the id decides."""
    user = current_user(request)
    try:
        attachment = selectors.attachment_get_for_user(user=user, attachment_id=attachment_id)
    except NotFound:
        return not_found(request, FILE_NOT_FOUND)
    etag = f'"{attachment.sha256}"'
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            return not_found(request, FILE_NOT_FOUND)
        response = FileResponse(handle, content_type=served_type(attachment))
        response["Content-Disposition"] = content_disposition(attachment)
    response["ETag"] = etag
    # Private: a shared cache must not keep it; revalidated so a lost permission is noticed.
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def served_type(attachment: Attachment) -> str:
    if attachment.is_inline_image:
        return attachment.content_type
    if attachment.content_type == TEXT:
        return f"{TEXT}; charset=utf-8"
    if any(word in attachment.content_type for word in _SERVED_AS_BYTES):
        return OCTET_STREAM
    return attachment.content_type


def content_disposition(attachment: Attachment) -> str:
    """Raster images inline, everything else as a download; the name as RFC 6266 gives it,
    with a plain ASCII fallback for old clients."""
    disposition = "inline" if attachment.is_inline_image else "attachment"
    name = attachment.original_name
    fallback = "".join(ch if " " <= ch < "\x7f" and ch not in '"\\%' else "_" for ch in name)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
