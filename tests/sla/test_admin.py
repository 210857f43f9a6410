"""The SLA's memory is read-only in the admin: deleting an alert would let the same missed
due date be alerted again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from frontdesk.accounts.models import User
from frontdesk.sla.models import OverdueAlert
from frontdesk.sla.services import sla_alert_if_overdue
from tests.admin_forms import admin_browser, change_form
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db

ALERTS = "/admin/sla/overduealert/"


def test_overdue_alerts_are_neither_changed_nor_deleted(
    customer: User, agent: User, admin: User
) -> None:
    ticket = open_ticket(customer, staff=agent, due_at=timezone.now() - timedelta(hours=1))
    assert sla_alert_if_overdue(ticket_id=ticket.pk)
    alert = OverdueAlert.objects.get()
    client = admin_browser(admin)
    path = f"{ALERTS}{alert.pk}/change/"
    assert change_form(client, path, "overduealert_form").status_code == 403
    delete = f"{ALERTS}{alert.pk}/delete/"
    assert client.get(delete).status_code == 403
    listing = client.get(ALERTS)
    assert listing.status_code == 200 and b"delete_selected" not in listing.content
    assert OverdueAlert.objects.filter(pk=alert.pk).exists()
