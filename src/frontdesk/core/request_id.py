"""A request id for every request, in its log lines and in the jobs it queues.

The id comes from the proxy's ``X-Request-ID`` when it is sane (a few visible characters),
else it is made here; the answer echoes it. While the request runs it is in
:data:`current`, which :class:`RequestIdFilter` adds to every log record. A job queued meanwhile
carries it in its Huey id (``<enqueued at>.<uuid>.<request id>``), and while the worker runs
that job :data:`current` is the request's id again, so the job's log lines name the request
that caused them. The id also says when the job was queued, which the metrics read as the
queue's age (core/metrics.py).
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import uuid
from typing import Any

from frontdesk.core import clock

current: contextvars.ContextVar[str] = contextvars.ContextVar("frontdesk_request_id", default="")

_SANE = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")
_JOB_ID = re.compile(r"(\d{10,})\.([0-9a-f]{32})(?:\.(.+))?")


def from_header(value: str | None) -> str:
    """The proxy's id if it is one a log can carry as it is, else a new one."""
    if value is not None and _SANE.fullmatch(value):
        return value
    return secrets.token_hex(16)


class RequestIdFilter(logging.Filter):
    """Gives every record ``request_id`` (empty outside a request or a job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current.get()
        return True


def job_id(request_id: str) -> str:
    stamp = f"{int(clock.timestamp())}.{uuid.uuid4().hex}"
    return f"{stamp}.{request_id}" if request_id else stamp


def job_enqueued_at(task_id: str) -> float | None:
    """When a job was first queued (seconds since the epoch), if its id says so."""
    found = _JOB_ID.fullmatch(task_id or "")
    return float(found.group(1)) if found else None


def job_request_id(task_id: str) -> str:
    found = _JOB_ID.fullmatch(task_id or "")
    return (found.group(3) or "") if found else ""


def install_job_hooks(huey: Any) -> None:
    """Stamp each job as it is queued; while a worker runs it, log with its request's id."""
    from huey import signals

    def stamp(signal: str, task: Any, *args: Any) -> None:
        if job_enqueued_at(task.id) is None:  # a retry keeps its first stamp
            task.id = job_id(current.get())

    def enter(task: Any) -> None:
        # Kept on the task: a job run at once in the request's own thread (immediate mode)
        # gives the request its id back afterwards.
        task.frontdesk_request_id_token = current.set(job_request_id(task.id))

    def leave(task: Any, value: Any, exc: Exception | None) -> None:
        token = getattr(task, "frontdesk_request_id_token", None)
        if token is not None:
            current.reset(token)

    huey.signal(signals.SIGNAL_ENQUEUED)(stamp)
    huey.pre_execute(name="frontdesk-request-id")(enter)
    huey.post_execute(name="frontdesk-request-id")(leave)
