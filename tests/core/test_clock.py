"""One clock: every module reads the time through frontdesk.core.clock, so the ``clock``
fixture moves it for all of them: ticket timestamps, a token's expiry, presence beats, the
session deadline, SLA alerts, rate-limit windows."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import jwt
from django.conf import settings
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.accounts.tokens import access_token_issue, access_token_user
from frontdesk.core import clock as time_source
from frontdesk.core import ratelimit
from frontdesk.live.presence import PRESENCE_TTL, presence_on_ticket, presence_update
from frontdesk.sla.models import OverdueAlert
from frontdesk.sla.services import sla_alert_if_overdue
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, Ticket, TicketEvent
from tests.conftest import PASSWORD, Clock, open_ticket

SRC = Path(__file__).resolve().parents[2] / "src" / "frontdesk"


def test_the_clock_module_reads_the_fixture(clock: Clock) -> None:
    clock.advance(3600)
    assert time_source.now() == clock.current
    assert time_source.timestamp() == clock.current.timestamp()


def test_a_ticket_is_dated_by_the_fixture(customer: User, agent: User, clock: Clock) -> None:
    # services and the model defaults import ``now`` by name: they follow the fixture too.
    clock.advance(-86400)
    opened = services.ticket_open(actor=customer, title="Heating broken", body="x" * 20)
    ticket = opened.ticket
    assert ticket.created_at == ticket.updated_at == ticket.last_activity_at == clock.current
    assert opened.message.created_at == clock.current
    clock.advance(60)
    services.ticket_change_status(actor=agent, ticket_id=ticket.pk, status="closed")
    ticket.refresh_from_db()
    assert ticket.closed_at == ticket.last_activity_at == clock.current
    assert TicketEvent.objects.filter(ticket=ticket).latest("id").created_at == clock.current
    assert Message.objects.filter(ticket=ticket).latest("id").created_at == clock.current


def test_a_tokens_expiry_follows_the_fixture(customer: User, clock: Clock) -> None:
    # A week ago, to the second: by the real time this token has long expired.
    clock.current = clock.current.replace(microsecond=0) - timedelta(days=7)
    token = access_token_issue(customer)
    claims = jwt.decode(token, settings.JWT_SECRET_KEY, ["HS256"], options={"verify_exp": False})
    assert claims["exp"] == clock.current.timestamp() + settings.JWT_LIFETIME_SECONDS
    assert access_token_user(f"Bearer {token}") == customer
    clock.advance(settings.JWT_LIFETIME_SECONDS - 1)
    assert access_token_user(f"Bearer {token}") == customer  # its last second
    clock.advance(1)
    assert access_token_user(f"Bearer {token}") is None


def test_a_presence_beat_lasts_by_the_fixture(agent: User, customer: User, clock: Clock) -> None:
    ticket = open_ticket(customer)
    presence_update(user=agent, ticket=ticket, state="viewing")
    clock.advance(PRESENCE_TTL - 1)
    assert [person["name"] for person in presence_on_ticket(ticket=ticket)] == ["Alice"]
    clock.advance(1)
    assert presence_on_ticket(ticket=ticket) == []


def test_the_session_deadline_follows_the_fixture(customer: User, clock: Clock) -> None:
    client = Client()
    response = client.post(
        "/login",
        {"csrfmiddlewaretoken": "x" * 64, "username": customer.username, "password": PASSWORD},
    )
    assert response.status_code == 302
    clock.advance(settings.FRONTDESK_SESSION_TIMEOUT - 1)
    assert client.get("/api/session-status/").json()["seconds_left"] == 1
    clock.advance(1)
    assert client.get("/api/session-status/").json()["authenticated"] is False


def test_an_sla_alert_is_dated_by_the_fixture(customer: User, clock: Clock) -> None:
    ticket = open_ticket(customer)
    Ticket.objects.filter(pk=ticket.pk).update(due_at=clock.current + timedelta(hours=1))
    assert sla_alert_if_overdue(ticket_id=ticket.pk) is False
    clock.advance(3600)
    assert sla_alert_if_overdue(ticket_id=ticket.pk) is True
    assert OverdueAlert.objects.get().created_at == clock.current


def test_a_rate_limit_window_is_the_fixtures(clock: Clock) -> None:
    clock.current = clock.current.replace(second=0, microsecond=0)
    [first] = ratelimit.limits_hit((ratelimit.SIGN_IN_IP, "203.0.113.9"))
    clock.advance(59)
    [same] = ratelimit.limits_hit((ratelimit.SIGN_IN_IP, "203.0.113.9"))
    clock.advance(1)
    [next_window] = ratelimit.limits_hit((ratelimit.SIGN_IN_IP, "203.0.113.9"))
    assert first.key == same.key != next_window.key


# What reads the wall clock other than frontdesk.core.clock (durations use time.monotonic).
FORBIDDEN_CALLS = {
    ("timezone", "now"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}
# These convert the moment they are given; called without one they read the clock.
FORBIDDEN_WITHOUT_ARGUMENT = {("timezone", "localdate"), ("timezone", "localtime")}


def _clock_readers(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and (node.value.id, node.attr) in FORBIDDEN_CALLS
        ):
            found.append(f"{node.value.id}.{node.attr} (line {node.lineno})")
        if (
            isinstance(node, ast.Call)
            and not node.args
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr) in FORBIDDEN_WITHOUT_ARGUMENT
        ):
            found.append(f"{node.func.value.id}.{node.func.attr}() (line {node.lineno})")
        if isinstance(node, ast.keyword) and node.arg in {"auto_now", "auto_now_add"}:
            found.append(f"{node.arg}= (line {node.lineno})")
        if isinstance(node, ast.ImportFrom) and node.module in {"time", "django.utils.timezone"}:
            names = {alias.name for alias in node.names} & {"time", "time_ns", "now"}
            found += [f"from {node.module} import {name}" for name in sorted(names)]
    return found


def test_nothing_else_reads_the_wall_clock() -> None:
    # Django's sessions keep their expiry on Django's clock, written and read (the read
    # compiled once in accounts/session_store.py, as Django's own store reads it).
    allowed = {SRC / "core" / "clock.py", SRC / "accounts" / "session_store.py"}
    readers = {
        str(path.relative_to(SRC)): found
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts and path not in allowed
        if (found := _clock_readers(path))
    }
    assert readers == {}, "read the time through frontdesk.core.clock instead"
