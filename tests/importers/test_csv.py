"""``frontdesk import-csv``: Zendesk and FreeScout ticket exports (tests/importers/fixtures)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from frontdesk.accounts.models import SYSTEM_USER_ID, Role, User
from frontdesk.importers.models import ImportedObject, ImportRun
from frontdesk.teams.models import Team
from frontdesk.tickets.models import (
    Channel,
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from tests.cli.commands import frontdesk_on_sqlite

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ZENDESK = FIXTURES / "zendesk.csv"
FREESCOUT = FIXTURES / "freescout.csv"


def run(path: Path, format: str, *args: str) -> str:
    out = StringIO()
    call_command("import_csv", str(path), "--format", format, *args, stdout=out, verbosity=0)
    return out.getvalue()


def imported(system: str, source_id: str) -> Ticket:
    record = ImportedObject.objects.get(
        system=system, kind=ImportedObject.Kind.TICKET, source_id=source_id
    )
    return Ticket.objects.get(pk=record.object_id)


def tags(ticket: Ticket) -> list[str]:
    return list(ticket.tags.values_list("name", flat=True))


def test_zendesk_rows_become_tickets(db: None, agent: User) -> None:
    out = run(ZENDESK, "zendesk")
    assert "3 tickets created" in out
    assert "1 rows without a valid requester email, left out" in out
    assert "line 4" in out
    charged = imported("zendesk", "101")
    maria = charged.requester
    assert maria.email == "maria@families.example" and maria.role == Role.CUSTOMER
    assert maria.username == "MariaLopez" and not maria.has_usable_password()
    assert charged.title == "Charged twice for March"
    assert (charged.status, charged.priority) == (Status.RESOLVED, Priority.URGENT)
    assert charged.channel == Channel.EMAIL
    assert charged.assignee == agent  # "Assignee" names an existing agent
    assert charged.team is not None and charged.team.name == "Billing"
    assert tags(charged) == ["billing", "vip"]
    assert charged.created_at == datetime(2024, 3, 4, 9, 30, tzinfo=UTC)
    assert charged.resolved_at == datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    (first,) = Message.objects.filter(ticket=charged)
    assert first.body == "My card was charged twice, see the statement."
    assert (first.author, first.kind, first.created_at) == (
        maria,
        MessageKind.PUBLIC,
        charged.created_at,
    )
    transfer = imported("zendesk", "102")
    assert transfer.assignee is None  # nobody here is called "Zed Unknown"
    assert (transfer.status, transfer.priority) == (Status.OPEN, Priority.MEDIUM)
    assert Message.objects.get(ticket=transfer).body == "Can I pay by transfer?"  # no description
    assert "tickets whose assignee is not a Frontdesk agent" in out
    heating = imported("zendesk", "104")
    assert heating.requester == maria  # the same address in capitals
    assert (heating.status, heating.priority) == (Status.PENDING, Priority.MEDIUM)
    assert tags(heating) == ["heating", "on-hold"]
    assert heating.due_at == datetime(2024, 3, 20, tzinfo=UTC)
    assert heating.created_at == datetime(2024, 3, 8, 7, 45, tzinfo=UTC)
    assert set(Team.objects.values_list("name", flat=True)) == {"Billing", "Studio"}


def test_freescout_rows_become_tickets(db: None, agent: User) -> None:
    out = run(FREESCOUT, "freescout")
    assert "4 tickets created" in out
    invoice = imported("freescout", "7")
    assert invoice.requester.email == "pat@shop.example"
    assert invoice.assignee == agent  # by email
    assert (invoice.status, invoice.priority) == (Status.OPEN, Priority.MEDIUM)
    assert tags(invoice) == ["follow up", "invoice"]
    assert invoice.team is not None and invoice.team.name == "Support"
    assert Message.objects.get(ticket=invoice).body == "Where is my invoice for April?"
    assert invoice.updated_at == datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
    spam = imported("freescout", "8")
    assert spam.status == Status.CLOSED and tags(spam) == ["spam"]
    assert spam.closed_at == datetime(2024, 5, 3, 10, 0, tzinfo=UTC)
    assert imported("freescout", "9").status == Status.CLOSED
    assert imported("freescout", "10").status == Status.PENDING
    assert User.objects.filter(email="pat@shop.example").count() == 1


def test_a_dry_run_writes_nothing(db: None) -> None:
    users = User.objects.count()
    out = run(ZENDESK, "zendesk", "--dry-run")
    assert "Dry run" in out and "3 tickets created" in out
    assert User.objects.count() == users
    assert not Ticket.objects.exists() and not Team.objects.exists()
    assert not ImportedObject.objects.exists() and not ImportRun.objects.exists()


def test_running_again_changes_nothing(db: None, agent: User) -> None:
    run(FREESCOUT, "freescout")
    counts = [model.objects.count() for model in (User, Ticket, Message, TicketEvent, Team)]
    out = run(FREESCOUT, "freescout")
    assert "0 tickets created, 4 unchanged" in out and "0 messages created" in out
    assert counts == [model.objects.count() for model in (User, Ticket, Message, TicketEvent, Team)]


def test_a_later_export_updates_with_history(db: None, agent: User, tmp_path: Path) -> None:
    run(ZENDESK, "zendesk")
    later = tmp_path / "later.csv"
    text = ZENDESK.read_text().replace(",open,normal,", ",pending,high,")
    later.write_text(text)
    out = run(later, "zendesk")
    assert "1 updated, 2 unchanged" in out
    transfer = imported("zendesk", "102")
    assert (transfer.status, transfer.priority) == (Status.PENDING, Priority.HIGH)
    changes = TicketEvent.objects.filter(ticket=transfer, actor_id=SYSTEM_USER_ID)
    assert set(changes.values_list("field", "old_value", "new_value")) == {
        ("status", "open", "pending"),
        ("priority", "medium", "high"),
    }
    assert Ticket.objects.count() == 3


def test_two_sources_of_one_format_are_kept_apart(db: None) -> None:
    run(FREESCOUT, "freescout")
    out = run(FREESCOUT, "freescout", "--source-name", "freescout-second-desk")
    assert "4 tickets created" in out
    assert Ticket.objects.count() == 8


def test_unknown_format_is_an_error(db: None) -> None:
    with pytest.raises(CommandError, match="Unknown format 'helpscout'"):
        run(ZENDESK, "helpscout")


def test_missing_file_is_an_error(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        run(tmp_path / "nothing.csv", "zendesk")


def test_wrong_layout_names_the_missing_column(db: None) -> None:
    with pytest.raises(
        CommandError, match='not a Zendesk ticket export: no column "Requester email"'
    ):
        run(FREESCOUT, "zendesk")
    assert not Ticket.objects.exists()


def test_empty_file_is_an_error(db: None, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CommandError, match="is empty"):
        run(empty, "freescout")


def test_the_command_fills_a_fresh_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "frontdesk"
    export = tmp_path / "tickets.csv"
    shutil.copy(FREESCOUT, export)
    done = frontdesk_on_sqlite(
        data, "import-csv", "--format", "freescout", str(export), "-v", "0", timeout=180
    )
    assert done.returncode == 0, done.stderr
    assert "4 tickets created" in done.stdout
    with sqlite3.connect(data / "frontdesk.sqlite3") as database:
        (count,) = database.execute("SELECT count(*) FROM tickets_ticket").fetchone()
        (found,) = database.execute(
            "SELECT count(*) FROM tickets_message_fts WHERE tickets_message_fts MATCH 'salsa'"
        ).fetchone()
    assert (count, found) == (4, 1)
    failed = frontdesk_on_sqlite(
        data, "import-helpdesk", str(tmp_path / "missing.sqlite3"), timeout=180
    )
    assert failed.returncode != 0
    assert "does not exist" in failed.stderr


def test_a_too_long_source_name_is_an_error(db: None) -> None:
    with pytest.raises(CommandError, match="at most 64 characters"):
        run(FREESCOUT, "freescout", "--source-name", "x" * 65)
    assert not Ticket.objects.exists()


def test_odd_values_are_made_to_fit_and_counted(db: None, tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    long_text = "word " * 14_000  # 70,000 characters
    many_tags = " ".join(f"t{n}" for n in range(25))
    odd.write_text(
        "\ufeffid,subject,requester_email,status,priority,tags,created_at,description\n"
        f'1,{"x" * 250},a@b.example,weird,extreme,"Ñandú!  Urgent/Now",2024-01-01,"{long_text}"\n'
        f"2,,c@d.example,open,low,{many_tags},2024-01-02T10:00:00+02:00,Hello\n",
        encoding="utf-8",
    )
    out = run(odd, "zendesk")
    first, second = imported("zendesk", "1"), imported("zendesk", "2")
    assert len(first.title) == 200 and first.title.endswith("…")
    assert (first.status, first.priority) == (Status.OPEN, Priority.MEDIUM)
    assert tags(first) == ["nandu", "urgent-now"]
    body = Message.objects.get(ticket=first).body
    assert len(body) == 65_536
    assert second.title == "zendesk ticket 2"
    assert len(tags(second)) == 20
    assert second.created_at == datetime(2024, 1, 2, 8, 0, tzinfo=UTC)
    for warning in (
        "rows with an unknown status, imported as open",
        "rows with an unknown priority, imported as medium",
        "messages longer than 65,536 characters, cut",
        "tickets with more than 20 tags, the rest left out",
    ):
        assert f"1 {warning}" in out
