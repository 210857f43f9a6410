"""The tickets' CSV export: safe cells, the columns (custom fields' included), staff only,
filters as on the list, and streamed page by page."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontdesk.accounts.models import User
from frontdesk.core.errors import NotAllowed
from frontdesk.exports import tickets as ticket_exports
from frontdesk.exports.cells import csv_lines, safe_cell
from frontdesk.fields import services
from tests.api.helpers import Api
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tinvisible", "'\tinvisible"),
        ("\rreturn", "'\rreturn"),
        ("plain = fine", "plain = fine"),
        (-3, "-3"),
        (None, ""),
        (True, "yes"),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_escaped(value: Any, cell: str) -> None:
    assert safe_cell(value) == cell


def test_csv_lines_quote_as_csv_does() -> None:
    text = "".join(csv_lines(["a", "b"], [["x, y", '=1"2']]))
    assert list(csv.reader(io.StringIO(text))) == [["a", "b"], ["x, y", "'=1\"2"]]


def _read(response: Any) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def style(admin: User) -> None:
    services.field_define(
        actor=admin,
        values={
            "key": "dance_style",
            "label": "Dance style",
            "type": "choice",
            "choices": ["Salsa", "Tango"],
            "customer_visible": True,
        },
    )
    services.field_define(actor=admin, values={"key": "fee", "label": "Fee", "type": "number"})


def test_the_rest_export_has_the_ticket_and_custom_columns(
    agent: User, customer: User, style: None
) -> None:
    ticket = open_ticket(customer, "=cmd|' /C calc'!A0")
    services.ticket_fields_set(
        actor=agent, ticket_id=ticket.pk, values={"dance_style": "Tango", "fee": "-12.5"}
    )
    open_ticket(customer, "Second")
    response = Api(agent).get("/tickets/export.csv")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = _read(response)
    assert [row["number"] for row in rows] == [ticket.number, rows[1]["number"]]
    assert rows[0]["title"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["Dance style"] == "Tango" and rows[0]["Fee"] == "-12.5"
    assert rows[0]["requester"] == customer.username
    assert rows[1]["Dance style"] == ""


def test_the_export_filters_as_the_list_does(agent: User, customer: User, style: None) -> None:
    salsa = open_ticket(customer, "Salsa")
    open_ticket(customer, "Other")
    services.ticket_fields_set(actor=agent, ticket_id=salsa.pk, values={"dance_style": "Salsa"})
    rows = _read(Api(agent).get("/tickets/export.csv", field_dance_style="Salsa"))
    assert [row["title"] for row in rows] == ["Salsa"]
    refused = Api(agent).get("/tickets/export.csv", status="lost")
    assert refused.status_code == 400


def test_customers_may_not_export(customer: User) -> None:
    open_ticket(customer)
    assert Api(customer).get("/tickets/export.csv").status_code == 403
    assert Api().get("/tickets/export.csv").status_code == 401
    with pytest.raises(NotAllowed):
        ticket_exports.tickets_export(user=customer, filters={})
    client = Client()
    client.force_login(customer)
    assert client.get("/home/export.csv?view=open").status_code == 403


def test_the_workspace_exports_the_list_shown(agent: User, customer: User, style: None) -> None:
    mine = open_ticket(customer, "Mine", assignee=agent, staff=agent)
    open_ticket(customer, "Nobody's")
    client = Client()
    client.force_login(agent)
    page = client.get("/home?view=mine").content.decode()
    assert 'href="/home/export.csv?view=mine"' in page
    rows = _read(client.get("/home/export.csv?view=mine"))
    assert [row["number"] for row in rows] == [mine.number]
    assert client.get("/home/export.csv?view=open&field_nothing=1").status_code == 400


def test_many_rows_stream_a_page_at_a_time(agent: User, customer: User, style: None) -> None:
    for n in range(23):
        open_ticket(customer, f"Ticket {n}")
    export = ticket_exports.tickets_export(user=agent, filters={}, page_size=5)
    lines = export.lines()
    with CaptureQueriesContext(connection) as first:
        head = [next(lines) for _ in range(3)]  # the header and two rows
    assert head[0].startswith("number,title")
    # One page read (the tickets, their tags, their values), not the 23 tickets.
    assert len(first.captured_queries) == 3
    assert sum(1 for _ in lines) == 21
    with CaptureQueriesContext(connection) as again:
        rest = list(ticket_exports.tickets_export(user=agent, filters={}, page_size=5).lines())
    assert len(rest) == 24
    assert len(again.captured_queries) == 1 + 5 * 3  # the fields, then 5 pages of three
