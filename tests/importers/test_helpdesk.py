"""``frontdesk import-helpdesk``: a django-helpdesk database, built in the test, into
Frontdesk; what lands, dry runs, re-runs and refusals."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from frontdesk.accounts.models import SYSTEM_USER_ID, Role, User
from frontdesk.following.models import CcPerson
from frontdesk.importers.helpdesk import shown
from frontdesk.importers.models import ImportedObject, ImportRun
from frontdesk.teams.models import Team, TeamMembership
from frontdesk.tickets.models import (
    Attachment,
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from frontdesk.tickets.search import ticket_ids_matching
from tests.importers import helpdesk_db
from tests.importers.helpdesk_db import CREATED, NOTED, RECEIPT, REPLIED, THANKED

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a PostgreSQL server to hold the django-helpdesk (CI's PostgreSQL pass)",
)
HELPDESK_SCHEMA = "helpdesk_source"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "helpdesk.sqlite3"
    helpdesk_db.build(path, tmp_path / "media")
    return path


def run(source: Path | str, *args: str, media: Path | None = None) -> str:
    out = StringIO()
    call_command(
        "import_helpdesk",
        str(source),
        "--media-root",
        str(media or Path(str(source)).parent / "media"),
        *args,
        stdout=out,
        verbosity=0,
    )
    return out.getvalue()


def imported(source_id: str) -> Ticket:
    record = ImportedObject.objects.get(
        system="django-helpdesk", kind=ImportedObject.Kind.TICKET, source_id=source_id
    )
    return Ticket.objects.get(pk=record.object_id)


def test_people_become_accounts_without_a_usable_password(source: Path, db: None) -> None:
    run(source)
    alice = User.objects.get(email="alice@studio.example")
    bob = User.objects.get(email="bob@studio.example")
    carol = User.objects.get(email="carol@families.example")
    dave = User.objects.get(email="dave@elsewhere.example")  # a submitter with no account
    assert (alice.role, bob.role, carol.role, dave.role) == (
        Role.ADMIN,
        Role.AGENT,
        Role.CUSTOMER,
        Role.CUSTOMER,
    )
    assert alice.username == "alice" and carol.username == "carol"
    for person in (alice, bob, carol, dave):
        assert not person.has_usable_password()
    nomail = User.objects.get(username="nomail")
    assert nomail.role == Role.AGENT and nomail.email.endswith("@import.invalid")
    assert carol.created_at.year == 2023


def test_tickets_land_with_status_priority_team_and_times(source: Path, db: None) -> None:
    out = run(source)
    assert "4 tickets created" in out
    charged = imported("1")
    assert charged.title == "Charged twice"
    assert charged.requester.email == "carol@families.example"
    assert charged.created_by_id == charged.requester_id
    assert charged.assignee is not None and charged.assignee.username == "bob"
    assert (charged.status, charged.priority) == (Status.OPEN, Priority.CRITICAL)
    assert charged.team is not None and charged.team.name == "Billing"
    assert charged.created_at == CREATED
    assert charged.first_response_at == REPLIED
    assert charged.last_activity_at == THANKED
    assert charged.resolution == "Refunded."
    locker = imported("2")
    assert (locker.status, locker.priority, locker.assignee) == (Status.CLOSED, Priority.LOW, None)
    # Closed by the follow-up that moved it there, not by the thanks that came after.
    assert locker.closed_at == REPLIED and locker.resolved_at == REPLIED
    assert locker.last_activity_at == THANKED
    assert locker.team is not None and locker.team.name == "Studio floor"
    again = imported("3")
    assert again.status == Status.CLOSED
    assert list(again.tags.values_list("name", flat=True)) == ["duplicate"]
    mirror = imported("4")
    assert (mirror.status, mirror.priority) == (Status.PENDING, Priority.HIGH)
    assert mirror.assignee is not None and mirror.assignee.username == "nomail"
    created = TicketEvent.objects.get(ticket=charged, field=TicketEvent.Field.CREATED)
    assert created.new_value == charged.number and created.created_at == CREATED
    # Agents of the old desk saw every queue; here they are in every imported team.
    bob = User.objects.get(username="bob")
    assert set(Team.objects.filter(memberships__user=bob).values_list("name", flat=True)) == {
        "Billing",
        "Studio floor",
    }
    assert list(
        CcPerson.objects.filter(ticket=charged).values_list("person__email", flat=True)
    ) == ["partner@families.example"]
    assert ImportRun.objects.get().system == "django-helpdesk"


def test_followups_become_public_replies_and_internal_notes(source: Path, db: None) -> None:
    run(source)
    charged = imported("1")
    rows = list(
        Message.objects.filter(ticket=charged)
        .order_by("created_at", "id")
        .values_list("author__username", "kind", "body", "created_at")
    )
    assert rows == [
        ("carol", MessageKind.PUBLIC, "My card was charged twice.", CREATED),
        ("bob", MessageKind.PUBLIC, "We have refunded the second charge.", REPLIED),
        ("alice", MessageKind.INTERNAL, "Checked with the bank: duplicate capture.", NOTED),
        # Sent by mail: no user on the follow-up, the submitter wrote it.
        ("carol", MessageKind.PUBLIC, "Thank you, it arrived.", THANKED),
    ]
    # A follow-up that only closed the ticket keeps its title as the text.
    assert Message.objects.filter(ticket=imported("2"), body="Closed").exists()


def test_attachments_are_copied_into_frontdesk(source: Path, db: None) -> None:
    run(source)
    attachment = Attachment.objects.get()
    assert attachment.original_name == "receipt.txt"
    assert attachment.message.body == "We have refunded the second charge."
    assert attachment.uploader.username == "bob"
    assert attachment.size == len(RECEIPT) and attachment.content_type == "text/plain"
    assert attachment.created_at == REPLIED
    with attachment.file.open("rb") as stored:
        assert stored.read() == RECEIPT


def search(query: str, *, include_internal: bool = True) -> list[int]:
    return ticket_ids_matching(query=query, include_internal=include_internal, limit=10)


def test_imported_text_is_found_by_search(source: Path, db: None) -> None:
    run(source)
    assert search("refunded") == [imported("1").pk]
    assert search("locker") == [imported("2").pk]
    assert search("capture") == [imported("1").pk]
    assert search("capture", include_internal=False) == []


def test_a_dry_run_writes_nothing(source: Path, db: None, settings: object) -> None:
    users = User.objects.count()
    out = run(source, "--dry-run")
    assert "Dry run" in out and "4 tickets created" in out and "1 files created" in out
    assert User.objects.count() == users
    assert not Ticket.objects.exists() and not Message.objects.exists()
    assert not Team.objects.exists() and not ImportedObject.objects.exists()
    assert not ImportRun.objects.exists()
    media = Path(str(settings.MEDIA_ROOT))  # type: ignore[attr-defined]
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_running_again_changes_nothing(source: Path, db: None) -> None:
    run(source)
    counts = [
        model.objects.count()
        for model in (User, Ticket, Message, Attachment, Team, TicketEvent, ImportedObject)
    ]
    out = run(source)
    assert "0 tickets created, 4 unchanged" in out
    assert "0 messages created" in out and "0 files created, 1 unchanged" in out
    assert counts == [
        model.objects.count()
        for model in (User, Ticket, Message, Attachment, Team, TicketEvent, ImportedObject)
    ]


def test_running_again_brings_changes_with_their_history(source: Path, db: None) -> None:
    run(source)
    helpdesk_db.add_followup(source, followup_id=9, ticket_id=1, text="Closing this.", status=3)
    out = run(source)
    assert "1 updated, 3 unchanged" in out and "1 messages created" in out
    charged = imported("1")
    later = datetime(2024, 3, 6, 10, 0, tzinfo=UTC)
    assert charged.status == Status.RESOLVED and charged.resolved_at == later
    assert charged.last_activity_at == later and charged.updated_at == later
    change = TicketEvent.objects.get(ticket=charged, field=TicketEvent.Field.STATUS)
    assert (change.actor_id, change.old_value, change.new_value) == (
        SYSTEM_USER_ID,
        Status.OPEN,
        Status.RESOLVED,
    )
    assert Message.objects.filter(ticket=charged, body="Closing this.").count() == 1


def test_a_ticket_deleted_since_stays_deleted(source: Path, db: None) -> None:
    run(source)
    imported("2").delete()
    out = run(source)
    assert "1 skipped" in out
    assert Ticket.objects.count() == 3


def test_an_existing_account_with_the_same_email_is_used(source: Path, db: None) -> None:
    existing = User.objects.create_user("Carol2", "carol@families.example", "x")
    out = run(source)
    assert "matched to existing accounts" in out
    assert imported("1").requester_id == existing.pk
    assert existing.has_usable_password()  # their own password is kept


def test_who_sees_an_imported_ticket(
    source: Path,
    db: None,
    admin: User,
    agent: User,
    other_customer: User,
) -> None:
    run(source)
    charged = imported("1")
    page = f"/ticket/{charged.pk}"

    def get(user: User | None) -> tuple[int, str]:
        client = Client(HTTP_HOST="localhost")
        if user is not None:
            client.force_login(user)
        response = client.get(page)
        return response.status_code, response.content.decode()

    carol = User.objects.get(username="carol")
    status, text = get(carol)
    assert status == 200
    assert "We have refunded the second charge." in text
    assert "duplicate capture" not in text  # the internal note
    bob = User.objects.get(username="bob")
    status, text = get(bob)
    assert status == 200 and "duplicate capture" in text
    status, text = get(admin)
    assert status == 200 and "duplicate capture" in text
    # The desk's own agent joined the teams the import made: they see it too.
    status, text = get(agent)
    assert status == 200 and "duplicate capture" in text
    assert get(other_customer)[0] == 404
    assert get(None)[0] == 302
    # Taken out of the team, an agent no longer sees its tickets.
    TeamMembership.objects.filter(user=agent).delete()
    assert get(agent)[0] == 404


def test_a_rerun_leaves_team_memberships_as_the_admin_set_them(
    source: Path, db: None, agent: User
) -> None:
    run(source)
    billing = Team.objects.get(name="Billing")
    # The old desk's staff ("alice" is "alice2": the desk's own agent is "Alice"), and the
    # desk's own agent.
    assert set(billing.memberships.values_list("user__username", flat=True)) == {
        "alice2",
        "bob",
        "nomail",
        "Alice",
    }
    TeamMembership.objects.filter(team=billing, user__username="bob").delete()
    run(source)
    assert not TeamMembership.objects.filter(team=billing, user__username="bob").exists()


def test_an_existing_team_of_the_same_name_is_used_and_its_members_kept(
    source: Path, db: None, agent: User
) -> None:
    billing = Team.objects.create(name="billing", slug="billing")
    out = run(source)
    assert "1 teams created, 1 matched" in out
    assert imported("1").team == billing
    # Only the staff the import made join it; the desk's own agent stays out.
    assert set(billing.memberships.values_list("user__username", flat=True)) == {
        "alice2",
        "bob",
        "nomail",
    }


def test_missing_file_is_an_error(tmp_path: Path, db: None) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        run(tmp_path / "nothing.sqlite3")


def test_not_a_helpdesk_database_is_an_error(tmp_path: Path, db: None) -> None:
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (id integer)")
    with pytest.raises(CommandError, match="not a django-helpdesk database"):
        run(other)
    assert not Ticket.objects.exists()


def test_a_missing_column_is_named(tmp_path: Path, db: None) -> None:
    broken = tmp_path / "broken.sqlite3"
    helpdesk_db.build(broken, tmp_path / "media")
    with sqlite3.connect(broken) as connection:
        connection.execute("ALTER TABLE helpdesk_followup DROP COLUMN public")
    with pytest.raises(CommandError, match="helpdesk_followup has no column public"):
        run(broken)


def test_an_unsupported_url_is_an_error(db: None) -> None:
    with pytest.raises(CommandError, match="unsupported database"):
        run("mysql://root@localhost/helpdesk")


def test_an_unreachable_postgresql_is_an_error(db: None) -> None:
    with pytest.raises(CommandError, match="Cannot connect"):
        run("postgres://nobody@127.0.0.1:1/helpdesk")


def test_files_without_the_media_folder_are_counted(source: Path, db: None) -> None:
    out = StringIO()
    call_command("import_helpdesk", str(source), stdout=out, verbosity=0)
    assert "Warning: 1 files not found, left out." in out.getvalue()
    assert not Attachment.objects.exists()
    assert Message.objects.filter(body="We have refunded the second charge.").exists()


@on_postgresql
def test_a_helpdesk_on_postgresql_is_read(tmp_path: Path, db: None) -> None:
    import psycopg

    where = connection.settings_dict
    url = (
        f"postgres://{quote(where['USER'] or '')}:{quote(where['PASSWORD'] or '')}"
        f"@{where['HOST'] or 'localhost'}:{where['PORT'] or 5432}/{quote(where['NAME'])}"
    )
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(f"DROP SCHEMA IF EXISTS {HELPDESK_SCHEMA} CASCADE")
        pg.execute(f"CREATE SCHEMA {HELPDESK_SCHEMA}")
        pg.execute(f"SET search_path TO {HELPDESK_SCHEMA}")
        pg.execute("SET TIME ZONE 'UTC'")
        for statement in helpdesk_db.postgresql_schema():
            pg.execute(statement)
        helpdesk_db.fill(pg, tmp_path / "media", placeholder="%s")
    try:
        source = f"{url}?options=-csearch_path%3D{HELPDESK_SCHEMA}"
        out = run(source, media=tmp_path / "media")
        assert "4 tickets created" in out and "1 files created" in out
        charged = imported("1")
        assert charged.created_at == CREATED and charged.status == Status.OPEN
        kinds = list(
            Message.objects.filter(ticket=charged).order_by("created_at").values_list("kind")
        )
        assert kinds == [("public",), ("public",), ("internal",), ("public",)]
        assert "4 unchanged" in run(source, media=tmp_path / "media")
    finally:
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute(f"DROP SCHEMA IF EXISTS {HELPDESK_SCHEMA} CASCADE")


def test_a_password_in_the_url_is_never_printed_or_kept(db: None) -> None:
    assert shown("postgres://helpdesk:s3cret@db.internal:5432/helpdesk") == (
        "postgres://helpdesk:***@db.internal:5432/helpdesk"
    )
    assert shown("/srv/helpdesk/db.sqlite3") == "/srv/helpdesk/db.sqlite3"
    with pytest.raises(CommandError) as refused:
        run("mysql://root:s3cret@localhost/helpdesk")
    assert "s3cret" not in str(refused.value)
