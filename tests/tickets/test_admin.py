"""The ticket admin is a face over tickets/services.py: its real forms, posted by a signed-in
admin with CSRF checks on, change tickets and files only through the use cases (a history row
for each change, the SLA check scheduled) and refuse what they refuse, saving nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from huey.contrib.djhuey import HUEY

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Attachment, Tag, Ticket, TicketEvent
from tests.admin_forms import (
    admin_browser,
    change_form,
    confirm,
    form_errors,
    post_form,
    read_form,
)
from tests.conftest import Clock, open_ticket

pytestmark = pytest.mark.django_db

TICKETS = "/admin/tickets/ticket/"
FILES = "/admin/tickets/attachment/"


def _open(customer: User, title: str = "Heating not working") -> Ticket:
    """A customer's ticket with a file on its first message (tests.conftest.open_ticket)."""
    plan = SimpleUploadedFile("plan.txt", b"Studio plan, second floor.", "text/plain")
    return open_ticket(customer, title, files=[plan])


@pytest.fixture
def ticket(customer: User) -> Ticket:
    return _open(customer)


def _history(ticket: Ticket) -> dict[str, tuple[str, str]]:
    """What the history says changed since the ticket was opened, by field."""
    events = TicketEvent.objects.filter(ticket=ticket).exclude(field=TicketEvent.Field.CREATED)
    return {event.field: (event.old_value, event.new_value) for event in events}


def test_the_change_form_saves_the_changed_details_through_the_service(
    ticket: Ticket, admin: User, clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    HUEY.flush()
    due = (clock.current + timedelta(days=2)).replace(microsecond=0)
    path = f"{TICKETS}{ticket.pk}/change/"
    with django_capture_on_commit_callbacks(execute=True):
        response = change_form(
            admin_browser(admin),
            path,
            "ticket_form",
            title="Heating broken again",
            priority="urgent",
            due_at_0=due.strftime("%Y-%m-%d"),
            due_at_1=due.strftime("%H:%M:%S"),
        )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.title, ticket.priority, ticket.due_at) == ("Heating broken again", "urgent", due)
    # One history row per changed field, by the admin; the unchanged ones are left alone.
    assert _history(ticket) == {
        "title": ("Heating not working", "Heating broken again"),
        "priority": ("medium", "urgent"),
        "due_at": ("", str(due)),
    }
    actors = set(TicketEvent.objects.values_list("actor", flat=True))
    assert actors == {admin.pk, ticket.requester_id}  # the admin's changes, the opening
    [scheduled] = HUEY.scheduled()  # the SLA check for the new due date
    assert scheduled.args == (ticket.pk,)


def test_tags_are_typed_as_names_and_set_through_the_service(
    ticket: Ticket, agent: User, admin: User
) -> None:
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"tags": ["boiler"]})
    client = admin_browser(admin)
    path = f"{TICKETS}{ticket.pk}/change/"
    assert read_form(client.get(path), "ticket_form")["tags"] == ["boiler"]
    response = change_form(client, path, "ticket_form", tags="Boiler,  Studio 2 ")
    assert response.status_code == 302
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["boiler", "studio 2"]
    assert TicketEvent.objects.filter(field="tags").latest("id").new_value == "boiler, studio 2"


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("title", "Bad \u202etitle", "A title can't contain line breaks, control characters"),
        ("title", "Can't book Friday's class?", None),  # punctuation: allowed, the control case
        ("estimated_hours", "-1", "Hours must be a number from 0 to 99999.99."),
        ("tags", "boiler, studio#2", "Tag 'studio#2' is not valid"),
    ],
)
def test_a_value_the_service_refuses_is_a_form_error_and_nothing_is_saved(
    ticket: Ticket, admin: User, field: str, value: str, error: str | None
) -> None:
    path = f"{TICKETS}{ticket.pk}/change/"
    response = change_form(
        admin_browser(admin), path, "ticket_form", priority="urgent", **{field: value}
    )
    ticket.refresh_from_db()
    if error is None:
        assert response.status_code == 302
        assert ticket.priority == "urgent" and "priority" in _history(ticket)
        return
    [message] = form_errors(response)[field]
    assert message.startswith(error)
    assert error.encode() in response.content.replace(b"&#x27;", b"'")
    assert (ticket.title, ticket.priority, ticket.estimated_hours) == (
        "Heating not working",
        "medium",
        None,
    )
    assert not ticket.tags.exists()
    assert _history(ticket) == {}


def test_the_conversation_is_read_only_in_the_ticket_form(ticket: Ticket, admin: User) -> None:
    client = admin_browser(admin)
    path = f"{TICKETS}{ticket.pk}/change/"
    fields = read_form(client.get(path), "ticket_form")
    assert not [name for name in fields if name.endswith("-body")], "bodies are editable"
    first = ticket.messages.get()
    response = change_form(
        client,
        path,
        "ticket_form",
        **{"messages-0-id": str(first.pk), "messages-0-body": "Rewritten behind message_edit."},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.body == "The heating in studio 2 is off."
    assert _history(ticket) == {}


def test_deleting_tickets_goes_through_the_service(
    customer: User, admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    first, second = _open(customer), _open(customer, "Window will not close")
    stored = list(Attachment.objects.values_list("file", flat=True))
    assert len(stored) == 2 and all(default_storage.exists(name) for name in stored)
    client = admin_browser(admin)

    path = f"{TICKETS}{first.pk}/delete/"
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm(client, client.get(path), path).status_code == 302
    assert not Ticket.objects.filter(pk=first.pk).exists()

    listing = client.get(TICKETS)
    question = post_form(
        client,
        listing,
        TICKETS,
        "changelist-form",
        action="delete_selected",
        _selected_action=[str(second.pk)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm(client, question, TICKETS).status_code == 302
    assert not Ticket.objects.exists()
    # ticket_delete removes the stored files once the deletion has committed.
    assert not any(default_storage.exists(name) for name in stored)


def test_tickets_are_not_opened_in_the_admin(admin: User) -> None:
    assert admin_browser(admin).get(f"{TICKETS}add/").status_code == 403


def test_a_files_description_and_deletion_go_through_the_services(
    ticket: Ticket, admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    attachment = Attachment.objects.get()
    client = admin_browser(admin)
    path = f"{FILES}{attachment.pk}/change/"
    response = change_form(client, path, "attachment_form", description="The floor plan.")
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.description == "The floor plan."
    assert _history(ticket) == {"attachment": ("plan.txt", "plan.txt")}

    path = f"{FILES}{attachment.pk}/delete/"
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm(client, client.get(path), path).status_code == 302
    assert not Attachment.objects.exists()
    assert not default_storage.exists(attachment.file.name)
    assert list(
        TicketEvent.objects.filter(field="attachment").values_list("old_value", "new_value")
    ) == [("plan.txt", "plan.txt"), ("plan.txt", "")]


def test_tags_are_neither_renamed_nor_deleted_in_the_admin(
    ticket: Ticket, agent: User, admin: User
) -> None:
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"tags": ["boiler"]})
    tag = Tag.objects.get()
    client = admin_browser(admin)
    path = f"/admin/tickets/tag/{tag.pk}/change/"
    assert change_form(client, path, "tag_form", name="heating").status_code == 403
    delete = f"/admin/tickets/tag/{tag.pk}/delete/"
    assert client.get(delete).status_code == 403
    assert list(ticket.tags.values_list("name", flat=True)) == ["boiler"]


def test_history_is_read_only(ticket: Ticket, admin: User) -> None:
    """Already so before the admin became a face; kept so."""
    event = TicketEvent.objects.get()
    client = admin_browser(admin)
    path = f"/admin/tickets/ticketevent/{event.pk}/change/"
    assert change_form(client, path, "ticketevent_form", new_value="TKT-999999").status_code == 403
    assert client.get(f"/admin/tickets/ticketevent/{event.pk}/delete/").status_code == 403
    event.refresh_from_db()
    assert event.new_value == ticket.number
