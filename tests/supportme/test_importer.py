"""``frontdesk import-supportme``: real SupportMe databases, written with the seed's own
CREATE TABLE and INSERT statements (its "Database initialization" section and Appendix A),
imported and then used through Frontdesk's services and the SupportMe JSON API."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import SYSTEM_USER_ID, Role, User
from frontdesk.accounts.services import user_authenticate
from frontdesk.core.errors import InvalidInput
from frontdesk.supportme import importer
from frontdesk.supportme.importer import SourceRefused, supportme_import
from frontdesk.supportme.models import ImportedRecord, ImportSource
from frontdesk.supportme.schema import SEED_SCHEMA
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, MessageKind, Status, Ticket, TicketEvent

CUSTOMER, ASSISTANT = 1, 2
T0 = 1678958929  # the seed's example timestamp


class SupportMe:
    """A SupportMe data.db, changed only with the statements server.py runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.executescript(SEED_SCHEMA)
        self.names = {0: "System"}

    def register(
        self,
        username: str,
        email: str | None,
        password: str | None,
        *,
        at: int = T0 - 86400,
        account_type: int = CUSTOMER,
        icon: str = "blue",
    ) -> int:
        cursor = self.db.execute(
            "INSERT INTO User (username, password, createdAt, accountType, profileIcon, email) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [username, password, at, account_type, f"/profile-icons/{icon}.png", email],
        )
        self.db.commit()
        assert cursor.lastrowid is not None
        self.names[cursor.lastrowid] = username
        return cursor.lastrowid

    def open_ticket(self, customer: int, title: str, message: str, *, at: int) -> int:
        cursor = self.db.execute(
            "INSERT INTO Ticket (customerID, assistantID, openedAt, closedAt, title) "
            "VALUES (?,?,?,?,?);",
            [customer, -1, at, -1, title],
        )
        assert cursor.lastrowid is not None
        self.say(cursor.lastrowid, customer, message, at=at)
        return cursor.lastrowid

    def say(self, ticket: int, author: int, body: str, *, at: int) -> int:
        cursor = self.db.execute(
            "INSERT INTO Message (ticketID, authorID, body, sentAt) VALUES (?, ?, ?, ?);",
            [ticket, author, body, at],
        )
        self.db.commit()
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def claim(self, ticket: int, assistant: int, *, at: int) -> int:
        self.db.execute(
            "UPDATE Ticket SET assistantID = ?, closedAt = ? WHERE (ticketID = ?);",
            [assistant, -1, ticket],
        )
        text = f"This ticket has been claimed by {self.names[assistant]} (ID: {assistant})."
        return self.say(ticket, 0, text, at=at)

    def close(self, ticket: int, actor: int, *, at: int) -> int:
        self.db.execute("UPDATE Ticket SET closedAt = ? WHERE (ticketID = ?);", [at, ticket])
        text = f"This ticket has been closed by {self.names[actor]} (ID: {actor})."
        return self.say(ticket, 0, text, at=at)


def moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@pytest.fixture
def studio(tmp_path: Path) -> SupportMe:
    """The dance studio's SupportMe: two customers, two assistants, three tickets (closed,
    claimed and open, unclaimed) and eight messages."""
    supportme = SupportMe(tmp_path / "data.db")
    john = supportme.register("John", "john@lavabit.com", "securepassword123", icon="red")
    alice = supportme.register(
        "Alice", "alice@lavabit.com", "assistantpass1", account_type=ASSISTANT, icon="green"
    )
    jane = supportme.register("Jane", "jane@lavabit.com", "janespassword", icon="purple")
    bob = supportme.register("Bob", "bob@lavabit.com", "bobspassword", account_type=ASSISTANT)
    fans = supportme.open_ticket(
        john,
        "Help the fans are not working in Studio 1",
        "The fans in the studio don't seem to be working properly.",
        at=T0,
    )
    supportme.claim(fans, alice, at=T0 + 60)
    supportme.say(fans, alice, "Have you tried the switch by the door?", at=T0 + 120)
    supportme.say(fans, john, "That was it, thank you so much!", at=T0 + 300)
    supportme.close(fans, alice, at=T0 + 400)
    heating = supportme.open_ticket(
        john, "Heating broken in Studio 2", "It is freezing in Studio 2 today.", at=T0 + 1000
    )
    supportme.claim(heating, bob, at=T0 + 1100)
    supportme.open_ticket(
        jane,
        "Cannot book the Tuesday salsa class",
        "The booking page shows an error.",
        at=T0 + 2000,
    )
    return supportme


def frontdesk_counts() -> tuple[int, int, int]:
    return User.objects.count(), Ticket.objects.count(), Message.objects.count()


# --- users --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_users_keep_their_ids_roles_icons_and_emails(studio: SupportMe) -> None:
    report = supportme_import(studio.path)

    assert report.imported.users == 4
    john, alice, jane, bob = (User.objects.get(pk=n) for n in (1, 2, 3, 4))
    assert (john.username, john.role, john.profile_icon) == ("John", Role.CUSTOMER, "red")
    assert (alice.username, alice.role, alice.profile_icon) == ("Alice", Role.AGENT, "green")
    assert (jane.role, jane.profile_icon) == (Role.CUSTOMER, "purple")
    assert (bob.role, bob.profile_icon) == (Role.AGENT, "blue")
    assert john.email == "john@lavabit.com"
    assert john.created_at == moment(T0 - 86400)
    assert report.kept_ids == {"users": True, "tickets": True, "messages": True}
    assert report.mapping_path is None  # nothing changed, so nothing to map


@pytest.mark.django_db
def test_supportme_system_row_maps_onto_frontdesk_system(studio: SupportMe) -> None:
    supportme_import(studio.path)

    system = User.objects.get(pk=SYSTEM_USER_ID)
    assert system.role == Role.SYSTEM
    assert system.email == "system@frontdesk.invalid"  # not SupportMe's, not overwritten
    assert not system.has_usable_password()  # SupportMe's "securepassword" was not taken
    assert not User.objects.filter(email__iexact="Ed_Snowden@lavabit.com").exists()
    assert User.objects.filter(username__iexact="system").count() == 1


@pytest.mark.django_db
def test_passwords_are_hashed_and_still_sign_in(studio: SupportMe) -> None:
    supportme_import(studio.path)

    john = User.objects.get(username="John")
    assert "securepassword123" not in john.password
    assert john.password.startswith("md5$")  # the configured hasher (fast in tests)
    assert user_authenticate(username="John", password="securepassword123") == john
    assert user_authenticate(username="alice@lavabit.com", password="assistantpass1").pk == 2
    with pytest.raises(InvalidInput):
        user_authenticate(username="John", password="wrongpassword")


@pytest.mark.django_db
def test_many_passwords_are_hashed_in_parallel_each_to_its_own(tmp_path: Path) -> None:
    supportme = SupportMe(tmp_path / "data.db")
    for n in range(1, 13):
        supportme.register(f"dancer{n}", f"dancer{n}@example.com", f"password{n:02d}")

    supportme_import(supportme.path)

    for n in (1, 7, 12):
        assert user_authenticate(username=f"dancer{n}", password=f"password{n:02d}").pk == n
    with pytest.raises(InvalidInput):
        user_authenticate(username="dancer1", password="password12")


@pytest.mark.django_db
def test_empty_or_missing_password_cannot_sign_in(tmp_path: Path) -> None:
    supportme = SupportMe(tmp_path / "data.db")
    supportme.register("Nopass", "nopass@example.com", None)
    supportme.register("Empty", "empty@example.com", "")

    supportme_import(supportme.path)

    for name in ("Nopass", "Empty"):
        assert not User.objects.get(username=name).has_usable_password()
        with pytest.raises(InvalidInput):
            user_authenticate(username=name, password="")


@pytest.mark.django_db
def test_case_duplicates_are_renamed_deterministically_and_reported(tmp_path: Path) -> None:
    # SupportMe compared names and emails case-sensitively; Frontdesk does not.
    supportme = SupportMe(tmp_path / "data.db")
    supportme.register("Sam", "sam@example.com", "password1")
    supportme.register("sam", "SAM@example.com", "password2")
    mapping = tmp_path / "mapping.json"

    report = supportme_import(supportme.path, mapping_file=mapping)

    first, second = User.objects.get(pk=1), User.objects.get(pk=2)
    assert (first.username, first.email) == ("Sam", "sam@example.com")
    assert (second.username, second.email) == ("sam2", "supportme-user-2@import.invalid")
    assert user_authenticate(username="sam2", password="password2") == second
    assert report.renamed_users == [
        {"old_id": 2, "new_id": 2, "old_username": "sam", "new_username": "sam2"}
    ]
    written = json.loads(mapping.read_text())
    assert written["renamed_users"] == report.renamed_users
    assert written["replaced_emails"][0]["new_email"] == "supportme-user-2@import.invalid"
    assert "Renamed user 'sam' (SupportMe id 2) to 'sam2'" in report.summary()


@pytest.mark.django_db
def test_missing_or_invalid_emails_get_placeholders(tmp_path: Path) -> None:
    supportme = SupportMe(tmp_path / "data.db")
    supportme.register("Noemail", None, "password1")
    supportme.register("Bademail", "not an email", "password2")

    report = supportme_import(supportme.path)

    assert User.objects.get(pk=1).email == "supportme-user-1@import.invalid"
    assert User.objects.get(pk=2).email == "supportme-user-2@import.invalid"
    assert [entry["reason"] for entry in report.replaced_emails] == ["missing", "invalid"]


@pytest.mark.django_db
def test_existing_frontdesk_names_are_not_taken_over(studio: SupportMe, customer: User) -> None:
    # conftest's customer is "John" (john@example.com), like SupportMe's John.
    report = supportme_import(studio.path)

    assert User.objects.get(pk=customer.pk).email == "john@example.com"
    imported_john = User.objects.get(email="john@lavabit.com")
    assert imported_john.username == "John1"
    assert [rename["new_username"] for rename in report.renamed_users] == ["John1"]
    assert user_authenticate(username="John1", password="securepassword123") == imported_john


# --- tickets and messages -----------------------------------------------------------------


@pytest.mark.django_db
def test_ticket_statuses_assignees_and_timestamps(studio: SupportMe) -> None:
    report = supportme_import(studio.path)

    assert report.imported.tickets == 3
    fans, heating, booking = (Ticket.objects.get(pk=n) for n in (1, 2, 3))
    assert fans.title == "Help the fans are not working in Studio 1"
    assert (fans.status, fans.requester_id, fans.created_by_id) == (Status.CLOSED, 1, 1)
    assert fans.assignee_id == 2
    assert fans.created_at == moment(T0)
    assert fans.closed_at == fans.resolved_at == moment(T0 + 400)
    assert fans.first_response_at == moment(T0 + 120)  # Alice's answer, not the claim notice
    assert fans.last_activity_at == fans.updated_at == moment(T0 + 400)

    assert (heating.status, heating.assignee_id) == (Status.OPEN, 4)
    assert heating.closed_at is None and heating.resolved_at is None
    assert heating.first_response_at is None  # only a system message so far
    assert heating.last_activity_at == moment(T0 + 1100)

    assert (booking.status, booking.assignee_id, booking.requester_id) == (Status.NEW, None, 3)
    created = TicketEvent.objects.get(ticket=fans)
    assert (created.field, created.actor_id, created.new_value) == ("created", 1, "TKT-000001")
    assert created.created_at == moment(T0)


@pytest.mark.django_db
def test_messages_keep_ids_order_kinds_and_authors(studio: SupportMe) -> None:
    report = supportme_import(studio.path)

    assert report.imported.messages == 8
    conversation = list(Message.objects.filter(ticket_id=1).order_by("id"))
    assert [m.pk for m in conversation] == [1, 2, 3, 4, 5]
    assert [(m.author_id, m.kind) for m in conversation] == [
        (1, MessageKind.PUBLIC),
        (SYSTEM_USER_ID, MessageKind.SYSTEM),
        (2, MessageKind.PUBLIC),
        (1, MessageKind.PUBLIC),
        (SYSTEM_USER_ID, MessageKind.SYSTEM),
    ]
    assert conversation[1].body == "This ticket has been claimed by Alice (ID: 2)."
    assert conversation[4].body == "This ticket has been closed by Alice (ID: 2)."
    assert [m.created_at for m in conversation] == [moment(T0 + s) for s in (0, 60, 120, 300, 400)]


@pytest.mark.django_db
def test_messages_whose_ids_disagree_with_their_times_get_reading_order_ids(
    tmp_path: Path,
) -> None:
    supportme = SupportMe(tmp_path / "data.db")
    john = supportme.register("John", "john@lavabit.com", "securepassword123")
    ticket = supportme.open_ticket(john, "Locker key lost again", "First, at noon.", at=T0)
    # Written later but dated earlier (a clock put right): SupportMe sorts by sentAt.
    early = supportme.say(ticket, john, "Second, written before noon.", at=T0 - 30)

    report = supportme_import(supportme.path)

    assert report.kept_ids["messages"] is False
    assert [m.body for m in Message.objects.filter(ticket_id=ticket).order_by("id")] == [
        "Second, written before noon.",
        "First, at noon.",
    ]
    assert set(report.changed_ids["messages"]) == {1, early}
    assert report.mapping_path is not None and report.mapping_path.exists()


@pytest.mark.django_db
def test_odd_rows_are_kept_where_possible_and_reported(tmp_path: Path) -> None:
    supportme = SupportMe(tmp_path / "data.db")
    john = supportme.register("John", "john@lavabit.com", "securepassword123", account_type=7)
    ticket = supportme.open_ticket(john, "Odd but real ticket", "A NUL \x00 in the body.", at=T0)
    supportme.say(999, john, "A message for a ticket that does not exist.", at=T0)
    supportme.db.execute(
        "INSERT INTO Ticket (customerID, assistantID, openedAt, closedAt, title) "
        "VALUES (?,?,?,?,?);",
        [404, 405, "yesterday", -1, "Customer and assistant gone"],
    )
    supportme.db.commit()

    report = supportme_import(supportme.path)

    assert User.objects.get(pk=john).role == Role.CUSTOMER  # unknown accountType 7
    assert Message.objects.get(ticket_id=ticket).body == "A NUL \ufffd in the body."
    orphan = Ticket.objects.get(title="Customer and assistant gone")
    assert (orphan.requester_id, orphan.assignee_id) == (SYSTEM_USER_ID, None)
    assert orphan.created_at == moment(0)
    assert report.imported.messages == 1
    assert report.warnings == {
        "users with an unknown accountType, imported as customers": 1,
        "messages whose ticket is missing (or was deleted), skipped": 1,
        "tickets whose customer is missing from the file, given to System": 1,
        "tickets whose assistant is missing from the file, left unassigned": 1,
        "unreadable timestamps, imported as 1970-01-01": 1,
    }


# --- running again, and meeting existing data ---------------------------------------------


@pytest.mark.django_db
def test_second_run_imports_nothing(studio: SupportMe) -> None:
    supportme_import(studio.path)
    before = frontdesk_counts()

    again = supportme_import(studio.path)

    assert frontdesk_counts() == before
    assert (again.imported.users, again.imported.tickets, again.imported.messages) == (0, 0, 0)
    assert again.already_imported.tickets == 3
    assert again.already_imported.messages == 8
    assert again.mapping_path is None
    assert again.summary().startswith(
        "Imported 0 users, 0 tickets, 0 messages; skipped 4 users, 3 tickets, 8 messages"
    )
    assert ImportSource.objects.count() == 1


@pytest.mark.django_db
def test_a_later_copy_of_the_same_supportme_imports_only_what_is_new(
    studio: SupportMe,
) -> None:
    supportme_import(studio.path)
    # SupportMe kept running after the first import.
    carol = studio.register("Carol", "carol@lavabit.com", "carolspassword")
    studio.say(2, 4, "The engineer comes tomorrow morning.", at=T0 + 5000)
    new_ticket = studio.open_ticket(
        carol, "Mirror cracked in Studio 3", "Mind the glass.", at=T0 + 6000
    )

    report = supportme_import(studio.path)

    assert (report.imported.users, report.imported.tickets, report.imported.messages) == (1, 1, 2)
    assert Ticket.objects.get(pk=new_ticket).requester_id == carol
    latest = Message.objects.filter(ticket_id=2).latest("id")
    assert latest.body == "The engineer comes tomorrow morning."
    assert Ticket.objects.get(pk=2).first_response_at is None  # imported rows are not rewritten


@pytest.mark.django_db
def test_colliding_ids_get_new_ones_and_a_mapping_file(
    studio: SupportMe, tmp_path: Path, settings: Settings
) -> None:
    settings.DATA_DIR = tmp_path / "frontdesk-data"
    supportme_import(studio.path)  # takes ids 1-4, 1-3 and 1-8
    other = SupportMe(tmp_path / "other.db")  # a second studio, numbered from 1 as well
    zoe = other.register("Zoe", "zoe@example.com", "zoespassword", at=T0 + 99)
    kim = other.register("kim", "JOHN@lavabit.com", "kimspassword", account_type=ASSISTANT)
    ticket = other.open_ticket(zoe, "Ballet barre is loose", "It wobbles a lot.", at=T0)
    other.claim(ticket, kim, at=T0 + 10)

    report = supportme_import(other.path)

    assert report.kept_ids == {"users": False, "tickets": False, "messages": False}
    new_zoe, new_kim = User.objects.get(username="Zoe"), User.objects.get(username="kim")
    assert (new_zoe.pk, new_kim.pk) == (5, 6)
    assert new_kim.email == "supportme-user-2@import.invalid"  # John's address was taken
    barre = Ticket.objects.get(title="Ballet barre is loose")
    assert (barre.pk, barre.requester_id, barre.assignee_id) == (4, 5, 6)
    conversation = list(barre.messages.order_by("id"))
    assert [m.pk for m in conversation] == [9, 10]
    assert conversation[1].kind == MessageKind.SYSTEM
    assert Ticket.objects.get(pk=1).title == "Help the fans are not working in Studio 1"

    assert report.mapping_path is not None
    assert report.mapping_path.parent == tmp_path / "frontdesk-data"
    written = json.loads(report.mapping_path.read_text())
    assert written["users"] == {"1": 5, "2": 6}
    assert written["tickets"] == {"1": 4}
    assert written["messages"] == {"1": 9, "2": 10}
    assert written["replaced_emails"][0]["reason"] == "taken"
    assert str(report.mapping_path) in report.summary()
    records = ImportedRecord.objects.filter(source__fingerprint=report.fingerprint)
    assert set(records.filter(kind="ticket").values_list("old_id", "new_id")) == {(1, 4)}


@pytest.mark.django_db
def test_later_frontdesk_tickets_do_not_collide_with_imported_ids(studio: SupportMe) -> None:
    supportme_import(studio.path)
    jane = User.objects.get(username="Jane")

    opened = services.ticket_open(actor=jane, title="Another salsa question", body="Hello again!")

    assert opened.ticket.pk > 3
    assert opened.message.pk > 8


# --- refusals -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_text_file_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    text = tmp_path / "data.db"
    text.write_text("This is not a database, just some notes.\n" * 100)
    before = frontdesk_counts()

    with pytest.raises(CommandError, match="not a SupportMe database: it is not an SQLite file"):
        call_command("import_supportme", str(text), stdout=StringIO())

    assert frontdesk_counts() == before
    assert not ImportSource.objects.exists()


@pytest.mark.django_db
def test_an_sqlite_file_with_other_tables_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        db.execute('CREATE TABLE "Ticket" (ticketID INTEGER PRIMARY KEY, title TEXT)')

    with pytest.raises(SourceRefused) as refused:
        supportme_import(other)

    assert str(refused.value) == (
        f'{other} is not a SupportMe database: it has no "User" table; its "Ticket" table '
        'lacks customerID, assistantID, openedAt, closedAt; it has no "Message" table.'
    )
    assert frontdesk_counts() == (1, 0, 0)


@pytest.mark.django_db
def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_supportme", str(tmp_path / "nowhere.db"))


@pytest.mark.django_db
def test_the_file_is_opened_read_only(studio: SupportMe) -> None:
    studio.db.close()
    studio.path.chmod(0o444)
    before = studio.path.read_bytes()

    supportme_import(studio.path)

    assert studio.path.read_bytes() == before


@pytest.mark.django_db  # the import's transaction becomes a savepoint: its rollback is what counts
def test_a_failure_half_way_leaves_nothing_imported(
    studio: SupportMe, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_import_messages", broken)  # after users and tickets

    with pytest.raises(RuntimeError, match="disk full"):
        supportme_import(studio.path)

    assert frontdesk_counts() == (1, 0, 0)
    assert not ImportSource.objects.exists()
    assert not ImportedRecord.objects.exists()


# --- the command and the SupportMe API afterwards ------------------------------------------


@pytest.mark.django_db
def test_command_prints_what_it_did(studio: SupportMe) -> None:
    out = StringIO()

    call_command("import_supportme", str(studio.path), stdout=out, stderr=StringIO())

    assert out.getvalue().splitlines()[0] == (
        "Imported 4 users, 3 tickets, 8 messages; skipped 0 users, 0 tickets, 0 messages "
        "imported before."
    )
    assert "SupportMe ids were kept." in out.getvalue()


def sign_in(client: Client, username: str, password: str) -> dict[str, str]:
    response = client.post(
        "/login", {"username": username, "password": password}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}


@pytest.mark.django_db
def test_imported_data_works_through_the_supportme_api(studio: SupportMe, client: Client) -> None:
    supportme_import(studio.path)
    john = sign_in(client, "John", "securepassword123")

    messages = client.get("/get-messages/1", **john).json()
    ticket = client.get("/get-ticket/1", **john).json()["ticket_data"]

    assert [m["message_id"] for m in messages["message_list"]] == [5, 4, 3, 2, 1]  # newest first
    assert messages["message_list"][-1] == {
        "message_id": 1,
        "author_id": 1,
        "body": "The fans in the studio don't seem to be working properly.",
        "sent_at": T0,
    }
    assert ticket == {
        "ticket_id": 1,
        "customer_id": 1,
        "assistant_id": 2,
        "opened_at": T0,
        "closed_at": T0 + 400,
        "title": "Help the fans are not working in Studio 1",
    }
    alice = sign_in(client, "Alice", "assistantpass1")
    unclaimed = client.get("/get-unclaimed-tickets", **alice).json()["tickets"]
    assert [t["ticket_id"] for t in unclaimed] == [3]
    assert client.get("/get-messages/3", **john).status_code == 403  # Jane's ticket

    answer = client.post(
        "/ticket/3", {"message": "!claim"}, content_type="application/json", **alice
    )
    assert answer.status_code == 200
    assert answer.json()["message_id"] > 8
