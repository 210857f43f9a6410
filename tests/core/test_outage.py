"""Which failures are infrastructure (core/outage.py), and how each is answered."""

from __future__ import annotations

import errno
import json

import pytest
import redis
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from frontdesk.core.breaker import RedisUnavailable
from frontdesk.core.outage import (
    DATABASE_AWAY,
    DISK_FULL,
    REDIS_AWAY,
    Outage,
    outage_of,
    outage_response,
)


def _caused(exc: BaseException, cause: BaseException) -> BaseException:
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(
    ("exc", "outage"),
    [
        (OperationalError("could not connect to server: Connection refused"), DATABASE_AWAY),
        (OperationalError("database is locked"), DATABASE_AWAY),
        (OperationalError("unable to open database file"), DATABASE_AWAY),
        (InterfaceError("connection already closed"), DATABASE_AWAY),
        (OperationalError("database or disk is full"), DISK_FULL),
        (OSError(errno.ENOSPC, "No space left on device"), DISK_FULL),
        (_caused(RuntimeError("saving failed"), OSError(errno.ENOSPC, "full")), DISK_FULL),
        (RedisUnavailable("Redis is unavailable"), REDIS_AWAY),
        (redis.ConnectionError("Error 111 connecting"), REDIS_AWAY),
        (redis.TimeoutError("Timeout reading from socket"), REDIS_AWAY),
        # Not infrastructure: a bug or a missing file stays a 500 with its traceback.
        (FileNotFoundError(errno.ENOENT, "No such file"), None),
        (ValueError("bad"), None),
        (redis.ResponseError("WRONGTYPE"), None),
    ],
)
def test_what_counts_as_an_outage(exc: BaseException, outage: Outage | None) -> None:
    assert outage_of(exc) == outage


def test_api_clients_get_json_in_their_faces_shape_and_people_a_page() -> None:
    factory = RequestFactory()
    supportme = outage_response(
        factory.post("/ticket/3", "{}", content_type="application/json"), DATABASE_AWAY
    )
    assert supportme.status_code == 503 and supportme["Retry-After"] == "5"
    assert isinstance(json.loads(supportme.content)["error"], str)

    rest = outage_response(factory.get("/api/ticketing/tickets/"), DATABASE_AWAY)
    assert json.loads(rest.content)["error"]["code"] == "unavailable"

    page = outage_response(factory.get("/home", HTTP_ACCEPT="text/html"), DISK_FULL)
    assert page.status_code == 507 and page["Retry-After"] == "60"
    assert page["Content-Type"].startswith("text/html")
    assert b"<h1>Disk full</h1>" in page.content
