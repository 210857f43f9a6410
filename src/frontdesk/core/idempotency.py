"""Safe retries: the ``Idempotency-Key`` header on the APIs' writes.

A client that sent a write and heard nothing back (a timeout, a dropped connection, a server
killed before it answered) cannot know whether the write happened. With a key, it sends the
same request again: the first answer is kept for a day and given again, and the write is done
once. The answer is recorded in the same transaction as the write, so a crash keeps both or
neither: a retry after a crash that lost the write runs it again (docs/decisions.md, 44,
"Idempotency keys").

:func:`idempotent` wraps a face's view; the face says who is calling (keys are per user) and
how it words an error. A request without the header costs one dictionary look-up.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from frontdesk.core import clock
from frontdesk.core.models import IdempotencyKey

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEEP = timedelta(hours=24)
# A request still marked in flight after this long died with its process (its write was rolled
# back with it): a retry takes the key over. Should the first still finish, it cannot record
# its answer any more, and its write is rolled back instead (see _run).
IN_FLIGHT = timedelta(seconds=60)
_VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII: a UUID, a hash, a counter
# Headers that belong to the answer, kept with it; anything else (cookies, the request id, the
# security headers) is the replay's own.
KEPT_HEADERS = ("Content-Type", "Location", "Allow")
REPLAYED = "Idempotent-Replayed"

BAD_KEY = "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID makes a good key)."
OTHER_REQUEST = (
    "This Idempotency-Key was already used for a different request (method, path or body); "
    "send a new key with a new request."
)
IN_PROGRESS = "A request with this Idempotency-Key is still being processed; retry in a moment."

View = Callable[..., HttpResponseBase]
Caller = Callable[[HttpRequest], int | None]
Refuse = Callable[[int, str], HttpResponseBase]


def idempotent(view: View, *, caller: Caller, refuse: Refuse) -> View:
    """``view`` with ``Idempotency-Key`` honoured on unsafe methods. ``caller`` names the user
    a request speaks for (None: not signed in, or not allowed to write; the view then answers
    as it would); ``refuse(status, message)`` is the face's error answer."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        key = request.META.get("HTTP_IDEMPOTENCY_KEY")
        if key is None or request.method not in UNSAFE_METHODS:
            return view(request, *args, **kwargs)
        if not _VALID_KEY.fullmatch(key):
            return refuse(400, BAD_KEY)
        user_id = caller(request)
        if user_id is None:
            return view(request, *args, **kwargs)
        try:
            fingerprint = _fingerprint(request)
        except (RequestDataTooBig, SuspiciousOperation):
            return view(request, *args, **kwargs)  # refused by the view, as without a key
        claim = _claim(user_id=user_id, key=key, fingerprint=fingerprint)
        if isinstance(claim, IdempotencyKey):
            return _replay(claim)
        if claim == _OTHER:
            return refuse(422, OTHER_REQUEST)
        if claim == _BUSY:
            return _busy(refuse)
        assert isinstance(claim, _Run)
        return _run(view, request, args, kwargs, claim, refuse)

    return wrapper


@dataclass(frozen=True)
class _Run:
    pk: int
    attempt: str


_OTHER = "other request"
_BUSY = "in flight"


def _fingerprint(request: HttpRequest) -> str:
    """What makes two requests the same: method, path with its query, and body. A multipart
    body is taken by its fields and files, not its bytes: a client's retry draws a new
    boundary."""
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    if request.content_type == "multipart/form-data":
        for name, values in sorted(request.POST.lists()):
            digest.update(repr((name, values)).encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(repr((name, upload.name, upload.size)).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update((request.content_type or "").encode() + b"\n" + request.body)
    return digest.hexdigest()


def _claim(*, user_id: int, key: str, fingerprint: str) -> IdempotencyKey | _Run | str:
    """Mark the key in flight for this request (committed at once, so a concurrent duplicate
    sees it), or say why not: the kept answer, another request's key, still in flight."""
    moment = clock.now()
    attempt = secrets.token_hex(16)
    for _ in range(3):
        row = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
        if row is None or row.created_at <= moment - KEEP:
            if row is not None:  # expired: the key is free again
                IdempotencyKey.objects.filter(pk=row.pk, created_at=row.created_at).delete()
            try:
                with transaction.atomic():
                    row = IdempotencyKey.objects.create(
                        user_id=user_id,
                        key=key,
                        fingerprint=fingerprint,
                        attempt=attempt,
                        created_at=moment,
                        started_at=moment,
                    )
            except IntegrityError:
                continue  # a request with the same key got in first: look again
            return _Run(row.pk, attempt)
        if row.fingerprint != fingerprint:
            return _OTHER
        if row.status is not None:
            return row
        if row.started_at > moment - IN_FLIGHT:
            return _BUSY
        taken = IdempotencyKey.objects.filter(
            pk=row.pk, attempt=row.attempt, status__isnull=True
        ).update(attempt=attempt, started_at=moment)
        if taken:
            return _Run(row.pk, attempt)
    return _BUSY


def _run(
    view: View,
    request: HttpRequest,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    claim: _Run,
    refuse: Refuse,
) -> HttpResponseBase:
    """Run the view and record its answer in one transaction. An answer worth retrying (a
    server error, a rate limit) is not kept: its transaction is rolled back and the key freed,
    so the retry runs the write afresh."""
    mine = IdempotencyKey.objects.filter(pk=claim.pk, attempt=claim.attempt, status__isnull=True)
    try:
        with transaction.atomic():
            response = view(request, *args, **kwargs)
            if not _keeps(response):
                transaction.set_rollback(True)
            elif mine.update(
                status=response.status_code,
                headers={name: response[name] for name in KEPT_HEADERS if name in response},
                body=response.content,  # type: ignore[attr-defined]
            ):
                return response
            else:
                transaction.set_rollback(True)  # taken over meanwhile: the other one writes
                return _busy(refuse)
    except BaseException:
        mine.delete()
        raise
    mine.delete()
    return response


def _busy(refuse: Refuse) -> HttpResponseBase:
    response = refuse(409, IN_PROGRESS)
    response["Retry-After"] = "1"
    return response


def _keeps(response: HttpResponseBase) -> bool:
    return not response.streaming and response.status_code < 500 and response.status_code != 429


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status or 200)
    if "Content-Type" not in row.headers:
        del response["Content-Type"]
    for name, value in row.headers.items():
        response[name] = value
    response[REPLAYED] = "true"
    return response


def idempotency_keys_prune() -> int:
    """Forget keys older than a day (the worker's periodic job); how many were forgotten."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lte=clock.now() - KEEP).delete()
    return deleted
