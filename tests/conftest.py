"""The fixed cast every test file uses (admin, agent, other agent, customer, other customer),
the clock, and the one way tests open a ticket (:func:`open_ticket`, the ``ticket`` fixture)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import UploadedFile
from django.test import override_settings
from django.utils import timezone
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import Role, User
from frontdesk.core import clock as time_source
from frontdesk.tickets import services
from frontdesk.tickets.models import Ticket

PASSWORD = "securepassword"
TESTS = Path(__file__).resolve().parent


# --- lanes: what `make test-fast` leaves out ------------------------------------------------

LANES_BY_DIRECTORY = {
    TESTS / "e2e": "browser",
    TESTS / "scaleout": "scaleout",
    TESTS / "faults": "faults",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by where it lives and how it runs, so that no marker is forgotten:
    tests/e2e are ``browser``, tests/scaleout ``scaleout``, tests/faults ``faults``, and a
    test driven by Hypothesis (schemathesis included) ``fuzz``. ``make test`` runs all but the
    slow fault tests (``make test-faults`` runs those); ``make test-fast`` none of them."""
    for item in items:
        path = Path(item.path).resolve()
        for directory, marker in LANES_BY_DIRECTORY.items():
            if path.is_relative_to(directory):
                item.add_marker(marker)
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker("fuzz")


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


@pytest.fixture(autouse=True, scope="session")
def _static_files_looked_up_per_request() -> Iterator[None]:
    """Each test client loads the middleware anew, and WhiteNoise, as deployed, indexes every
    static file when it loads (stat and headers for each): a third of the time of a test
    that makes one request. In tests it looks a file up when one is asked for instead (as
    with DEBUG); tests/web/test_account_pages.py serves one the deployed way."""
    with override_settings(WHITENOISE_AUTOREFRESH=True):
        yield


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
def _language_of_its_own() -> Iterator[None]:
    """A request in Spanish leaves Spanish active in its thread, as Django does between
    requests (each one activates its own): every test starts in LANGUAGE_CODE, whatever the
    test before it asked for."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


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
        "reply_user": "0/minute",
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


@contextmanager
def time_at(moment: datetime | None) -> Iterator[None]:
    """Inside the block every module reads ``moment`` as the time (None: the clock as it is);
    afterwards the clock is what it was, the ``clock`` fixture's included."""
    if moment is None:
        yield
        return
    saved = time_source.source
    time_source.source = lambda: moment
    try:
        yield
    finally:
        time_source.source = saved


# --- tickets ------------------------------------------------------------------------------

TITLE = "Heating not working"
BODY = "The heating in studio 2 is off."


def open_ticket(
    requester: User,
    title: str = TITLE,
    body: str = BODY,
    *,
    by: User | None = None,
    staff: User | None = None,
    files: Sequence[UploadedFile] = (),
    messages: Sequence[tuple[User, str]] = (),
    assignee: User | None = None,
    status: str | None = None,
    at: datetime | None = None,
    changed_at: datetime | None = None,
    **details: Any,
) -> Ticket:
    """A ticket opened the one way the application opens one (services.ticket_open), then
    worked on through the services, as people would:

    * ``by``: who opens it, the requester (default) or an agent on their behalf;
    * ``files``: attached to the first message;
    * ``messages``: ``(author, body)`` replies posted after it, in order;
    * ``assignee``, ``status`` and ``details`` (``priority``, ``due_at``, ``category``,
      ``tags``, as services.ticket_update takes them): set by ``staff`` (default: ``by`` if an
      agent opened it, else the assignee) after the messages, or by the agent who opens it
      in the same use case; each is recorded in the history;
    * ``at``: the time the opening and the messages read (default: the clock as it is), and
      ``changed_at`` the time of the later changes (default: ``at``).

    Returns the ticket as stored at the end."""
    actor = by or requester
    changes: dict[str, Any] = dict(details)
    if assignee is not None:
        changes["assignee"] = assignee.pk
    if status is not None:
        changes["status"] = status
    worker = staff or (actor if actor.is_staff_member else assignee)
    if changes and worker is None:
        raise TypeError("open_ticket: name the agent who makes these changes (staff=...)")
    # An agent opening a ticket sets its details at once, in the same use case.
    at_opening = actor.is_staff_member and worker == actor and not messages and not changed_at
    with time_at(at):
        ticket = services.ticket_open(
            actor=actor,
            requester=requester if actor.is_staff_member else None,
            title=title,
            body=body,
            files=files,
            changes=changes if at_opening else None,
        ).ticket
        for author, text in messages:
            services.message_post(actor=author, ticket_id=ticket.pk, body=text)
    with time_at(changed_at or at):
        if changes and not at_opening:
            assert worker is not None
            services.ticket_update(actor=worker, ticket_id=ticket.pk, changes=changes)
        ticket.refresh_from_db()
    return ticket


@pytest.fixture
def ticket(customer: User) -> Ticket:
    """The customer's ticket, just opened."""
    return open_ticket(customer)


# --- real mail servers on loopback: Dovecot (IMAP) and an SMTP sink (tests/mailservers.py) --

from tests.mailservers import dovecot, imap_account, smtp_sink  # noqa: E402, F401
