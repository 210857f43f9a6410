"""Files kept across a form's error: when a page comes back with an error, the files chosen
with it are staged (checked, stored, owned by the writer, under a random token) and offered
again, so nobody chooses them twice. A staged file is its owner's alone, lasts STAGED_FOR,
and is removed once sent with a message (or by the hourly job when abandoned).

Staging changes no ticket: it writes no history and announces nothing; what is sent later
goes through the use cases (services.ticket_open, services.message_post) like any upload.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.core.errors import DomainError, NotAllowed
from frontdesk.tickets import access
from frontdesk.tickets.files import (
    StagedAgain,
    check_files,
    delete_after_commit,
    max_files,
    staged_files,
)
from frontdesk.tickets.models import StagedUpload

STAGED_FOR = timedelta(days=1)
TOKEN_MAX = 64


def _may_write(actor: User) -> None:
    if not actor.is_active:
        raise NotAllowed(gettext_noop("Only signed-in users can keep files."))


def staged_uploads_of(*, actor: User, tokens: Sequence[str]) -> list[StagedUpload]:
    """``actor``'s own staged files among ``tokens``, still fresh, in the order given. Another
    user's token, an expired or an unknown one is left out, never an error."""
    wanted = [token for token in dict.fromkeys(tokens) if 0 < len(token) <= TOKEN_MAX]
    if not wanted:
        return []
    found = {
        upload.token: upload
        for upload in access.staged_uploads_visible_to(actor).filter(
            token__in=wanted, created_at__gt=now() - STAGED_FOR
        )
    }
    return [found[token] for token in wanted if token in found]


def staged_upload_create(
    *, actor: User, files: Sequence[UploadedFile], already: int = 0
) -> list[StagedUpload]:
    """Keep each of ``files`` that a message could carry (not empty, not too large). More
    files than a message can carry (with the ``already`` kept) are not kept at all: which
    to leave out is the writer's choice. A file refused is left out: the form's error says
    why."""
    _may_write(actor)
    if already + len(files) > max_files():
        return []
    fitting: list[UploadedFile] = []
    for file in files:
        try:
            check_files([file])
        except DomainError:
            continue
        fitting.append(file)
    kept: list[StagedUpload] = []
    for file in fitting:
        try:
            with staged_files([file], uploader=actor) as [stored], transaction.atomic():
                kept.append(
                    StagedUpload.objects.create(
                        token=secrets.token_urlsafe(32),
                        owner=actor,
                        file=stored.storage_name,
                        original_name=stored.original_name,
                        size=stored.size,
                        content_type=stored.content_type,
                        sha256=stored.sha256,
                    )
                )
        except DomainError:  # larger or shorter than it said: not kept
            continue
    return kept


def staged_upload_open(upload: StagedUpload) -> UploadedFile:
    """The staged file as an upload again, for the use case that sends it (its bytes were
    counted against the upload budget when it was staged)."""
    return StagedAgain(
        file=upload.file.open("rb"),
        name=upload.original_name,
        content_type=upload.content_type,
        size=upload.size,
    )


def staged_uploads_discard(*, actor: User, tokens: Sequence[str]) -> int:
    """Remove ``actor``'s staged files among ``tokens`` (sent, or taken off the form)."""
    with transaction.atomic():
        uploads = list(
            access.staged_uploads_visible_to(actor)
            .select_for_update()
            .filter(token__in=list(tokens))
        )
        return _delete(uploads)


def staged_uploads_expire() -> int:
    """Remove every staged file older than STAGED_FOR (the hourly job)."""
    with transaction.atomic():
        uploads = list(
            StagedUpload.objects.select_for_update().filter(created_at__lte=now() - STAGED_FOR)
        )
        return _delete(uploads)


def _delete(uploads: list[StagedUpload]) -> int:
    StagedUpload.objects.filter(pk__in=[upload.pk for upload in uploads]).delete()
    delete_after_commit([upload.file.name for upload in uploads])
    return len(uploads)
