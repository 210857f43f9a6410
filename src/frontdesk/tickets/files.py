"""Files on messages, the plumbing: limits, names, types, storage. The use cases that add and
delete files are in services.py; who may see a file is tickets/access.py (as its message).

- A message carries at most FRONTDESK_ATTACHMENTS_PER_MESSAGE files, each at most
  FRONTDESK_ATTACHMENT_MAX_BYTES (TooLarge, which the API answers with 413).
- Per day a person may upload FRONTDESK_UPLOAD_BYTES_PER_DAY bytes (staff:
  FRONTDESK_UPLOAD_BYTES_PER_DAY_STAFF; RateLimited, 429), and no file is stored when it would
  leave less than FRONTDESK_MIN_FREE_DISK_BYTES free on MEDIA_ROOT's disk
  (InsufficientStorage, 507).
- The type is sniffed from the content, never taken from the client's label or name.
- Files are stored under random names in MEDIA_ROOT (never served statically) with their
  SHA-256; the client's name is kept only as sanitised text.

The use cases take the files of the message they write: :func:`staged_files` checks and stores
them before the transaction (and deletes them again if it fails); :func:`attach` writes their
rows inside it; :func:`delete_after_commit` removes stored files once a deletion commits.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import shutil
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext, gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core import ratelimit
from frontdesk.core.errors import InsufficientStorage, InvalidInput, RateLimited, TooLarge
from frontdesk.tickets.models import Attachment, Message

FIELD = "files"
NAME_MAX = 255
DESCRIPTION_MAX = 500
FALLBACK_NAME = "attachment"
SNIFF_BYTES = 8192  # what filetype reads to recognise a format
DAY = 86400
DISK_SHORT = gettext_noop("The server is short of disk space; the file was not saved.")

OCTET_STREAM = "application/octet-stream"
TEXT = "text/plain"
# Text a browser would run rather than show, recognised the way browsers sniff it, so that it
# is recorded for what it is. It is served as a download like everything but raster images.
_SVG = re.compile(rb"<svg[\s>]")
_HTML = re.compile(
    rb"<(!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p)[\s>]"
)
# Characters a file name may not keep: path separators, and what Windows refuses.
_UNSAFE_IN_NAME = re.compile(r'[\\/<>:"|?*]')


def max_bytes() -> int:
    return int(settings.FRONTDESK_ATTACHMENT_MAX_BYTES)


def max_files() -> int:
    return int(settings.FRONTDESK_ATTACHMENTS_PER_MESSAGE)


def upload_budget(user: User) -> int:
    """The bytes ``user`` may upload per day (0: no budget)."""
    if user.is_staff_member:
        return int(settings.FRONTDESK_UPLOAD_BYTES_PER_DAY_STAFF)
    return int(settings.FRONTDESK_UPLOAD_BYTES_PER_DAY)


class StagedAgain(UploadedFile):
    """A staged upload on its way into a message: it was counted against its owner's upload
    budget when it was staged, so it is not counted again."""


def files_hint() -> str:
    """The rules as the pages show them under the file field, before anyone breaks them."""
    return gettext("Up to {count} files, at most {size} each.").format(
        count=max_files(), size=human_size(max_bytes())
    )


def human_size(size: int) -> str:
    """``25 MB``, ``1.5 KB``, ``100 bytes`` (with a no-break space)."""
    # Spanish writes "25,0 MB": the decimal comma goes too.
    return str(filesizeformat(size)).replace(".0\xa0", "\xa0").replace(",0\xa0", "\xa0")


# --- names and types ----------------------------------------------------------------------


def clean_filename(name: str | None) -> str:
    """A safe display name: the last component of any path (``../../etc/passwd`` becomes
    ``passwd``, ``C:\\x\\y`` becomes ``y``), without control or invisible formatting
    characters (no right-to-left tricks), no leading dots, at most 255 characters with the
    extension kept; ``attachment`` when nothing is left."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(_name_character(ch) for ch in text)
    text = _UNSAFE_IN_NAME.sub("_", text)
    text = " ".join(text.split()).strip(". ")
    if not text:
        return FALLBACK_NAME
    if len(text) > NAME_MAX:
        path = PurePath(text)
        suffix = path.suffix if len(path.suffix) <= 16 else ""
        text = text[: len(text) - len(suffix)][: NAME_MAX - len(suffix)].rstrip(". ") + suffix
    return text


def _name_character(ch: str) -> str:
    category = unicodedata.category(ch)
    if ch in "\t\n\r\v\f" or category.startswith("Z"):  # tabs, line breaks, any space
        return " "
    if category.startswith("C"):  # control, format (bidi overrides), surrogate, private use
        return ""
    return ch


def sniff_content_type(head: bytes, *, is_text: bool) -> str:
    """The type the content says it is. ``head`` is the file's first bytes; ``is_text``
    whether the whole file is UTF-8 without NUL bytes."""
    kind = filetype.guess(head)
    if kind is not None:
        return str(kind.mime)
    if not is_text:
        return OCTET_STREAM
    start = head.removeprefix(codecs.BOM_UTF8).lstrip().lower()
    if not start.startswith(b"<"):
        return TEXT
    if _HTML.match(start):
        return "text/html"
    if _SVG.search(start):  # after an XML prolog, a doctype or comments
        return "image/svg+xml"
    if start.startswith(b"<!--"):
        return "text/html"
    if start.startswith(b"<?xml"):
        return "application/xml"
    return TEXT


# --- checking and storing -----------------------------------------------------------------


def check_files(files: Sequence[UploadedFile], *, already: int = 0) -> None:
    """The rules that can be checked before anything is written: how many files, and the
    size each claims. The real size is checked again while the file is read."""
    if len(files) + already > max_files():
        left = max_files() - already
        raise InvalidInput(
            gettext_noop(
                "You can attach at most %(limit)s files to a message; you chose %(count)s."
            )
            if already == 0
            else gettext_noop(
                "You can attach at most %(limit)s files to a message; %(left)s more fit here."
            ),
            values={"limit": max_files(), "count": len(files), "left": left},
            field=FIELD,
        )
    for file in files:
        _check_size(clean_filename(file.name), file.size or 0)


def _check_size(name: str, size: int) -> None:
    if size > max_bytes():
        raise TooLarge(
            gettext_noop("%(name)s is %(size)s; a file can be at most %(limit)s."),
            values={"name": name, "size": human_size(size), "limit": human_size(max_bytes())},
            field=FIELD,
        )
    if size == 0:
        raise InvalidInput(
            gettext_noop("%(name)s is empty. Choose a file with something in it."),
            values={"name": name},
            field=FIELD,
        )


@dataclass(frozen=True)
class Staged:
    """A file checked, hashed, typed and already in storage, waiting for its database row."""

    storage_name: str
    original_name: str
    size: int
    content_type: str
    sha256: str


@contextmanager
def staged_files(
    files: Sequence[UploadedFile], *, already: int = 0, uploader: User | None = None
) -> Iterator[list[Staged]]:
    """Check ``files``, read each once (size, SHA-256, type) and put it in storage under a
    random name, all before the caller's transaction, so that no database lock is held while
    25 MB are hashed or copied. If the block fails, the stored files are deleted again (and
    their bytes given back to ``uploader``'s daily budget): a use case that fails or rolls
    back leaves no file behind.

    Use it outside ``transaction.atomic()``. An outer transaction of the caller's own that
    rolls back later is not seen here; its files stay unreferenced on disk."""
    check_files(files, already=already)
    check_free_disk(sum(file.size or 0 for file in files))
    budget = _budget_hit(files, uploader)
    staged: list[Staged] = []
    try:
        for file in files:
            staged.append(_stage(file))
        yield staged
    except BaseException:
        storage = _file_field().storage
        for item in staged:
            storage.delete(item.storage_name)
        if budget is not None:
            budget.release()
        raise


def check_free_disk(size: int) -> None:
    """Refuse (InsufficientStorage) to store ``size`` bytes when that would leave less than
    FRONTDESK_MIN_FREE_DISK_BYTES free in MEDIA_ROOT's file system."""
    reserve = int(settings.FRONTDESK_MIN_FREE_DISK_BYTES)
    if reserve <= 0 or size <= 0:
        return
    path = Path(settings.MEDIA_ROOT)
    while not path.exists() and path.parent != path:
        path = path.parent
    if shutil.disk_usage(path).free - size < reserve:
        raise InsufficientStorage(DISK_SHORT, field=FIELD)


def _budget_hit(files: Sequence[UploadedFile], uploader: User | None) -> ratelimit.Hit | None:
    if uploader is None:
        return None
    amount = sum(file.size or 0 for file in files if not isinstance(file, StagedAgain))
    allowance = upload_budget(uploader)
    hit, wait = ratelimit.amount_hit(
        ratelimit.UPLOAD_BYTES_USER, str(uploader.pk), amount, allowance=allowance, period=DAY
    )
    if wait:
        refused = RateLimited(
            gettext_noop(
                "You have reached your upload allowance of %(size)s a day; the file was not "
                "saved. Try again in %(wait)s."
            ),
            values={"size": human_size(allowance), "wait": ratelimit.wait_said(wait)},
            retry_after=wait,
        )
        refused.field = FIELD
        raise refused
    return hit


def attach(
    staged: Sequence[Staged], *, message: Message, uploader: User, description: str = ""
) -> list[Attachment]:
    """The rows for staged files on ``message``, inside the caller's transaction."""
    return Attachment.objects.bulk_create(
        Attachment(
            message=message,
            file=item.storage_name,
            original_name=item.original_name,
            size=item.size,
            content_type=item.content_type,
            sha256=item.sha256,
            uploader=uploader,
            description=description,
        )
        for item in staged
    )


def _stage(file: UploadedFile) -> Staged:
    name = clean_filename(file.name)
    digest = hashlib.sha256()
    text = codecs.getincrementaldecoder("utf-8")()
    head = b""
    size = 0
    is_text = True
    for chunk in file.chunks():
        size += len(chunk)
        if size > max_bytes():
            _check_size(name, size)
        digest.update(chunk)
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        if is_text:
            is_text = _still_text(text, chunk)
    if is_text:
        is_text = _still_text(text, b"", final=True)
    _check_size(name, size)
    if file.size is not None and size != file.size:
        raise InvalidInput(
            gettext_noop("%(name)s did not arrive completely. Please send it again."),
            values={"name": name},
            field=FIELD,
        )
    check_free_disk(size)
    field = _file_field()
    # upload_to gives a random name; the storage moves a temporary upload into place.
    random_name = field.generate_filename(None, name)
    stored = field.storage.save(random_name, file, max_length=field.max_length)
    return Staged(
        storage_name=stored,
        original_name=name,
        size=size,
        content_type=sniff_content_type(head, is_text=is_text),
        sha256=digest.hexdigest(),
    )


def _file_field() -> models.FileField:
    field = Attachment._meta.get_field("file")
    assert isinstance(field, models.FileField)
    return field


def _still_text(decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool = False) -> bool:
    if b"\0" in chunk:
        return False
    try:
        decoder.decode(chunk, final=final)
    except UnicodeDecodeError:
        return False
    return True


def delete_after_commit(names: Sequence[str]) -> None:
    """Remove stored files once the caller's transaction has committed their rows' deletion
    (a rollback keeps them)."""
    storage = _file_field().storage

    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)
