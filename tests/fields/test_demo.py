"""The demo fills custom fields: the studio's three fields, values on the newest tickets,
once however often it runs."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from frontdesk.fields.demo import demo_fields_create
from frontdesk.fields.models import FieldDefinition, TicketFieldValue
from frontdesk.tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def test_the_demo_defines_fields_and_fills_the_newest_tickets() -> None:
    out = StringIO()
    call_command("demo", "--tickets", "30", stdout=out, stderr=StringIO())
    assert "Added 3 custom fields" in out.getvalue()
    # The last one is Billing's, made after the demo's teams.
    assert list(FieldDefinition.objects.values_list("key", flat=True)) == [
        "dance_style", "class_date", "member_number", "invoice"
    ]  # fmt: skip
    styled = TicketFieldValue.objects.filter(field__key="dance_style")
    assert styled.count() == 30
    # Written as the demo writes tickets: as if given at opening, no history row now.
    assert not TicketEvent.objects.filter(field=TicketEvent.Field.CUSTOM_FIELD).exists()
    assert demo_fields_create() == "Custom fields: already there."
