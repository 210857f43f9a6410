"""Images in articles, the plumbing: checking an upload, storing it, serving it. The use cases
that add and remove images are in kb/services.py; who may see an image is its article's rule
(kb/selectors.py's ``image_get``).

- PNG, JPEG, GIF or WebP, recognised by their content as tickets' attachments are
  (tickets/files.py's ``sniff_content_type``), never by the name or the browser's label.
- At most IMAGE_MAX_BYTES each (TooLarge), and not when the disk is nearly full
  (``check_free_disk``).
- Stored under a random name below MEDIA_ROOT/kb (never served statically) with its SHA-256;
  the uploader's file name is kept only as sanitised text.
- Served with the attachments' headers (tickets/downloads.py): nosniff, a sandboxing CSP,
  same-origin CORP, a private cache revalidated on every use, so a lost permission (an
  article unpublished or made internal) is noticed at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.http import FileResponse, HttpRequest, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_noop

from frontdesk.core.errors import InvalidInput, TooLarge
from frontdesk.kb.models import IMAGE_TYPES, ArticleImage
from frontdesk.tickets.downloads import SANDBOX
from frontdesk.tickets.files import (
    SNIFF_BYTES,
    check_free_disk,
    clean_filename,
    human_size,
    sniff_content_type,
)

FIELD = "image"
IMAGE_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class StoredImage:
    """An upload checked, typed and already in storage, waiting for its database row."""

    storage_name: str
    original_name: str
    size: int
    content_type: str
    sha256: str


def _too_large(name: str, size: int) -> TooLarge:
    return TooLarge(
        gettext_noop("%(name)s is %(size)s; an image can be at most %(limit)s."),
        values={"name": name, "size": human_size(size), "limit": human_size(IMAGE_MAX_BYTES)},
        field=FIELD,
    )


def store(file: object) -> StoredImage:
    """Check ``file`` (size, type by content) and put it in storage under a random name. Call
    it before the transaction that writes the row; :func:`discard` it if that fails."""
    if not isinstance(file, UploadedFile):
        raise InvalidInput(gettext_noop("Choose an image to upload."), field=FIELD)
    name = clean_filename(file.name)
    if (file.size or 0) > IMAGE_MAX_BYTES:
        raise _too_large(name, file.size or 0)
    check_free_disk(file.size or 0)
    digest = hashlib.sha256()
    head = b""
    size = 0
    for chunk in file.chunks():
        size += len(chunk)
        if size > IMAGE_MAX_BYTES:
            raise _too_large(name, size)
        digest.update(chunk)
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
    if size == 0:
        raise InvalidInput(
            gettext_noop("%(name)s is empty. Choose an image."), values={"name": name}, field=FIELD
        )
    content_type = sniff_content_type(head, is_text=False)
    if content_type not in IMAGE_TYPES:
        raise InvalidInput(
            gettext_noop("%(name)s is not a PNG, JPEG, GIF or WebP image."),
            values={"name": name},
            field=FIELD,
        )
    field = _file_field()
    random_name = field.generate_filename(ArticleImage(content_type=content_type), name)
    file.seek(0)
    stored = field.storage.save(random_name, file, max_length=field.max_length)
    return StoredImage(
        storage_name=stored,
        original_name=name,
        size=size,
        content_type=content_type,
        sha256=digest.hexdigest(),
    )


def discard(name: str) -> None:
    """Remove a stored image at once (its row was never written)."""
    _file_field().storage.delete(name)


def delete_after_commit(name: str) -> None:
    """Remove a stored image once the deletion of its row commits (a rollback keeps it)."""
    transaction.on_commit(lambda: _file_field().storage.delete(name))


def _file_field() -> models.FileField:
    field = ArticleImage._meta.get_field("file")
    assert isinstance(field, models.FileField)
    return field


def image_response(request: HttpRequest, image: ArticleImage) -> HttpResponseBase:
    """The image (or 304 when the client's ETag still matches). The caller checks who may see
    it first (selectors.image_get). Raises FileNotFoundError when the stored file is gone."""
    etag = f'"{image.sha256}"'
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        response = FileResponse(image.file.open("rb"), content_type=image.content_type)
        response["Content-Disposition"] = "inline"
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
