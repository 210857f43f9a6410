"""The REST API against its own OpenAPI document, fuzzed with schemathesis.

Every operation gets property-based requests (valid and invalid) as three callers: an agent
and a customer, each with a JWT, and an anonymous client. Each response must be no 5xx,
carry a status code the document declares for that operation, and match the documented
schema. The data (tickets, comments, a history, attachments, also on an internal note) is
made once per operation and caller; half the generated ids are swapped for real ones so that
the requests reach existing objects, not only 404s.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from frontdesk.accounts.models import Organisation, User
from frontdesk.accounts.tokens import access_token_issue
from frontdesk.automations import engine
from frontdesk.automations.services import rule_create
from frontdesk.fields.services import field_define, ticket_fields_set
from frontdesk.replies.services import saved_reply_create
from frontdesk.sla.policies import sla_calendar_create, sla_policy_create
from frontdesk.tickets import services
from frontdesk.tickets.file_services import attachment_add
from frontdesk.tickets.models import Attachment, Message, TicketEvent
from frontdesk.tickets.saved_views import saved_view_create
from tests.conftest import open_ticket
from tests.tickets.test_attachments import HTML, image_bytes

pytestmark = pytest.mark.django_db

# Django's own WSGI application, not frontdesk.wsgi: that module is the server's entry and sets
# the process's umask, which would leak into every later test of this worker.
application = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/ticketing/openapi.json", application)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
PATH_IDS = {
    "ticket_id": "tickets",
    "comment_id": "comments",
    "event_id": "events",
    "attachment_id": "attachments",
    "reply_id": "saved_replies",
    "organisation_id": "organisations",
    "customer_id": "customers",
    "view_id": "views",
    "policy_id": "sla_policies",
    "calendar_id": "sla_calendars",
    "rule_id": "rules",
    "field_id": "fields",
}


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Django closes the database connection after each request; the WSGI app is called
    directly here (not through the test Client, which does the same), inside the test's
    transaction, so the connection must stay open."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def known(customer: User, other_customer: User, agent: User, admin: User) -> dict[str, list[int]]:
    """A few tickets with replies, notes, history and files, saved replies (the agent's, an
    admin's, a shared one) and two organisations (one the customer's); their ids by kind."""
    acme, other = Organisation.objects.bulk_create(
        [Organisation(name="Acme Dance"), Organisation(name="Zeta Studio")]
    )
    customer.organisation = acme
    customer.save(update_fields=["organisation"])
    calendar = sla_calendar_create(
        actor=admin,
        name="Front desk",
        time_zone="Europe/London",
        hours={"0": [["09:00", "17:00"]]},
        holidays=[{"day": "2026-12-25", "yearly": True, "name": "Christmas"}],
    )
    policy = sla_policy_create(
        actor=admin,
        values={
            "name": "Standard",
            "calendar": calendar.pk,
            "targets": {"medium": {"first_response_minutes": 60, "resolution_minutes": 480}},
        },
    )
    style = field_define(
        actor=admin,
        values={"key": "dance_style", "label": "Dance style", "type": "choice",
                "choices": ["Salsa", "Tango"], "customer_visible": True},
    )  # fmt: skip
    mine = open_ticket(customer, title="Printer is broken")
    theirs = open_ticket(other_customer, title="Cannot sign in")
    services.message_post(actor=agent, ticket_id=mine.pk, body="Have you tried turning it on?")
    services.message_post(
        actor=agent, ticket_id=mine.pk, body="Customer is on site 3.", internal=True
    )
    services.ticket_assign(actor=agent, ticket_id=mine.pk, assignee_id=agent.pk)
    ticket_fields_set(actor=agent, ticket_id=mine.pk, values={"dance_style": "Tango"})
    for user, ticket, name, content, internal in [
        (customer, mine, "photo.png", image_bytes(), False),
        (agent, mine, "page.html", HTML, False),
        (agent, mine, "notes.txt", b"Internal notes.", True),
        (other_customer, theirs, "log.txt", b"Error 42", False),
    ]:
        attachment_add(
            actor=user,
            ticket_id=ticket.pk,
            file=SimpleUploadedFile(name, content),
            internal=internal,
        )
    replies = [
        saved_reply_create(actor=agent, name="Thanks", body="Thanks, {{ customer.name }}!"),
        saved_reply_create(actor=admin, name="Admin's", body="Hello there."),
        saved_reply_create(
            actor=admin, name="Refunds", body="Refunds in 14 days.", shared=True, add_tag="refund"
        ),
    ]
    mine_view = saved_view_create(actor=agent, name="Open", query="view=open&priority=high")
    rule = rule_create(
        actor=admin,
        values={
            "name": "Tag printers",
            "active": True,
            "event": "ticket_created",
            "conditions": [{"field": "title", "operator": "contains", "value": "printer"}],
            "actions": [{"action": "add_tag", "value": "printer"}],
        },
    )
    engine.rules_evaluate(ticket_id=mine.pk, event="ticket_created")
    return {
        "saved_replies": [reply.pk for reply in replies],
        "sla_policies": [policy.pk],
        "sla_calendars": [calendar.pk],
        "fields": [style.pk],
        "views": [mine_view.pk],
        "rules": [rule.pk],
        "tickets": [mine.pk, theirs.pk],
        "comments": list(Message.objects.values_list("pk", flat=True)),
        "events": list(TicketEvent.objects.values_list("pk", flat=True)),
        "attachments": list(Attachment.objects.values_list("pk", flat=True)),
        "organisations": [acme.pk, other.pk],
        "customers": [customer.pk, other_customer.pk, agent.pk],
    }


@pytest.fixture(params=["agent", "customer", "anonymous"])
def headers(request: pytest.FixtureRequest, known: dict[str, list[int]]) -> dict[str, str]:
    if request.param == "anonymous":
        return {}
    user = request.getfixturevalue(request.param)
    return {"Authorization": f"Bearer {access_token_issue(user)}"}


def _reach_real_objects(case: Any, known: dict[str, list[int]]) -> None:
    """Swap every other generated id for an existing object's id (still a valid integer)."""
    for name, value in (case.path_parameters or {}).items():
        ids = known.get(PATH_IDS.get(name, ""), [])
        if ids and isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0:
            case.path_parameters[name] = ids[(value // 2) % len(ids)]


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_api_conforms_to_its_schema(
    case: Any, headers: dict[str, str], known: dict[str, list[int]]
) -> None:
    _reach_real_objects(case, known)
    case.call_and_validate(headers=headers, checks=CHECKS)
