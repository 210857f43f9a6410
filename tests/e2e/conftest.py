"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Each test gets fresh browser contexts (one per actor: separate cookies, separate sessions)
from one Chromium per test process (so each xdist worker has its own browser). The live server
runs in a thread of this process against the test database, so users and tickets made with the
ORM in a test are what the browser sees. A test ends only once every request its browsers made
has finished: a request still running after the test would meet a database that is no longer
the test's (pytest-django refuses it, and the server thread prints the traceback).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}  # the narrowest phone we promise to work on

# Fail fast: every page answers locally in milliseconds, so a wait this long means a bug.
TIMEOUT_MS = 10_000
# A live stream notices that its browser has gone only when it next writes: its heartbeat.
HEARTBEAT_SECONDS = 0.5

ContextFactory = Callable[..., BrowserContext]


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    # Playwright's sync API keeps an asyncio loop running on this thread, which makes Django
    # refuse ORM calls from the test itself ("cannot call this from an async context"). The
    # tests are synchronous code; the check does not apply to them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as driver:
            yield driver
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, never a downloaded browser."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}, which is missing. "
            "Install it with `make browser` (`make test` does this), "
            "or `apt-get install chromium`.",
            pytrace=False,
        )
    browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


class RequestsInFlight:
    """The live server's WSGI application, counting the requests it has not finished. A request
    is finished when the server closes its response, after the last byte: for a live stream,
    once a write has found the browser gone."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0
        self.changed = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with self.changed:
            self.count += 1
        try:
            return _ClosedThen(self.app(environ, start_response), self._finished)
        except BaseException:
            self._finished()
            raise

    def _finished(self) -> None:
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def wait_until_none(self, timeout: float) -> int:
        """Wait until no request is running (at most ``timeout`` seconds); how many still are."""
        with self.changed:
            self.changed.wait_for(lambda: self.count == 0, timeout)
            return self.count


class _ClosedThen:
    """A WSGI response that calls ``then`` once the server has closed it."""

    def __init__(self, response: Iterable[bytes], then: Callable[[], None]) -> None:
        self.response = response
        self.then = then

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.response)

    def close(self) -> None:
        try:
            close = getattr(self.response, "close", None)
            if close is not None:
                close()  # Django's request_finished: it may still use the database
        finally:
            self.then()


@pytest.fixture(scope="session")
def live_requests(live_server: Any) -> RequestsInFlight:
    server = live_server.thread.httpd
    counting = RequestsInFlight(server.get_app())
    server.set_app(counting)
    return counting


@pytest.fixture
def new_context(
    browser: Browser, live_server: Any, live_requests: RequestsInFlight, settings: Any
) -> Iterator[ContextFactory]:
    """Make a browser context for one actor: its own cookies, the live server as base URL.

    ``new_context()`` is a desktop window; ``new_context(viewport=PHONE)`` a phone. After the
    test the contexts close, and the test waits for the requests they leave behind (live
    streams end at their next heartbeat) while it still has its database."""
    settings.FRONTDESK_LIVE_HEARTBEAT_SECONDS = HEARTBEAT_SECONDS
    made: list[BrowserContext] = []

    def make(viewport: dict[str, int] | None = None, **options: Any) -> BrowserContext:
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or DESKTOP,
            locale=options.pop("locale", "en-GB"),
            timezone_id=options.pop("timezone_id", "UTC"),
            reduced_motion="reduce",
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()
    running = live_requests.wait_until_none(timeout=TIMEOUT_MS / 1000)
    assert running == 0, f"{running} requests still running after the browsers closed"


@pytest.fixture
def new_page(new_context: ContextFactory) -> Callable[..., Page]:
    """A page in a new context (a new actor): ``new_page()`` or ``new_page(viewport=PHONE)``.

    Any JavaScript pop-up (alert, confirm) fails the test: Frontdesk shows messages on the
    page, never in a dialog."""

    def make(viewport: dict[str, int] | None = None) -> Page:
        page = new_context(viewport=viewport).new_page()
        page.dialogs = []  # type: ignore[attr-defined]

        def refuse(dialog: Any) -> None:
            page.dialogs.append(f"{dialog.type}: {dialog.message}")  # type: ignore[attr-defined]
            dialog.dismiss()

        page.on("dialog", refuse)
        return page

    return make


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")


@pytest.fixture(scope="session")
def screenshot() -> Callable[..., Path]:
    """``screenshot(page, "name")`` saves test-artifacts/screenshots/name.png (full page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page: Page, name: str, *, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{_safe_name(name)}.png"
        page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        return path

    return save


def sign_in(page: Page, username: str, password: str) -> None:
    """Sign in through the login page and land on home."""
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/home")


def no_dialogs(page: Page) -> None:
    dialogs = page.dialogs  # type: ignore[attr-defined]
    assert not dialogs, f"the page opened JavaScript pop-ups: {dialogs}"


def confirmed(page: Page, text: str) -> None:
    """A confirmation is shown on the page, in a status region (never a pop-up)."""
    expect(page.get_by_role("status").filter(has_text=text).first).to_be_visible()
