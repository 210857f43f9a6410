"""``frontdesk demo`` fills time entries (their sum is each ticket's actual hours) and answered
surveys on resolved tickets (about 70 % good), so a newcomer sees both working."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from frontdesk.satisfaction.models import Survey
from frontdesk.tickets.models import DONE_STATUSES, Ticket
from frontdesk.timelog.durations import hours_of
from frontdesk.timelog.models import TimeEntry

pytestmark = pytest.mark.django_db


def test_the_demo_logs_time_and_asks_resolved_tickets() -> None:
    out = StringIO()
    call_command("demo", "--tickets", "300", stdout=out, stderr=StringIO())
    assert "time entries on the newest" in out.getvalue()
    assert "resolved tickets how we did" in out.getvalue()
    sums = TimeEntry.objects.values("ticket").annotate(total=Sum("minutes"))
    assert len(sums) > 10
    for row in sums:
        ticket = Ticket.objects.get(pk=row["ticket"])
        assert ticket.actual_hours == hours_of(row["total"])
        assert TimeEntry.objects.filter(ticket=ticket).exclude(agent=ticket.assignee).count() == 0
    surveys = list(Survey.objects.select_related("ticket"))
    assert len(surveys) > 20
    assert all(survey.ticket.status in DONE_STATUSES for survey in surveys)
    answered = [survey for survey in surveys if survey.rating]
    good = sum(1 for survey in answered if survey.rating == "good")
    assert 0.5 < good / len(answered) < 0.9
    assert all(survey.rated_at and survey.rated_at >= survey.created_at for survey in answered)
    again = StringIO()
    call_command("demo", "--tickets", "3", stdout=again, stderr=StringIO())
    assert "Satisfaction surveys: already there." in again.getvalue()
