"""core/ratelimit.py: fixed windows in the cache, refusals that reserve nothing, hand-backs,
and windows that reset when the clock moves on."""

from __future__ import annotations

import re
import warnings

import pytest
from django.core.cache import cache
from django.core.cache.backends.base import CacheKeyWarning
from pytest_django.fixtures import Settings

from frontdesk.core import ratelimit
from frontdesk.core.env import ConfigError, env_rate
from frontdesk.core.errors import RateLimited
from tests.conftest import Clock

pytestmark = pytest.mark.limits
LIMIT = ratelimit.SIGN_IN_IP


@pytest.fixture
def three_a_minute(settings: Settings, clock: Clock) -> Clock:
    settings.FRONTDESK_RATE_LIMITS = {**settings.FRONTDESK_RATE_LIMITS, LIMIT: "3/minute"}
    # Start at the beginning of an hour (and so of a minute): "seconds left" is exact.
    clock.current = clock.current.replace(minute=0, second=0, microsecond=0)
    return clock


def test_the_count_passes_then_refuses_with_the_seconds_left(three_a_minute: Clock) -> None:
    for _ in range(3):
        ratelimit.limits_hit((LIMIT, "203.0.113.9"))
    three_a_minute.advance(20)
    with pytest.raises(RateLimited) as refused:
        ratelimit.limits_hit((LIMIT, "203.0.113.9"))
    assert refused.value.retry_after == 40
    assert refused.value.message == "Too many requests. Try again in 40 seconds."


def test_identities_are_counted_apart(three_a_minute: Clock) -> None:
    for _ in range(3):
        ratelimit.limits_hit((LIMIT, "203.0.113.9"))
    ratelimit.limits_hit((LIMIT, "203.0.113.10"))
    ratelimit.limits_hit((ratelimit.SIGN_IN_USERNAME, "203.0.113.9"))


def test_the_next_window_starts_afresh(three_a_minute: Clock) -> None:
    for _ in range(3):
        ratelimit.limits_hit((LIMIT, "a"))
    with pytest.raises(RateLimited):
        ratelimit.limits_hit((LIMIT, "a"))
    three_a_minute.advance(60)
    ratelimit.limits_hit((LIMIT, "a"))


def test_a_refused_attempt_is_not_counted(three_a_minute: Clock) -> None:
    for _ in range(3):
        ratelimit.limits_hit((LIMIT, "a"))
    for _ in range(5):
        with pytest.raises(RateLimited):
            ratelimit.limits_hit((LIMIT, "a"), (ratelimit.SIGN_IN_USERNAME, "john"))
    # The refusals reserved nothing under the other limit either.
    for _ in range(5):
        ratelimit.limits_hit((ratelimit.SIGN_IN_USERNAME, "john"))


def test_released_hits_give_their_unit_back(three_a_minute: Clock) -> None:
    for _ in range(10):
        ratelimit.limits_release(ratelimit.limits_hit((LIMIT, "a")))
    hits = [ratelimit.limits_hit((LIMIT, "a")) for _ in range(3)]
    assert all(len(hit) == 1 for hit in hits)


def test_the_longest_wait_is_reported(settings: Settings, three_a_minute: Clock) -> None:
    settings.FRONTDESK_RATE_LIMITS = {
        **settings.FRONTDESK_RATE_LIMITS,
        LIMIT: "1/minute",
        ratelimit.REGISTER_IP: "1/hour",
    }
    ratelimit.limits_hit((LIMIT, "a"), (ratelimit.REGISTER_IP, "a"))
    with pytest.raises(RateLimited) as refused:
        ratelimit.limits_hit((LIMIT, "a"), (ratelimit.REGISTER_IP, "a"))
    assert refused.value.retry_after == 3600


def test_zero_and_unknown_identities_are_not_limited(
    settings: Settings, three_a_minute: Clock
) -> None:
    for _ in range(10):
        ratelimit.limits_hit((LIMIT, None))
    settings.FRONTDESK_RATE_LIMITS = {**settings.FRONTDESK_RATE_LIMITS, LIMIT: "0/minute"}
    for _ in range(10):
        assert ratelimit.limits_hit((LIMIT, "a")) == []


def test_an_evicted_window_starts_again(three_a_minute: Clock) -> None:
    hits = [ratelimit.limits_hit((LIMIT, "a")) for _ in range(3)]
    cache.clear()
    ratelimit.limits_release(hits[0])  # nothing to give back: no error
    ratelimit.limits_hit((LIMIT, "a"))


def test_identities_are_hashed_into_safe_keys(three_a_minute: Clock) -> None:
    weird = "weird key with spaces\n and \ud800 surrogates " * 20
    [hit] = ratelimit.limits_hit((LIMIT, weird))
    # A key every cache backend takes (Memcached's rules are the strictest: at most 250
    # characters, no spaces or control characters), which does not carry the identity itself.
    assert re.fullmatch(r"[\w:]{1,250}", hit.key, re.ASCII), hit.key
    assert "weird" not in hit.key
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        cache.validate_key(hit.key)
    # Still one identity among others, counted like any: its twin with one space less is not it.
    twin = [ratelimit.limits_hit((LIMIT, weird.replace(" ", "", 1))) for _ in range(3)]
    assert len({hit.key} | {key.key for [key] in twin}) == 2
    ratelimit.limits_hit((LIMIT, weird), (LIMIT, weird))
    with pytest.raises(RateLimited):
        ratelimit.limits_hit((LIMIT, weird))


def test_one_second_is_singular() -> None:
    assert ratelimit.too_many_message(1) == "Too many requests. Try again in 1 second."


def test_rates_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FD_RATE", "12/Minutes")
    assert env_rate("FD_RATE", "1/hour") == "12/minute"
    assert ratelimit.Rate.parse(env_rate("FD_RATE", "1/hour")) == ratelimit.Rate(12, 60)
    assert env_rate("FD_UNSET", "5/hour") == "5/hour"
    for bad in ("ten/minute", "10", "10/fortnight", "-1/minute"):
        monkeypatch.setenv("FD_RATE", bad)
        with pytest.raises(ConfigError, match="FD_RATE"):
            env_rate("FD_RATE", "1/hour")
