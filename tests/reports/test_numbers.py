"""The reports' numbers on a small fixed desk: created, solved and open per day, first
response and resolution (median, p90), the period before, satisfaction, breakdowns, and only
the tickets the viewer may see."""

from __future__ import annotations

from datetime import timedelta

import pytest

from frontdesk.accounts.models import User
from frontdesk.core.errors import NotAllowed
from frontdesk.reports.selectors import durations_of, report_for
from frontdesk.satisfaction import services as satisfaction
from frontdesk.teams.models import Team
from frontdesk.teams.services import team_create, ticket_set_team
from frontdesk.tickets.models import Ticket
from tests.conftest import Clock, time_at
from tests.reports.helpers import NOW, WEEK, utc, worked

pytestmark = pytest.mark.django_db

HOUR = 3600


@pytest.fixture
def desk(customer: User, agent: User, clock: Clock) -> dict[str, Ticket]:
    """A: opened Mon 23, answered after 30 min, solved 2 h later. B: opened Tue 24, answered
    after 90 min, solved a day later. C: opened Wed 25, answered after 10 min, still open.
    D: opened the week before, answered after an hour, solved Thu 26. E: opened earlier,
    still open."""
    clock.current = NOW
    tickets = {
        "A": worked(customer, agent, opened=utc(23, 10), answered_after=timedelta(minutes=30),
                    solved_at=utc(23, 12)),
        "B": worked(customer, agent, opened=utc(24, 9), answered_after=timedelta(minutes=90),
                    solved_at=utc(25, 9)),
        "C": worked(customer, agent, opened=utc(25, 8), answered_after=timedelta(minutes=10)),
        "D": worked(customer, agent, opened=utc(18, 10), answered_after=timedelta(hours=1),
                    solved_at=utc(26, 8)),
        "E": worked(customer, agent, opened=utc(10, 10)),
    }  # fmt: skip
    return tickets


def test_created_solved_and_open_per_day(desk: dict[str, Ticket], agent: User) -> None:
    report = report_for(user=agent, period=WEEK)
    rows = [(d.day.day, d.created, d.solved, d.backlog) for d in report.days]
    assert rows == [
        (23, 1, 1, 2),  # D and E were open before; A opened and solved
        (24, 1, 0, 3),
        (25, 1, 1, 3),
        (26, 0, 1, 2),
        (27, 0, 0, 2),
        (28, 0, 0, 2),
        (29, 0, 0, 2),
    ]
    summary = report.summary
    assert (summary.created, summary.solved, summary.backlog) == (3, 3, 2)


def test_median_and_p90_of_first_response_and_resolution(
    desk: dict[str, Ticket], agent: User
) -> None:
    summary = report_for(user=agent, period=WEEK).summary
    # Opened this week: 10, 30 and 90 minutes.
    assert summary.first_response == durations_of([600, 1800, 5400])
    assert (summary.first_response.median, summary.first_response.p90) == (1800, 5400)
    # Solved this week: A in 2 h, B in 24 h, D in 7 days 22 h.
    assert summary.resolution.count == 3
    assert summary.resolution.median == 24 * HOUR
    assert summary.resolution.p90 == (7 * 24 + 22) * HOUR
    assert not report_for(user=agent, period=WEEK).business_time


def test_percentiles() -> None:
    assert durations_of([]).median is None and durations_of([]).p90 is None
    assert durations_of([5]).median == 5 and durations_of([5]).p90 == 5
    assert durations_of([1, 2, 3, 4]).median == 2  # (2 + 3) / 2, rounded to even
    assert durations_of(range(1, 11)).p90 == 9  # nearest rank: the 9th of 10
    assert durations_of(range(1, 12)).p90 == 10  # ceil(9.9) = the 10th of 11


def test_the_period_before_is_as_long_and_compared(desk: dict[str, Ticket], agent: User) -> None:
    report = report_for(user=agent, period=WEEK)
    assert (report.previous_period.first.day, report.previous_period.last.day) == (16, 22)
    before = report.previous
    assert (before.created, before.solved, before.backlog) == (1, 0, 2)  # D opened; E, D open
    assert before.first_response.median == HOUR


def test_satisfaction_counts_the_answers_given_in_the_period(
    desk: dict[str, Ticket], agent: User, customer: User
) -> None:
    with time_at(utc(27, 9)):
        satisfaction.survey_answer(actor=customer, ticket_id=desk["A"].pk, rating="good")
        satisfaction.survey_answer(actor=customer, ticket_id=desk["B"].pk, rating="bad")
    with time_at(utc(30, 9)):  # after the period
        satisfaction.survey_answer(actor=customer, ticket_id=desk["D"].pk, rating="good")
    report = report_for(user=agent, period=WEEK)
    assert (report.summary.satisfaction.good, report.summary.satisfaction.bad) == (1, 1)
    assert report.summary.satisfaction.score == 50
    by_agent = next(b for b in report.breakdowns if b.name == "agent")
    assert [(g.label, g.satisfaction.score) for g in by_agent.groups] == [("Unassigned", 50)]


def test_breakdowns_per_channel_category_and_organisation(
    desk: dict[str, Ticket], agent: User
) -> None:
    report = report_for(user=agent, period=WEEK)
    groups = {b.name: [(g.label, g.created, g.solved) for g in b.groups] for b in report.breakdowns}
    assert groups["channel"] == [("Web", 3, 3)]
    assert groups["category"] == [("General", 3, 3)]
    assert groups["organisation"] == [("No organisation", 3, 3)]
    assert groups["team"] == [("No team", 3, 3)]


@pytest.fixture
def online(admin: User, other_agent: User) -> Team:
    return team_create(actor=admin, values={"name": "Online", "members": [other_agent.pk]})


def test_an_agent_outside_a_team_does_not_count_its_tickets(
    desk: dict[str, Ticket], admin: User, agent: User, other_agent: User, customer: User,
    online: Team,
) -> None:  # fmt: skip
    hidden = worked(customer, other_agent, opened=utc(24, 15),
                    answered_after=timedelta(minutes=5), solved_at=utc(24, 16))  # fmt: skip
    with time_at(utc(24, 17)):
        ticket_set_team(actor=admin, ticket_id=hidden.pk, team_id=online.pk)
    assert report_for(user=agent, period=WEEK).summary.created == 3
    assert report_for(user=agent, period=WEEK).summary.solved == 3
    assert report_for(user=other_agent, period=WEEK).summary.created == 4
    admin_report = report_for(user=admin, period=WEEK)
    assert (admin_report.summary.created, admin_report.summary.solved) == (4, 4)
    teams = next(b for b in admin_report.breakdowns if b.name == "team")
    assert [(g.label, g.created) for g in teams.groups] == [("No team", 3), ("Online", 1)]
    agent_teams = next(
        b for b in report_for(user=agent, period=WEEK).breakdowns if b.name == "team"
    )
    assert [g.label for g in agent_teams.groups] == ["No team"]


def test_customers_get_no_report(customer: User, other_customer: User) -> None:
    for user in (customer, other_customer):
        with pytest.raises(NotAllowed):
            report_for(user=user, period=WEEK)


def test_open_at_the_start_leaves_out_what_was_solved_before_it_and_what_the_viewer_may_not_see(
    desk: dict[str, Ticket], admin: User, agent: User, other_agent: User, customer: User,
    online: Team,
) -> None:  # fmt: skip
    # Opened and solved before the week: open at its start for no one.
    worked(customer, agent, opened=utc(16, 10), solved_at=utc(20, 10))
    # Opened before the week in a team the agent is not in, solved during it.
    hidden = worked(customer, other_agent, opened=utc(17, 10), solved_at=utc(27, 10))
    with time_at(utc(17, 11)):
        ticket_set_team(actor=admin, ticket_id=hidden.pk, team_id=online.pk)
    first_day = report_for(user=agent, period=WEEK).days[0]
    assert (first_day.created, first_day.solved, first_day.backlog) == (1, 1, 2)  # D and E
    admin_days = report_for(user=admin, period=WEEK).days
    assert admin_days[0].backlog == 3  # D, E and the team's ticket
    assert [d.backlog for d in admin_days][-1] == 2  # the team's ticket solved on the 27th
