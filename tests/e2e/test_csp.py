"""The Content-Security-Policy breaks nothing: the main pages, the admin and the API docs
load in a real browser without a single policy violation or console error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from frontdesk.accounts.models import User
from frontdesk.tickets.models import Ticket
from tests.conftest import PASSWORD
from tests.e2e.conftest import PHONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# Every violation the page sees, recorded before any of its own scripts run.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""


def _watched(new_page: Callable[..., Page], **options: object) -> tuple[Page, list[str]]:
    page = new_page(**options)
    errors: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, errors


def _visit(page: Page, errors: list[str], path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("load")
    violations = page.evaluate("window.__violations")
    assert violations == [], (path, violations)
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == [], path


def test_main_pages_have_no_policy_violations(
    new_page: Callable[..., Page],
    agent: User,
    customer: User,
    admin: User,
    ticket: Ticket,
    screenshot: Callable[..., Path],
) -> None:
    page, errors = _watched(new_page)
    _visit(page, errors, "/login")
    sign_in(page, agent.username, PASSWORD)
    for path in ("/home", f"/ticket/{ticket.pk}", "/profile", "/replies", "/api/ticketing/docs"):
        _visit(page, errors, path)
    _visit(page, errors, f"/ticket/{ticket.pk}")
    screenshot(page, "csp-agent-ticket-desktop")
    # An htmx swap: the workspace's filter answers a fragment.
    page.goto("/home")
    page.goto("/home?status=open")
    _visit(page, errors, "/home?status=open")

    page, errors = _watched(new_page, viewport=PHONE)
    sign_in(page, customer.username, PASSWORD)
    for path in ("/home", f"/ticket/{ticket.pk}", "/profile", "/ticket/new"):
        _visit(page, errors, path)
    screenshot(page, "csp-customer-ticket-new-phone")

    page, errors = _watched(new_page)
    page.goto("/admin/login/")  # the admin signs in through the site's own sign-in page
    page.wait_for_url("**/login?next=%2Fadmin%2F")
    page.get_by_label("Username or email").fill(admin.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")
    for path in (
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{customer.pk}/change/",
        f"/admin/tickets/ticket/{ticket.pk}/change/",
    ):
        _visit(page, errors, path)
    assert errors == [], errors
