"""``frontdesk demo`` shows the per-team parts: Billing's own field on Billing's tickets
only, and answered surveys spread among the teams for the statistics per team."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from frontdesk.accounts.models import Role, User
from frontdesk.fields.models import TicketFieldValue
from frontdesk.satisfaction.models import Survey
from tests.api.helpers import Api

pytestmark = pytest.mark.django_db


def test_the_demo_fills_team_fields_and_satisfaction_per_team() -> None:
    out = StringIO()
    call_command("demo", "--tickets", "300", stdout=out, stderr=StringIO())
    assert "Added Billing's field Invoice number" in out.getvalue()
    invoices = TicketFieldValue.objects.filter(field__key="invoice").select_related("ticket")
    assert invoices.exists()
    assert {value.ticket.team.name for value in invoices} == {"Billing"}  # type: ignore[union-attr]
    answered = Survey.objects.filter(rated_at__isnull=False)
    assert answered.filter(team__isnull=False).exists()
    assert all(s.team_id == s.ticket.team_id for s in answered.select_related("ticket"))
    admin = User.objects.filter(role=Role.ADMIN).order_by("pk").first()
    assert admin is not None
    rows = Api(admin).get("/tickets/statistics/").json()["satisfaction_by_team"]
    assert {"Front desk", "Online", "Billing"} <= {row["name"] for row in rows}
