"""The resolution on a ticket's page: agents write it when resolving (the status control)
and edit it in the sidebar; customers read a public one, never a staff-only one."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Status, Ticket, TicketEvent
from tests.admin_forms import admin_browser, change_form, form_errors
from tests.web.conftest import html, signed_in, submit

pytestmark = pytest.mark.django_db

FIXED = "Bled the radiators in studio 2.\nThey are warm again."
SECRET = "Left the valve closed ourselves; not for the customer."
HTMX = {"HTTP_HX_REQUEST": "true"}


def browser(user: User) -> Client:
    """A client that checks CSRF as a browser's requests are checked."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def form_post(client: Client, ticket: Ticket, data: dict[str, str], **headers: Any) -> Any:
    """Post a sidebar form with the CSRF token the page gave (cookie and form field)."""
    page = html(client.get(f"/ticket/{ticket.pk}"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None and settings.CSRF_COOKIE_NAME in client.cookies
    return client.post(
        f"/ticket/{ticket.pk}", {"csrfmiddlewaretoken": token.group(1), **data}, **headers
    )


def history_lines(page: str) -> list[str]:
    history = page.split('id="history-title"')[1].split("</section>")[0]
    return [
        re.sub(r"<[^>]+>", "", line).split(" · ")[0].strip()
        for line in re.findall(r"<li>(.*?)</li>", history, re.S)
    ]


def resolve(agent: User, ticket: Ticket, text: str = FIXED, *, public: bool = True) -> None:
    services.ticket_change_status(
        actor=agent,
        ticket_id=ticket.pk,
        status=Status.RESOLVED,
        resolution=text,
        resolution_public=public,
    )


# --- agents: resolving with the status control ----------------------------------------------


@pytest.mark.parametrize(("ticked", "public"), [({"resolution_public": "on"}, True), ({}, False)])
def test_agent_resolves_with_a_resolution_from_the_sidebar(
    ticket: Ticket, agent: User, ticked: dict[str, str], public: bool
) -> None:
    client = browser(agent)
    data = {"action": "status", "status": "resolved", "resolution": FIXED, **ticked}
    response = form_post(client, ticket, data)
    assert response.status_code == 302 and response["Location"] == f"/ticket/{ticket.pk}"
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert (ticket.resolution, ticket.resolution_public) == (FIXED, public)
    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert "Status changed to Resolved." in page
    sidebar = page.split('id="resolution-now"')[1].split("</form>")[0]
    assert "Bled the radiators in studio 2.<br>They are warm again." in sidebar
    assert ("Visible to the customer</span>" if public else "Staff only</span>") in sidebar


def test_without_the_csrf_token_nothing_changes(ticket: Ticket, agent: User) -> None:
    client = browser(agent)
    client.get(f"/ticket/{ticket.pk}")  # the cookie is set; the form's token is not sent back
    data = {"action": "status", "status": "resolved", "resolution": FIXED}
    for forged in ({}, {"csrfmiddlewaretoken": "x" * 64}):
        assert client.post(f"/ticket/{ticket.pk}", {**forged, **data}).status_code == 403
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == (Status.NEW, "")


def test_agent_resolves_with_htmx(ticket: Ticket, agent: User) -> None:
    data = {"action": "status", "status": "resolved", "resolution": FIXED, "resolution_public": ""}
    response = form_post(browser(agent), ticket, data, **HTMX)
    assert response.status_code == 200
    page = html(response)
    assert page.lstrip().startswith('<aside class="ticket-sidebar"')
    assert "Bled the radiators in studio 2.<br>They are warm again." in page
    assert history_lines(page)[-2:] == [
        "Alice set the resolution: Bled the radiators in studio 2. They are warm again.",
        "Alice made the resolution staff-only",  # the box was not ticked
    ]


def test_the_status_control_offers_the_resolution_fields(ticket: Ticket, agent: User) -> None:
    page = html(signed_in(agent).get(f"/ticket/{ticket.pk}"))
    status_form = page.split('value="status">')[1].split("</form>")[0]
    assert '<label for="id_status_resolution">Resolution' in status_form
    assert '<textarea id="id_status_resolution" name="resolution"' in status_form
    checkbox = re.search(r'<input type="checkbox" id="id_status_resolution_public"[^>]*>', page)
    assert checkbox is not None and " checked" in checkbox.group(0)  # visible by default
    assert '<label for="id_status_resolution_public">Visible to the customer</label>' in page
    # An open ticket without a resolution has no resolution control of its own yet.
    assert 'value="resolution"' not in page


def test_other_statuses_leave_the_resolution_alone(ticket: Ticket, agent: User) -> None:
    data = {"action": "status", "status": "pending", "resolution": "Typed, then changed mind"}
    assert form_post(browser(agent), ticket, data).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == (Status.PENDING, "")


def test_resolving_again_keeps_or_replaces_the_text(ticket: Ticket, agent: User) -> None:
    resolve(agent, ticket)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status=Status.REOPENED)
    client = browser(agent)
    page = html(client.get(f"/ticket/{ticket.pk}"))
    # The text is kept while reopened, and offered again when resolving.
    assert '<textarea id="id_status_resolution" name="resolution" rows="4"' in page
    assert "Bled the radiators in studio 2.\nThey are warm again.</textarea>" in page
    data = {"action": "status", "status": "resolved", "resolution": "Replaced the valve."}
    form_post(client, ticket, {**data, "resolution_public": "on"})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == (Status.RESOLVED, "Replaced the valve.")


# --- agents: the resolution's own control -----------------------------------------------------


def test_agent_edits_the_resolution(ticket: Ticket, agent: User) -> None:
    resolve(agent, ticket)
    client = browser(agent)
    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert "<summary>Edit the resolution</summary>" in page
    data = {"action": "resolution", "resolution": "Bled the radiators.", "resolution_public": "on"}
    assert form_post(client, ticket, data).status_code == 302
    assert (
        form_post(client, ticket, {"action": "resolution", "resolution": SECRET}).status_code == 302
    )
    ticket.refresh_from_db()
    assert (ticket.resolution, ticket.resolution_public) == (SECRET, False)
    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert "Resolution saved." in page
    assert history_lines(page)[-4:] == [
        "Alice set the resolution: Bled the radiators in studio 2. They are warm again.",
        "Alice changed the resolution to Bled the radiators.",
        "Alice changed the resolution to " + SECRET,
        "Alice made the resolution staff-only",
    ]
    form_post(client, ticket, {"action": "resolution", "resolution": "", "resolution_public": "on"})
    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert "Resolution cleared." in page
    assert history_lines(page)[-2:] == [
        "Alice removed the resolution (was " + SECRET + ")",
        "Alice made the resolution visible to the customer",
    ]


def test_long_resolutions_are_shortened_in_the_history(ticket: Ticket, agent: User) -> None:
    resolve(agent, ticket, "Checked " + "every radiator " * 20)
    line = history_lines(html(signed_in(agent).get(f"/ticket/{ticket.pk}")))[-1]
    assert line.startswith("Alice set the resolution: Checked every radiator") and line.endswith(
        "…"
    )
    assert len(line) < 160


@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_resolution_is_explained_next_to_it(ticket: Ticket, agent: User, htmx: bool) -> None:
    resolve(agent, ticket)
    before = TicketEvent.objects.filter(ticket=ticket).count()
    data = {"action": "resolution", "resolution": "Bell \x07 rang", "resolution_public": "on"}
    response = form_post(browser(agent), ticket, data, **(HTMX if htmx else {}))
    assert response.status_code == 400
    page = html(response)
    error = re.search(r'id="id_resolution_error">(.*?)</p>', page, re.S)
    assert error is not None and "cannot be stored" in error.group(1)
    assert '<details class="resolution-edit" open>' in page
    textarea = re.search(r'<textarea id="id_resolution" [^>]*>', page)
    assert textarea is not None
    assert 'aria-describedby="id_resolution_helptext id_resolution_error"' in textarea.group(0)
    assert 'aria-invalid="true"' in textarea.group(0)
    # The status control's copy of the fields shows no error of the other control.
    assert 'id="id_status_resolution_error"' not in page
    assert TicketEvent.objects.filter(ticket=ticket).count() == before
    ticket.refresh_from_db()
    assert ticket.resolution == FIXED


def test_a_bad_resolution_when_resolving_keeps_the_choice(ticket: Ticket, agent: User) -> None:
    data = {"action": "status", "status": "resolved", "resolution": "x" * 10_001}
    response = form_post(browser(agent), ticket, data)
    assert response.status_code == 400
    page = html(response)
    assert 'id="id_status_resolution_error"' in page and "at most 10,000" in page
    assert '<option value="resolved" data-wait selected>Resolved</option>' in page
    # The unticked box stays unticked.
    checkbox = re.search(r'<input type="checkbox" id="id_status_resolution_public"[^>]*>', page)
    assert checkbox is not None and " checked" not in checkbox.group(0)
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


# --- customers ----------------------------------------------------------------------------------


def test_customer_reads_a_public_resolution_near_the_top(
    ticket: Ticket, agent: User, customer: User
) -> None:
    client = signed_in(customer)
    assert 'id="resolution-title"' not in html(client.get(f"/ticket/{ticket.pk}"))
    resolve(agent, ticket)
    page = html(client.get(f"/ticket/{ticket.pk}"))
    block = page.split('<div id="ticket-resolution" data-live-region>')[1].split("</div>\n")[0]
    assert '<h2 id="resolution-title">Resolution</h2>' in block
    assert "Bled the radiators in studio 2.<br>They are warm again." in block
    assert page.index('id="resolution-title"') < page.index('id="thread"')
    # Customers get no controls for it.
    assert 'name="resolution"' not in page and "Edit the resolution" not in page


def test_customer_never_sees_a_staff_only_resolution(
    ticket: Ticket, agent: User, customer: User
) -> None:
    resolve(agent, ticket, SECRET, public=False)
    client = signed_in(customer)
    page = html(client.get(f"/ticket/{ticket.pk}"))
    assert "not for the customer" not in page and 'id="resolution-title"' not in page
    assert "not for the customer" not in html(client.get("/"))
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"resolution_public": True})
    assert "not for the customer" in html(client.get(f"/ticket/{ticket.pk}"))


def test_customer_sees_no_resolution_on_a_reopened_ticket(
    ticket: Ticket, agent: User, customer: User
) -> None:
    resolve(agent, ticket)
    submit(signed_in(customer), f"/ticket/{ticket.pk}", {"action": "reopen"})
    page = html(signed_in(customer).get(f"/ticket/{ticket.pk}"))
    assert "Bled the radiators" not in page


# --- the admin --------------------------------------------------------------------------------


def test_the_admin_edits_the_resolution_through_the_use_case(
    ticket: Ticket, agent: User, admin: User
) -> None:
    resolve(agent, ticket, SECRET, public=False)
    path = f"/admin/tickets/ticket/{ticket.pk}/change/"
    response = change_form(
        admin_browser(admin),
        path,
        "ticket_form",
        resolution="Bled the radiators.",
        resolution_public="on",
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.resolution, ticket.resolution_public) == ("Bled the radiators.", True)
    rows = TicketEvent.objects.filter(ticket=ticket, actor=admin).values_list("field", flat=True)
    assert sorted(rows) == ["resolution", "resolution_public"]


def test_the_admin_refuses_a_resolution_the_rules_refuse(
    ticket: Ticket, agent: User, admin: User
) -> None:
    resolve(agent, ticket)
    path = f"/admin/tickets/ticket/{ticket.pk}/change/"
    response = change_form(admin_browser(admin), path, "ticket_form", resolution="x" * 10_001)
    assert "resolution" in form_errors(response)
    ticket.refresh_from_db()
    assert ticket.resolution != "x" * 10_001
