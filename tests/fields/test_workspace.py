"""Custom fields as workspace filters: in the address (field_<key>=), as a chip, and kept by a
saved view."""

from __future__ import annotations

import pytest

from frontdesk.accounts.models import User
from frontdesk.fields import services
from frontdesk.tickets.saved_views import saved_view_create
from frontdesk.tickets.selectors import view_query_parse
from tests.conftest import open_ticket
from tests.web.conftest import html, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(admin: User, agent: User, customer: User) -> dict[str, int]:
    services.field_define(
        actor=admin,
        values={
            "key": "dance_style",
            "label": "Dance style",
            "type": "choice",
            "choices": ["Salsa", "Tango"],
        },
    )
    made = {}
    for title, style in (("Salsa night", "Salsa"), ("Tango class", "Tango")):
        ticket = open_ticket(customer, title)
        services.ticket_fields_set(actor=agent, ticket_id=ticket.pk, values={"dance_style": style})
        made[style] = ticket.pk
    return made


def test_the_workspace_filters_by_a_field(agent: User, tickets: dict[str, int]) -> None:
    page = html(signed_in(agent).get("/home?view=open&field_dance_style=Tango"))
    assert "Tango class" in page and "Salsa night" not in page
    assert "dance_style" in page  # its chip, which removes it


def test_an_unknown_field_is_told_not_a_crash(agent: User, tickets: dict[str, int]) -> None:
    response = signed_in(agent).get("/home?view=open&field_nothing=x")
    assert response.status_code == 400
    assert "There is no custom field" in html(response)


def test_a_saved_view_keeps_a_field_filter(agent: User, tickets: dict[str, int]) -> None:
    view = saved_view_create(actor=agent, name="Tango", query="view=open&field_dance_style=Tango")
    assert "field_dance_style=Tango" in view.query
    parsed = view_query_parse(view.query)
    assert parsed.filters == {"field_dance_style": "Tango"}
    with pytest.raises(Exception, match="choose one of"):
        saved_view_create(actor=agent, name="Bad", query="view=open&field_dance_style=Polka")


def test_the_filter_bar_offers_a_choice_fields_options(
    agent: User, tickets: dict[str, int]
) -> None:
    page = html(signed_in(agent).get("/home?view=open&field_dance_style=Salsa"))
    assert 'name="field_dance_style"' in page
    assert '<option value="Salsa" selected>Salsa</option>' in page
    assert '<option value="none">Not set</option>' in page
    assert "Salsa night" in page and "Tango class" not in page
