"""How a stored attachment goes out over HTTP, for every face that serves one (the pages'
download view and the REST API's ``download`` endpoint): nothing a user uploaded is ever
rendered by the browser as a page or a script.

- Only raster images (``Attachment.is_inline_image``) are served inline; everything else is a
  download (``Content-Disposition: attachment``) with the name as RFC 6266 gives it.
- HTML, XML, SVG and scripts go out as ``application/octet-stream``; text as UTF-8 text.
- ``X-Content-Type-Options: nosniff``, a sandboxing CSP, same-origin CORP, and a private
  cache revalidated on every use (ETag: the SHA-256), so a lost permission is noticed.

The caller checks permission first (``access.attachment_get``).
"""

from __future__ import annotations

from urllib.parse import quote

from django.http import FileResponse, HttpRequest, HttpResponseNotModified
from django.http.response import HttpResponseBase

from frontdesk.tickets.files import OCTET_STREAM, TEXT
from frontdesk.tickets.models import Attachment

# Types a browser handles itself when it meets them (pages, scripts, XML): served as bytes.
_SERVED_AS_BYTES = ("html", "xml", "javascript", "ecmascript", "svg")
# The response may not load, run or frame anything, even if a browser chose to render it.
SANDBOX = "default-src 'none'; sandbox"


def attachment_response(request: HttpRequest, attachment: Attachment) -> HttpResponseBase:
    """The file (or 304 Not Modified when the client's ETag still matches), with the headers
    above. Raises FileNotFoundError when the stored file is gone."""
    etag = f'"{attachment.sha256}"'
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        handle = attachment.file.open("rb")
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
