"""Redis hung or away, seen from inside one process (core/breaker.py, core/cache.py,
core/jobs.py): one short timeout, then the circuit breaker skips Redis without trying; the
cache answers from this process's memory (rate limits count per process); a committed change
is never turned into an error, and what it queued is made up for by the sweeps."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.core import ratelimit
from frontdesk.core.breaker import RedisUnavailable, redis_breaker
from frontdesk.core.cache import ResilientRedisCache
from frontdesk.core.errors import RateLimited
from frontdesk.core.jobs import GuardedRedisHuey
from frontdesk.live import broker as live_broker
from frontdesk.notifications.models import OutboxMail
from frontdesk.tickets.models import Message

from ..conftest import open_ticket

REDIS_URL = os.environ.get("FRONTDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class HungRedis:
    """A TCP listener that accepts connections and never answers: a hung Redis."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.url = f"redis://127.0.0.1:{self.server.getsockname()[1]}/0"
        self.accepted = 0
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.accepted += 1
            self._held.append(connection)

    def close(self) -> None:
        self.server.close()
        for connection in self._held:
            connection.close()


@pytest.fixture
def hung_redis() -> Iterator[HungRedis]:
    hung = HungRedis()
    yield hung
    hung.close()


@pytest.fixture(autouse=True)
def _breaker(settings: Settings) -> Iterator[None]:
    settings.REDIS_SOCKET_OPTIONS = {"socket_timeout": 0.2, "socket_connect_timeout": 0.2}
    settings.FRONTDESK_REDIS_RETRY_SECONDS = 60
    redis_breaker.reset()
    yield
    redis_breaker.reset()


def resilient_cache(url: str) -> ResilientRedisCache:
    return ResilientRedisCache(
        url, {"OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2}}
    )


def test_a_hung_redis_costs_one_timeout_then_is_skipped(hung_redis: HungRedis) -> None:
    cache = resilient_cache(hung_redis.url)
    assert cache.get("greeting") is None  # one timeout: a miss
    assert redis_breaker.is_open
    connections = hung_redis.accepted
    for number in range(50):
        cache.set(f"key-{number}", number)
        assert cache.get(f"key-{number}") == number  # from this process's memory
    # 100 calls, none of which waited on (or even connected to) the hung server.
    assert redis_breaker.skipped == 100
    assert hung_redis.accepted == connections


def test_jobs_and_live_announcements_are_refused_at_once_while_redis_is_away(
    hung_redis: HungRedis, settings: Settings
) -> None:
    queue = GuardedRedisHuey("frontdesk-test", url=hung_redis.url)
    job = queue.task(name="nothing")(lambda: None)
    with pytest.raises(RedisUnavailable):
        job()
    connections = hung_redis.accepted
    broker = live_broker.RedisBroker(hung_redis.url, "frontdesk-test")
    for _ in range(10):
        with pytest.raises(RedisUnavailable):
            broker.publish_to(["staff"], {"type": "change"})
        with pytest.raises(RedisUnavailable):
            job()
    assert redis_breaker.skipped == 20
    assert hung_redis.accepted == connections


def test_rate_limits_count_in_the_process_while_redis_is_away(
    hung_redis: HungRedis, settings: Settings
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "frontdesk.core.cache.ResilientRedisCache",
            "LOCATION": hung_redis.url,
            "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2},
        }
    }
    settings.FRONTDESK_RATE_LIMITS = {**settings.FRONTDESK_RATE_LIMITS, "sign_in_ip": "3/minute"}
    for _ in range(3):
        ratelimit.limits_hit((ratelimit.SIGN_IN_IP, "203.0.113.9"))
    with pytest.raises(RateLimited):
        ratelimit.limits_hit((ratelimit.SIGN_IN_IP, "203.0.113.9"))
    assert redis_breaker.is_open


def test_redis_is_used_again_once_it_answers(
    hung_redis: HungRedis, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.FRONTDESK_REDIS_RETRY_SECONDS = 1
    away, back = resilient_cache(hung_redis.url), resilient_cache(REDIS_URL)
    with caplog.at_level(logging.WARNING, logger="frontdesk.outage"):
        away.set("counted-during-the-outage", 1)
        assert redis_breaker.is_open
        time.sleep(1.1)  # the breaker's wait, not a timing assertion
        back.set("frontdesk-test-breaker", "here", 30)
        assert not redis_breaker.is_open
        assert back.get("frontdesk-test-breaker") == "here"
        back.delete("frontdesk-test-breaker")
    messages = [record.getMessage() for record in caplog.records]
    assert sum("Redis is unavailable" in m for m in messages) == 1
    assert sum("Redis answers again" in m for m in messages) == 1


def test_memory_filled_in_one_outage_is_not_read_in_the_next(hung_redis: HungRedis) -> None:
    cache = resilient_cache(hung_redis.url)
    cache.set("desk-counts", "from the first outage")
    redis_breaker.succeeded()  # Redis came back in between
    redis_breaker.failed(ConnectionError("gone again"))
    assert cache.get("desk-counts") is None


def away_queue(url: str) -> GuardedRedisHuey:
    """The production job queue on ``url``, knowing every job the desk's queue knows."""
    from huey.contrib.djhuey import HUEY

    queue = GuardedRedisHuey("frontdesk-test", url=url)
    queue._registry = HUEY._registry
    return queue


@pytest.fixture
def redis_away(hung_redis: HungRedis, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """Live updates and the job queue on a Redis that does not answer."""
    settings.REDIS_URL = hung_redis.url
    live_broker.broker.cache_clear()
    queue = away_queue(hung_redis.url)
    from frontdesk.notifications import tasks as mail_tasks
    from frontdesk.sla import tasks as sla_tasks

    monkeypatch.setattr(mail_tasks.deliver_all, "huey", queue)
    monkeypatch.setattr(sla_tasks.overdue_alert, "huey", queue)
    yield hung_redis.url  # type: ignore[misc]
    live_broker.broker.cache_clear()


def test_a_change_committed_while_redis_is_away_is_saved_once_and_its_mail_sent_later(
    redis_away: str,
    customer: User,
    agent: User,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from frontdesk.notifications.delivery import outbox_sweep
    from frontdesk.tickets import services

    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(customer, "The heating is broken")
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(actor=agent, ticket_id=ticket.pk, body="On our way.")  # no error
    assert Message.objects.filter(ticket=ticket, body="On our way.").count() == 1
    waiting = OutboxMail.objects.filter(status=OutboxMail.Status.PENDING)
    assert waiting.exists()  # the prompt delivery job was never queued ...
    outbox_sweep()  # ... and the worker's minute sweep sends it once Redis is back
    assert not OutboxMail.objects.filter(status=OutboxMail.Status.PENDING).exists()
    assert "Traceback" not in caplog.text


def test_a_password_reset_asked_for_while_redis_is_away_still_writes_its_mail(
    redis_away: str,
    customer: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from frontdesk.accounts import recovery

    monkeypatch.setattr(recovery.reset_mail_job, "huey", away_queue(redis_away))
    with django_capture_on_commit_callbacks(execute=True):
        recovery.reset_request(login=customer.email)
    assert OutboxMail.objects.filter(recipient=customer, kind=recovery.PASSWORD_RESET).count() == 1
