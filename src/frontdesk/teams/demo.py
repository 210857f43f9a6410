"""The demo's teams (``frontdesk demo``): the studio's "Front desk" (round-robin, its agents
away for more than an hour lose their tickets to the others), "Online" (least loaded) and
"Billing" (agents claim), made through the use cases with the demo's agents shared among them.
The newest active tickets are put into them, so a newcomer sees teams on the ticket page and
in the team filter; moving a ticket into Front desk from its sidebar shows round-robin at work.
No team is the default: tickets opened later stay in no team until an admin sets one."""

from __future__ import annotations

from frontdesk.accounts.models import Role, User
from frontdesk.teams.models import Team
from frontdesk.teams.services import team_create
from frontdesk.tickets.models import IS_ACTIVE, Ticket

TICKETS_IN_TEAMS = 60

TEAMS = (
    ("Front desk", "Questions at the studio's desk: bookings, passes, lockers.", "round_robin", 60),
    ("Online", "Online classes, the app and the website.", "least_loaded", 0),
    ("Billing", "Payments, refunds and invoices.", "none", 0),
)


def demo_teams_create() -> str:
    """Add the demo's teams if missing, and put the newest active tickets into them (without
    history rows, as demo tickets are written in bulk). Returns what it did, in words."""
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None or Team.objects.filter(name="Front desk").exists():
        return "Teams: already there."
    agents = list(
        User.objects.filter(role=Role.AGENT, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    teams = []
    for index, (name, description, assignment, minutes) in enumerate(TEAMS):
        # Each agent in one team, the first two in Front desk as well.
        members = [pk for n, pk in enumerate(agents) if n % len(TEAMS) == index]
        if index == 0:
            members = sorted({*members, *agents[:2]})
        teams.append(
            team_create(
                actor=admin,
                values={
                    "name": name,
                    "description": description,
                    "assignment": assignment,
                    "reassign_after_minutes": minutes,
                    "members": members,
                    "lead": members[0] if members else None,
                },
            )
        )
    newest = list(
        Ticket.objects.filter(IS_ACTIVE)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[:TICKETS_IN_TEAMS]
    )
    for index, team in enumerate(teams):
        Ticket.objects.filter(pk__in=newest[index :: len(teams)]).update(team=team)
    return f"Added {len(teams)} teams; the newest {len(newest)} active tickets are in them."
