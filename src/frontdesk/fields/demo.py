"""The demo's custom fields (``frontdesk demo``): the studio's "Dance style" (a choice the
customer makes when opening a ticket), "Class date" and "Member number" (staff only), made
through the use cases; then the newest demo tickets get values, so a newcomer sees them on
the ticket page, in filters (``field_dance_style=Salsa``) and in the CSV export. The values
are written as the demo writes its tickets, in bulk and as if given at opening (no history
row, no timestamp moved). Older demo tickets have none: a million tickets' values would slow
the demo for nothing."""

from __future__ import annotations

import random
from datetime import timedelta

from frontdesk.accounts.models import Role, User
from frontdesk.fields.models import FieldDefinition, TicketFieldValue
from frontdesk.fields.services import field_define
from frontdesk.fields.values import column_values, parse_value
from frontdesk.teams.models import Team
from frontdesk.tickets.models import Ticket

TICKETS_WITH_VALUES = 100
STYLES = ["Salsa", "Tango", "Waltz", "Bachata", "Swing", "Ballet"]


def demo_fields_create(seed: int = 1) -> str:
    """Add the demo's fields if missing (by key) and give the newest tickets values. Returns
    what it did, in words."""
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None or FieldDefinition.objects.filter(key="dance_style").exists():
        return "Custom fields: already there."
    field_define(
        actor=admin,
        values={
            "key": "dance_style",
            "label": "Dance style",
            "type": "choice",
            "choices": STYLES,
            "customer_visible": True,
            "help_text": "The class or style your question is about.",
        },
    )
    field_define(
        actor=admin,
        values={"key": "class_date", "label": "Class date", "type": "date",
                "customer_visible": True},
    )  # fmt: skip
    field_define(
        actor=admin,
        values={"key": "member_number", "label": "Member number", "type": "text",
                "help_text": "From the studio's membership card (staff only)."},
    )  # fmt: skip
    chance = random.Random(f"{seed}/fields")
    fields = {field.key: field for field in FieldDefinition.objects.all()}
    newest = list(Ticket.objects.order_by("-created_at", "-id")[:TICKETS_WITH_VALUES])
    rows: list[TicketFieldValue] = []
    for ticket in newest:
        values: dict[str, object] = {"dance_style": chance.choice(STYLES)}
        if chance.random() < 0.6:
            day = ticket.created_at.date() + timedelta(days=chance.randint(1, 14))
            values["class_date"] = day.isoformat()
        if chance.random() < 0.5:
            values["member_number"] = f"M-{chance.randint(1000, 9999)}"
        # As if given when the ticket was opened: the rows alone, like the demo's tickets,
        # with no history row and no timestamp moved now.
        for key, raw in values.items():
            field = fields[key]
            for columns in column_values(field, parse_value(field, raw)):
                rows.append(TicketFieldValue(ticket=ticket, field=field, **columns))
    TicketFieldValue.objects.bulk_create(rows)
    return (
        "Added 3 custom fields (Dance style, Class date, Member number); the newest "
        f"{len(newest)} tickets have values."
    )


def demo_team_fields_create(seed: int = 1) -> str:
    """After the demo's teams (teams/demo.py): Billing's own field, *Invoice number* (staff
    only), with values on some of Billing's tickets, so a newcomer sees a team's field on that
    team's tickets only."""
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    billing = Team.objects.filter(name="Billing").first()
    if admin is None or billing is None or FieldDefinition.objects.filter(key="invoice").exists():
        return "Team fields: nothing to add."
    field = field_define(
        actor=admin,
        values={
            "key": "invoice",
            "label": "Invoice number",
            "team": billing.pk,
            "help_text": "The invoice the question is about (team Billing).",
        },
    )
    chance = random.Random(f"{seed}/team-fields")
    tickets = list(Ticket.objects.filter(team=billing).order_by("-created_at", "-id")[:100])
    rows = [
        TicketFieldValue(ticket=ticket, field=field, text_value=f"INV-{chance.randint(1000, 9999)}")
        for ticket in tickets
        if chance.random() < 0.7
    ]
    TicketFieldValue.objects.bulk_create(rows)
    return f"Added Billing's field Invoice number; {len(rows)} of its tickets have values."
