"""The reports in the REST API: the page's numbers as JSON, staff only, the range read in the
zone asked for, bad ranges refused with the field named."""

from __future__ import annotations

from datetime import timedelta

import pytest

from frontdesk.accounts.models import User
from frontdesk.teams.services import team_create, ticket_set_team
from tests.api.helpers import Api
from tests.conftest import Clock, time_at
from tests.reports.helpers import NOW, utc, worked

pytestmark = pytest.mark.django_db

WEEK = {"range": "custom", "from": "2026-11-23", "to": "2026-11-29", "time_zone": "UTC"}


@pytest.fixture
def desk(customer: User, agent: User, clock: Clock) -> None:
    clock.current = NOW
    worked(customer, agent, opened=utc(23, 10), answered_after=timedelta(minutes=30),
           solved_at=utc(23, 12))  # fmt: skip
    worked(customer, agent, opened=utc(25, 8), answered_after=timedelta(minutes=10))


@pytest.mark.usefixtures("desk")
def test_the_numbers_as_json(agent: User) -> None:
    response = Api(agent).get("/reports/", **WEEK)
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"first": "2026-11-23", "last": "2026-11-29", "days": 7}
    assert body["previous_period"]["first"] == "2026-11-16"
    summary = body["summary"]
    assert (summary["created"], summary["solved"], summary["open_at_end"]) == (2, 1, 1)
    assert summary["first_response"] == {"count": 2, "median_seconds": 1200, "p90_seconds": 1800}
    assert summary["resolution"] == {"count": 1, "median_seconds": 7200, "p90_seconds": 7200}
    assert body["days"][0] == {"day": "2026-11-23", "created": 1, "solved": 1, "open_at_end": 0}
    assert [g["label"] for g in body["breakdowns"]["channel"]] == ["Web"]
    assert body["breakdowns"]["team"][0]["key"] == ""


@pytest.mark.usefixtures("desk")
def test_days_in_the_zone_asked_for(agent: User) -> None:
    # In Tokyo (UTC+9) the ticket opened on the 25th at 08:00 UTC is on the 25th too, and the
    # one opened on the 23rd at 10:00 UTC is on the 23rd at 19:00.
    body = Api(agent).get("/reports/", **{**WEEK, "time_zone": "Asia/Tokyo"}).json()
    assert body["time_zone"] == "Asia/Tokyo"
    assert [d["created"] for d in body["days"]][:3] == [1, 0, 1]


@pytest.mark.usefixtures("desk")
def test_an_agent_outside_the_team_does_not_count_its_tickets(
    admin: User, agent: User, other_agent: User, customer: User
) -> None:
    online = team_create(actor=admin, values={"name": "Online", "members": [other_agent.pk]})
    hidden = worked(customer, other_agent, opened=utc(24, 15))
    with time_at(utc(24, 16)):
        ticket_set_team(actor=admin, ticket_id=hidden.pk, team_id=online.pk)
    assert Api(agent).get("/reports/", **WEEK).json()["summary"]["created"] == 2
    assert Api(other_agent).get("/reports/", **WEEK).json()["summary"]["created"] == 3
    assert Api(admin).get("/reports/", **WEEK).json()["summary"]["created"] == 3


def test_customers_and_strangers_are_refused(customer: User, other_customer: User) -> None:
    assert Api(customer).get("/reports/").status_code == 403
    assert Api(other_customer).get("/reports/", range="bad").status_code == 403
    assert Api().get("/reports/").status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"range": "12"}, "range"),
        ({"range": "custom", "from": "2026-11-30", "to": "2026-11-01"}, "to"),
        ({"range": "7", "time_zone": "Mars/Olympus"}, "time_zone"),
    ],
)
def test_bad_ranges_are_400(agent: User, query: dict[str, str], field: str) -> None:
    response = Api(agent).get("/reports/", **query)
    assert response.status_code == 400
    assert field in response.content.decode()
