"""The fixed cast every test file uses: admin, agent, other agent, customer, other customer."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import Role, User

PASSWORD = "securepassword"


def make_user(username: str, role: str = Role.CUSTOMER, **fields: object) -> User:
    user = User.objects.create_user(
        username=username,
        email=f"{username.lower()}@example.com",
        password=PASSWORD,
        role=role,
        **fields,
    )
    return user


@pytest.fixture
def admin(db: None) -> User:
    return make_user("Ada", Role.ADMIN, profile_icon="admin")


@pytest.fixture
def agent(db: None) -> User:
    return make_user("Alice", Role.AGENT, profile_icon="green")


@pytest.fixture
def other_agent(db: None) -> User:
    return make_user("Bob", Role.AGENT, profile_icon="purple")


@pytest.fixture
def customer(db: None) -> User:
    return make_user("John", Role.CUSTOMER, profile_icon="red")


@pytest.fixture
def other_customer(db: None) -> User:
    return make_user("Jane", Role.CUSTOMER, profile_icon="blue")


@pytest.fixture(autouse=True)
def _system_user(request: pytest.FixtureRequest) -> None:
    """Transactional tests flush the database, System user included; put it back."""
    uses_db = {"db", "transactional_db"} & set(request.fixturenames)
    if request.node.get_closest_marker("django_db") is None:
        if not uses_db:
            return
        # Autouse fixtures run first: enable the database this test asked for.
        request.getfixturevalue("transactional_db" if "transactional_db" in uses_db else "db")
    from frontdesk.accounts.services import system_user_ensure

    system_user_ensure()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    """Argon2 at full cost makes every fixture user take tens of milliseconds; the hasher
    itself is tested separately with the production settings."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Rate-limit counters live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _limits_out_of_the_way(request: pytest.FixtureRequest, settings: Settings) -> None:
    """The suite runs with the production rate limits (sign-in, registration, API requests),
    except for opening tickets: many tests open dozens of tickets for one customer, so for
    them the ticket-opening rate and the open-ticket cap are lifted (0 turns them off). Tests
    about limits are marked ``@pytest.mark.limits`` and keep every default from settings.py."""
    if request.node.get_closest_marker("limits") is not None:
        return
    settings.FRONTDESK_RATE_LIMITS = {
        **settings.FRONTDESK_RATE_LIMITS,
        "ticket_open_user": "0/hour",
    }
    settings.FRONTDESK_MAX_OPEN_TICKETS = 0


@pytest.fixture(autouse=True)
def _media_root(settings: Settings, tmp_path: Path) -> None:
    """Attachments a test stores go to its own directory, never into the data directory."""
    settings.MEDIA_ROOT = tmp_path / "attachments"


class Clock:
    """The time every module reads (frontdesk.core.clock) under the test's control: it
    starts at the real time and moves only when told."""

    def __init__(self) -> None:
        self.current: datetime = timezone.now()

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Freeze the time for every module: ``clock.now()``, ``now`` imported by name, model
    defaults and ``clock.timestamp()`` all read ``frontdesk.core.clock.source``."""
    frozen = Clock()
    monkeypatch.setattr("frontdesk.core.clock.source", frozen)
    return frozen


@pytest.fixture(autouse=True, scope="session")
def _jobs_run_at_once() -> None:
    """Jobs run in the caller as they are queued (Huey's immediate mode, in memory); the real
    queue with a worker process is tested in tests/scaleout."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
