"""``frontdesk demo``: realistic, consistent demo data, made fast, that people can sign in to."""

from __future__ import annotations

import re
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from frontdesk.accounts.models import SYSTEM_USER_ID, Organisation, Role, User
from frontdesk.accounts.services import user_authenticate
from frontdesk.core.clock import now
from frontdesk.tickets import demo, search, search_index, services, validators
from frontdesk.tickets.demo import DEMO_PASSWORD, _unique
from frontdesk.tickets.models import (
    ACTIVE_STATUSES,
    Category,
    Message,
    MessageKind,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketEvent,
)

pytestmark = pytest.mark.django_db

TICKETS = 60


def run_demo(*args: str) -> str:
    """The generated data alone: the merges made after it are tests/tickets/test_merging.py's."""
    out = StringIO()
    call_command(
        "demo", "--tickets", str(TICKETS), "--no-merges", *args, stdout=out, stderr=StringIO()
    )
    return out.getvalue()


def printed(pattern: str, output: str) -> str:
    found = re.search(pattern, output)
    assert found is not None, output
    return found.group(1)


def test_every_status_priority_and_category_appears() -> None:
    run_demo()

    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(Ticket.objects.values_list("priority", flat=True)) == set(Priority.values)
    assert set(Ticket.objects.values_list("category", flat=True)) == set(Category.values)


def test_demo_people_have_confirmed_addresses() -> None:
    """Signing in as a demo agent or customer shows the desk, not a "confirm your address"
    banner on every page."""
    run_demo()
    people = User.objects.filter(role__in=[Role.CUSTOMER, Role.AGENT])
    assert people.exists()
    assert not people.filter(email_verified_at__isnull=True).exists()


def test_counts_match_what_it_printed() -> None:
    output = run_demo()

    numbers = printed(r"Created (.*) history entries\.", output)
    organisations, customers, agents, tags, tickets, messages, events = (
        int(n) for n in re.findall(r"\d+", numbers)
    )
    assert Organisation.objects.count() == organisations == 2
    assert Ticket.objects.count() == tickets == TICKETS
    assert Message.objects.count() == messages
    assert TicketEvent.objects.count() == events
    assert User.objects.filter(role=Role.CUSTOMER).count() == customers == 12
    assert User.objects.filter(role=Role.AGENT).count() == agents == 3
    assert User.objects.filter(role=Role.ADMIN).count() == 1
    assert Tag.objects.count() == tags
    assert 4 <= messages / tickets <= 6  # conversations of about five messages


def test_messages_come_after_their_ticket_in_reading_order() -> None:
    run_demo()
    moment = now()

    for ticket in Ticket.objects.prefetch_related("messages"):
        times = [message.created_at for message in sorted(ticket.messages.all(), key=id_of)]
        assert times, ticket
        assert times == sorted(times)  # ids give the reading order
        assert ticket.created_at == times[0]  # the opening message
        assert times[-1] <= moment
        assert ticket.last_activity_at == ticket.updated_at == times[-1]


def id_of(message: Message) -> int:
    return message.pk


def test_message_authors_are_the_requester_agents_or_system() -> None:
    run_demo()
    agents = set(User.objects.filter(role=Role.AGENT).values_list("pk", flat=True))

    for ticket in Ticket.objects.prefetch_related("messages"):
        conversation = sorted(ticket.messages.all(), key=id_of)
        assert conversation[0].author_id == ticket.created_by_id  # who opened it
        for message in conversation:
            if message.kind == MessageKind.SYSTEM:
                assert message.author_id == SYSTEM_USER_ID
                assert message.body.startswith("This ticket has been ")
            elif message.kind == MessageKind.INTERNAL:
                assert message.author_id in agents
            else:
                assert message.author_id in {ticket.requester_id, ticket.created_by_id} | agents


def test_claims_are_written_like_the_real_use_case() -> None:
    run_demo()

    claimed = Ticket.objects.exclude(status=Status.NEW).select_related("assignee")
    for ticket in claimed:
        assert ticket.assignee is not None
        agent = ticket.assignee
        text = f"This ticket has been claimed by {agent.username} (ID: {agent.pk})."
        assert ticket.messages.filter(kind=MessageKind.SYSTEM, body=text).count() == 1


def test_timestamps_agree_with_the_status() -> None:
    run_demo()

    for ticket in Ticket.objects.all():
        if ticket.status == Status.NEW:
            assert ticket.assignee_id is None
            assert ticket.first_response_at is None
        else:
            assert ticket.assignee_id is not None
            assert ticket.first_response_at is not None
            assert ticket.first_response_at >= ticket.created_at
        if ticket.status == Status.CLOSED:
            assert ticket.closed_at is not None and ticket.resolved_at is not None
            assert ticket.created_at <= ticket.resolved_at <= ticket.closed_at
        elif ticket.status == Status.RESOLVED:
            assert ticket.resolved_at is not None and ticket.closed_at is None
        else:
            assert ticket.resolved_at is None and ticket.closed_at is None
        if ticket.actual_hours is not None:
            assert ticket.status in (Status.RESOLVED, Status.CLOSED)


def test_history_follows_the_conversation() -> None:
    run_demo()

    for ticket in Ticket.objects.prefetch_related("events"):
        events = sorted(ticket.events.all(), key=lambda event: event.pk)
        assert events[0].field == TicketEvent.Field.CREATED
        assert events[0].new_value == ticket.number
        statuses = [e.new_value for e in events if e.field == TicketEvent.Field.STATUS]
        assert (statuses[-1] if statuses else Status.NEW) == ticket.status


def test_resolutions_are_written_as_the_use_cases_write_them() -> None:
    run_demo("--tickets", "300")

    resolved = Ticket.objects.exclude(resolution="")
    assert resolved.exists() and resolved.filter(resolution_public=False).exists()
    for ticket in resolved.prefetch_related("events"):
        # Written when it was resolved; reopening keeps it.
        assert ticket.status in (Status.RESOLVED, Status.CLOSED, Status.REOPENED)
        validators.clean_resolution(ticket.resolution)  # a text the service takes
        events = sorted(ticket.events.all(), key=lambda event: event.pk)
        written = [e for e in events if e.field == TicketEvent.Field.RESOLUTION]
        assert [e.new_value for e in written] == [ticket.resolution]
        # Staff-only exactly when the customer cannot read it (tickets/access.py).
        assert all(e.staff_only != ticket.resolution_public for e in written)
        hidden = [e for e in events if e.field == TicketEvent.Field.RESOLUTION_PUBLIC]
        assert len(hidden) == (0 if ticket.resolution_public else 1)
    assert (
        not TicketEvent.objects.exclude(field__startswith="resolution")
        .filter(staff_only=True)
        .exists()
    )


def test_titles_and_messages_follow_the_rules_and_data_looks_real() -> None:
    run_demo()
    moment = now()

    for title in Ticket.objects.values_list("title", flat=True):
        assert validators.clean_title(title) == title
    for body in Message.objects.values_list("body", flat=True):
        validators.check_message(body)
    titles = set(Ticket.objects.values_list("title", flat=True))
    assert any(not all(ch.isalnum() or ch == " " for ch in title) for title in titles)
    bodies = list(Message.objects.exclude(kind=MessageKind.SYSTEM).values_list("body", flat=True))
    long = [body for body in bodies if len(body) > 512]
    assert any("\n\n" in body and "https://studio.example/" in body for body in long)
    # Long ones from customers and from agents alike.
    assert (
        Message.objects.filter(body__in=long, author__role="customer").exists()
        and Message.objects.filter(body__in=long, author__role="agent").exists()
    )
    overdue = Ticket.objects.filter(status__in=ACTIVE_STATUSES, due_at__lt=moment)
    assert overdue.exists()
    assert Ticket.objects.filter(tags__isnull=False).exists()
    oldest = Ticket.objects.order_by("created_at").first()
    assert oldest is not None and (moment - oldest.created_at).days > 60  # spread over the year
    assert all(
        ticket.organisation_id == ticket.requester.organisation_id
        for ticket in Ticket.objects.select_related("requester")
    )


def test_the_admin_signs_in_with_the_printed_password() -> None:
    output = run_demo()

    password = printed(r"sign in as 'admin' with password '([^']+)'", output)
    admin = user_authenticate(username="admin", password=password)
    assert admin.role == Role.ADMIN


def test_a_demo_customer_signs_in_with_the_printed_password() -> None:
    output = run_demo()

    customer = printed(r"For example customer '([^']+)'", output)
    password = printed(r"has the password '([^']+)'", output)
    assert password == DEMO_PASSWORD
    assert user_authenticate(username=customer, password=password).role == Role.CUSTOMER
    agent = printed(r"and agent '([^']+)'", output)
    assert user_authenticate(username=agent, password=password).role == Role.AGENT


def test_demo_accounts_share_one_password_hash() -> None:
    run_demo()

    people = User.objects.filter(role__in=(Role.CUSTOMER, Role.AGENT))
    assert people.values("password").distinct().count() == 1


def test_admin_password_can_be_chosen_or_is_refused_clearly() -> None:
    run_demo("--admin-password", "studio-admin-2024")
    assert user_authenticate(username="admin", password="studio-admin-2024").is_admin

    User.objects.filter(username="admin").delete()
    with pytest.raises(CommandError, match="Password must be at least 8 characters"):
        run_demo("--admin-password", "short")


def test_running_twice_adds_more_beside_the_first() -> None:
    first = run_demo()
    second = run_demo()

    assert Ticket.objects.count() == 2 * TICKETS
    assert User.objects.filter(role=Role.CUSTOMER).count() == 24
    assert "already existed; it was left alone" in second
    assert "Admin: sign in as" in first
    second_customer = printed(r"For example customer '([^']+)'", second)
    assert user_authenticate(username=second_customer, password=DEMO_PASSWORD)


def test_tickets_opened_after_the_demo_get_fresh_ids() -> None:
    run_demo()
    customer = User.objects.filter(role=Role.CUSTOMER).first()
    assert customer is not None

    opened = services.ticket_open(actor=customer, title="Question after the demo", body="Hi there!")

    assert opened.ticket.pk == TICKETS + 1  # the id sequence moved past the demo's own ids


def test_the_same_seed_gives_the_same_tickets() -> None:
    run_demo("--seed", "42")
    first = list(Ticket.objects.order_by("id").values_list("title", "status", "priority"))
    assert len(first) == TICKETS  # two empty desks would be equal too
    Ticket.objects.all().delete()

    run_demo("--seed", "42")

    again = list(Ticket.objects.order_by("id").values_list("title", "status", "priority"))
    assert again == first


def test_a_larger_second_run_numbers_the_names_it_shares_with_the_first() -> None:
    for _ in range(2):
        call_command(
            "demo", "--tickets", "2000", "--no-merges", stdout=StringIO(), stderr=StringIO()
        )

    assert Ticket.objects.count() == 4000
    names = list(Organisation.objects.values_list("name", flat=True))
    assert len(names) == 32
    assert any(name[-1].isdigit() for name in names)  # "Velvet Salsa Club 2"
    people = User.objects.filter(role__in=(Role.CUSTOMER, Role.AGENT))
    assert people.count() == 2 * (400 + 10)


def test_names_taken_in_the_database_or_the_batch_get_numbers() -> None:
    User.objects.create_user("MiaKim7", "mia@example.com")
    User.objects.create_user("miakim7x2", "mia2@example.com")

    names = _unique(User, "username", ["MiaKim7", "MiaKim7", "Other1"], lambda n, k: f"{n}x{k}")

    assert names == ["MiaKim7x3", "MiaKim7x4", "Other1"]


def test_planning_beside_the_writing_writes_the_same_desk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above one batch the demo plans in planner processes while it writes, without the big
    tables' indexes; the result is the one planning in line gives, ticket numbers and history
    included, and each batch has a random stream of its own."""

    def desk() -> tuple[list[tuple[str, str, str]], list[bool], int]:
        tickets = list(Ticket.objects.order_by("id").values_list("title", "status", "priority"))
        created = TicketEvent.objects.filter(field=TicketEvent.Field.CREATED).order_by("id")
        numbered = [number == f"TKT-{ticket:06d}" for ticket, number in
                    created.values_list("ticket_id", "new_value")]  # fmt: skip
        return tickets, numbered, Message.objects.count()

    monkeypatch.setattr("frontdesk.tickets.demo.BATCH_SIZE", 25)  # three batches
    monkeypatch.setattr("frontdesk.tickets.demo.PLANNERS", 0)  # planned in line
    run_demo("--seed", "7")
    inline = desk()
    Ticket.objects.all().delete()
    Organisation.objects.all().delete()
    User.objects.exclude(pk=SYSTEM_USER_ID).exclude(role=Role.ADMIN).delete()
    monkeypatch.setattr("frontdesk.tickets.demo.PLANNERS", 2)  # planner processes
    run_demo("--seed", "7")
    tickets, numbered, messages = desk()
    assert (tickets, messages) == (inline[0], inline[2])
    assert len(numbered) == TICKETS
    assert all(numbered)
    assert len(set(tickets[:25]) & set(tickets[25:50])) < 5  # not one stream three times


def _schema() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master"
            " WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        return list(cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's indexes and triggers")
def test_a_large_demo_leaves_every_index_and_search_trigger_as_it_found_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A demo larger than the desk loads without indexes and full-text triggers and makes
    them again afterwards, to the character."""
    before = _schema()
    monkeypatch.setattr("frontdesk.tickets.demo.BATCH_SIZE", 25)
    run_demo()
    assert Ticket.objects.count() == TICKETS
    assert _schema() == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's indexes and triggers")
def test_a_planner_that_fails_stops_the_load_and_leaves_the_schema_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch that cannot be planned (in a planner process) stops the demo with the planner's
    own error; the batches before it stay, and the indexes and triggers are back."""
    before = _schema()
    plan_ticket = demo._plan_ticket

    def failing(rng: object, index: int, *args: object) -> object:
        if index == 40:
            raise RuntimeError("planning ticket 40 failed")
        return plan_ticket(rng, index, *args)  # type: ignore[arg-type]

    monkeypatch.setattr("frontdesk.tickets.demo.BATCH_SIZE", 25)
    monkeypatch.setattr("frontdesk.tickets.demo.PLANNERS", 2)
    monkeypatch.setattr("frontdesk.tickets.demo._plan_ticket", failing)
    with pytest.raises(RuntimeError, match="planning ticket 40 failed"):
        run_demo()

    assert Ticket.objects.count() == 25  # the first batch, written before the second failed
    assert _schema() == before


def test_the_demo_is_found_by_search_and_so_is_what_comes_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("frontdesk.tickets.demo.BATCH_SIZE", 25)  # the bulk load's own path
    run_demo()

    def found(query: str) -> set[int]:
        return set(search.ticket_ids_matching(query=query, include_internal=True, limit=1000))

    ticket = Ticket.objects.order_by("-id").first()
    assert ticket is not None
    title_word = max(re.findall(r"[A-Za-z]{5,}", ticket.title), key=len)
    assert ticket.pk in found(f'"{ticket.title}"')
    assert ticket.pk in found(title_word)
    message = Message.objects.filter(ticket=ticket).order_by("-id").first()
    assert message is not None
    assert ticket.pk in found(f'"{" ".join(message.body.split()[:6])}"')
    customer = ticket.requester
    opened = services.ticket_open(actor=customer, title="Zanzibar mirror", body="Quixotic glue")
    assert found("zanzibar") == found("quixotic") == {opened.ticket.pk}  # the triggers are back


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's full-text index")
def test_the_loader_indexes_slices_while_it_waits_and_leaves_one_sound_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While the next batch is being planned the loader indexes what it has written, a slice
    at a time, without merging; at the end the index is whole (FTS5's own check) and merges
    on its own again."""
    slices: list[bool] = []

    def slow_planner(rows: demo.BatchRows) -> demo.BatchRows:
        # The writer finds no batch ready and indexes instead: long enough that it does so on
        # a busy machine too, where writing a batch may take longer than planning the next.
        time.sleep(0.3)
        return rows

    def some() -> bool:
        slices.append(search_index.search_index_some())
        return slices[-1]

    monkeypatch.setattr("frontdesk.tickets.demo.BATCH_SIZE", 20)
    monkeypatch.setattr("frontdesk.tickets.search_index.SLICE_ROWS", 7)
    monkeypatch.setattr("frontdesk.tickets.demo.search_index_some", some)
    rows = demo._rows
    monkeypatch.setattr("frontdesk.tickets.demo._rows", lambda *a: slow_planner(rows(*a)))
    run_demo()

    assert slices.count(True) >= 3  # indexed in slices during the load, not only at the end
    with connection.cursor() as cursor:
        for index in ("tickets_ticket_fts", "tickets_message_fts"):
            cursor.execute(f"INSERT INTO {index} ({index}) VALUES ('integrity-check')")  # noqa: S608
            cursor.execute(f"SELECT v FROM {index}_config WHERE k = 'automerge'")  # noqa: S608
            assert cursor.fetchone() == (search_index.AUTOMERGE_DEFAULT,)
    last = Message.objects.order_by("-id").first()
    assert last is not None
    phrase = " ".join(last.body.split()[:5])
    assert last.ticket_id in search.ticket_ids_matching(
        query=f'"{phrase}"', include_internal=True, limit=1000
    )


def test_tickets_opened_while_the_demo_writes_push_its_numbers_along(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The demo plans its ticket ids ahead; a ticket someone opens meanwhile takes one of
    them, and the next batches move past it, numbers and conversations with them."""
    monkeypatch.setattr("frontdesk.tickets.demo.BATCH_SIZE", 25)
    write = demo._write
    written: list[int] = []

    def write_after_someone(rows: demo.BatchRows) -> tuple[int, int]:
        if written:
            customer = User.objects.filter(role=Role.CUSTOMER).first()
            assert customer is not None
            services.ticket_open(actor=customer, title="Meanwhile", body="Opened meanwhile")
        written.append(rows.first)
        return write(rows)

    monkeypatch.setattr("frontdesk.tickets.demo._write", write_after_someone)
    run_demo()

    assert Ticket.objects.count() == TICKETS + 2
    for ticket in Ticket.objects.exclude(title="Meanwhile").prefetch_related("messages"):
        created = ticket.events.get(field=TicketEvent.Field.CREATED)
        assert created.new_value == Ticket.number_for(ticket.pk)
        first = min(ticket.messages.all(), key=id_of)
        assert first.created_at == ticket.created_at
    assert not Message.objects.filter(ticket__title="Meanwhile").exclude(body="Opened meanwhile")
