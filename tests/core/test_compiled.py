"""Reads compiled once (core/compiled.py) answer what their querysets answer, for every member
of the cast, and a queryset that cannot be compiled once is refused."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.db.models.signals import post_save
from django.db.transaction import TransactionManagementError

from frontdesk.accounts.models import User
from frontdesk.core.clock import now
from frontdesk.core.compiled import CompiledRead, CompiledUpdate, NotCompilable, save_fields
from frontdesk.core.errors import NotFound
from frontdesk.tickets import access, selectors, services
from frontdesk.tickets.models import Message, MessageKind, Status, Ticket
from tests.conftest import open_ticket


@pytest.fixture
def desk(customer: User, other_customer: User, agent: User, other_agent: User) -> list[Ticket]:
    mine = open_ticket(customer, messages=[(agent, "A reply.")], assignee=agent)
    services.message_post(actor=agent, ticket_id=mine.pk, body="A note.", internal=True)
    done = open_ticket(customer, assignee=other_agent, status=Status.CLOSED)
    theirs = open_ticket(other_customer)
    return [mine, done, theirs]


@pytest.fixture
def cast(admin: User, agent: User, other_agent: User, customer: User, other_customer: User):
    return [admin, agent, other_agent, customer, other_customer]


def _ids(rows: list) -> list[int]:
    return [row.pk for row in rows]


@pytest.mark.django_db
def test_own_lists_match_their_querysets(desk: list[Ticket], cast: list[User]) -> None:
    fields = selectors.ROW_FIELDS
    for user in cast:
        active = selectors.ticket_rows_active_for(user=user)
        expected = list(selectors._active_for(user, None).values_list(*fields))
        assert active == expected
        done = selectors.ticket_rows_done_for(user=user)
        expected = [
            row[:-1] for row in selectors._done_for(user, None).values_list(*fields, "done_at")
        ]
        assert done == expected
        assert [row.pk for row in done] == _ids(selectors.tickets_done_for(user=user))
        assert all(isinstance(row.created_at, datetime) for row in active + done)
    assert [row.pk for row in selectors.ticket_rows_active_for(user=cast[1])] == [desk[0].pk]
    row = selectors.ticket_rows_done_for(user=cast[3])[0]
    assert (row.pk, row.status, row.closed_at) == (desk[1].pk, Status.CLOSED, desk[1].closed_at)


@pytest.mark.django_db
def test_conversation_matches_its_queryset(desk: list[Ticket], cast: list[User]) -> None:
    for user in cast:
        for ticket in desk:
            compiled = selectors.conversation_newest_first(user=user, ticket=ticket)
            expected = selectors.conversation(user=user, ticket=ticket).order_by("-id")
            assert _ids(compiled) == _ids(list(expected))
            assert all(isinstance(message.created_at, datetime) for message in compiled)
    agent, customer = cast[1], cast[3]
    # The requester reads the reply but not the internal note.
    kinds = {m.kind for m in selectors.conversation_newest_first(user=customer, ticket=desk[0])}
    assert MessageKind.PUBLIC in kinds and MessageKind.INTERNAL not in kinds
    kinds = {m.kind for m in selectors.conversation_newest_first(user=agent, ticket=desk[0])}
    assert MessageKind.INTERNAL in kinds


@pytest.mark.django_db
def test_a_ticket_pages_reads_match_their_querysets(
    desk: list[Ticket], cast: list[User], agent: User
) -> None:
    """The thread (ids, messages among them or all, their files), the history and the tags,
    as the page read them before they were compiled."""
    photo = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")
    note = SimpleUploadedFile("note.txt", b"hello", "text/plain")
    services.message_post(actor=agent, ticket_id=desk[0].pk, body="Two files.", files=[photo])
    services.message_post(
        actor=agent, ticket_id=desk[0].pk, body="Staff eyes.", internal=True, files=[note]
    )
    services.ticket_update(actor=agent, ticket_id=desk[0].pk, changes={"tags": ["zeta", "alpha"]})
    for user in cast:
        for ticket in desk:
            expected = list(
                selectors.conversation(user=user, ticket=ticket)
                .select_related("author")
                .prefetch_related("attachments")
            )
            ids = selectors.conversation_ids(user=user, ticket=ticket)
            assert ids == _ids(expected)
            every = list(Message.objects.filter(ticket=ticket).values_list("id", flat=True))
            for among in (None, every[:1], every[-2:], every):
                shown = selectors.conversation_shown(user=user, ticket=ticket, ids=among)
                wanted = [m for m in expected if among is None or m.pk in among]
                assert _ids(shown) == _ids(wanted)
                assert [m.author.username for m in shown] == [m.author.username for m in wanted]
                assert [_ids(m.files) for m in shown] == [
                    _ids(list(m.attachments.all())) for m in wanted
                ]
            history = selectors.ticket_history(user=user, ticket=ticket)
            events = list(access.events_visible_to(user).filter(ticket=ticket).order_by("id"))
            assert [entry.event.pk for entry in history] == _ids(events)
            assert [e.event.actor_id for e in history] == [e.actor_id for e in events]
        names = selectors.ticket_tag_names(ticket=desk[0])
        assert names == [tag.name for tag in desk[0].tags.all()] == ["alpha", "zeta"]
    files = selectors.conversation_shown(user=cast[3], ticket=desk[0])
    assert [f.original_name for m in files for f in m.files] == ["photo.png"]  # not the note's
    files = selectors.conversation_shown(user=agent, ticket=desk[0])
    assert [f.original_name for m in files for f in m.files] == ["photo.png", "note.txt"]


@pytest.mark.django_db
def test_ticket_get_sees_what_the_gate_allows(desk: list[Ticket], cast: list[User]) -> None:
    for user in cast:
        for ticket in desk:
            if access.may_see_ticket(user, ticket):
                found = access.ticket_get(user=user, ticket_id=ticket.pk)
                assert found.pk == ticket.pk
                assert found.requester.pk == ticket.requester_id  # joined, not fetched
                assert found.created_at == ticket.created_at
            else:
                with pytest.raises(NotFound):
                    access.ticket_get(user=user, ticket_id=ticket.pk)


@pytest.mark.django_db
def test_a_read_whose_parameters_change_by_themselves_is_refused() -> None:
    read = CompiledRead(lambda shape, pk: Ticket.objects.filter(pk=pk, created_at__lt=now()))
    with pytest.raises(NotCompilable):
        read(None, 1)


@pytest.mark.django_db
def test_a_read_whose_sql_changes_with_the_values_is_refused() -> None:
    read = CompiledRead(lambda shape, pk: Ticket.objects.filter(pk=pk if pk % 3 else None))
    with pytest.raises(NotCompilable):
        read(None, 1)


@pytest.mark.django_db(transaction=True)
def test_a_locked_read_outside_a_transaction_is_refused_as_django_would(customer: User) -> None:
    ticket = open_ticket(customer)
    with pytest.raises(TransactionManagementError):
        access.ticket_get(user=customer, ticket_id=ticket.pk, for_update=True)
    with transaction.atomic():
        assert access.ticket_get(user=customer, ticket_id=ticket.pk, for_update=True) == ticket


@pytest.mark.django_db
def test_values_rows_datetimes_and_lists_match_their_querysets(
    desk: list[Ticket], cast: list[User]
) -> None:
    def build(count: int, since: datetime, *ids: int):  # type: ignore[no-untyped-def]
        return (
            Ticket.objects.filter(pk__in=ids, created_at__gte=since)
            .order_by("-id")
            .values_list("pk", "status", "created_at")
        )

    read = CompiledRead(build)
    ids = [ticket.pk for ticket in desk]
    for since in (desk[0].created_at, desk[-1].created_at, now()):
        for some in (ids, ids[:1], ids[1:]):
            assert read(len(some), since, *some) == list(build(len(some), since, *some))
    assert read(len(ids), desk[0].created_at, *ids)[0][2] == desk[-1].created_at


@pytest.mark.django_db
def test_a_read_keeps_at_most_its_plans_and_answers_the_same(desk: list[Ticket]) -> None:
    read = CompiledRead(
        lambda status, pk: Ticket.objects.filter(pk__gte=pk, status=status).values_list("pk"),
        most=2,
    )
    for status in (Status.NEW, Status.CLOSED, Status.NEW, "open", Status.CLOSED):
        assert read(status, 0) == list(Ticket.objects.filter(status=status).values_list("pk"))
        assert 1 <= len(read.plans) <= 2


@pytest.mark.django_db
def test_a_flat_values_list_is_refused() -> None:
    read = CompiledRead(lambda shape, pk: Ticket.objects.filter(pk=pk).values_list("pk", flat=True))
    with pytest.raises(NotCompilable):
        read(None, 1)


@pytest.mark.django_db
def test_an_update_sets_what_its_queryset_would(desk: list[Ticket]) -> None:
    def build(shape: None, status: str, moment: datetime, *ids: int):  # type: ignore[no-untyped-def]
        query = Ticket.objects.filter(pk__in=ids).exclude(status=status)
        return query, {"status": status, "last_activity_at": moment}

    update = CompiledUpdate(build)
    moment = now()
    assert update(None, Status.PENDING, moment, desk[0].pk, desk[1].pk) == 2
    assert update(None, Status.PENDING, moment, desk[0].pk, desk[2].pk) == 1  # one was already
    for ticket in desk:
        ticket.refresh_from_db()
        assert ticket.status == Status.PENDING and ticket.last_activity_at == moment


@pytest.mark.django_db
def test_an_update_through_a_join_is_refused() -> None:
    update = CompiledUpdate(
        lambda shape, pk: (Ticket.objects.filter(requester__pk=pk, requester__username="x"), {})
    )
    with pytest.raises(NotCompilable):
        update(None, 1)


@pytest.mark.django_db
def test_page_rows_match_their_queryset(desk: list[Ticket], cast: list[User]) -> None:
    """A list page's tickets (tickets/paging.PageRows): the REST list's for everyone, the
    workspace's for staff, with their decorations, as the plain queryset gives them."""
    from frontdesk.tickets import api_selectors, paging, selectors

    ids = [ticket.pk for ticket in desk]
    for user in cast:
        kinds = [(api_selectors._api_rows, ("description",))]
        if user.is_staff_member:
            kinds.append((selectors._workspace_rows, ("unread", "preview")))
        for rows, names in kinds:
            for keys in (paging.BY_CREATED_DESC, paging.BY_PRIORITY, paging.BY_DONE_DESC):
                compiled = rows(user, keys, ids)
                plain = rows.decorate(Ticket.objects.filter(pk__in=ids), user)
                plain = plain.annotate(**paging._sort_values(keys)).order_by(
                    *paging._ordering(keys)
                )
                expected = list(plain.select_related("requester", "assignee"))
                assert _ids(compiled) == _ids(expected)
                for got, want in zip(compiled, expected, strict=True):
                    assert [getattr(got, n) for n in names] == [getattr(want, n) for n in names]
                    assert got.requester.username == want.requester.username


@pytest.mark.django_db
def test_saved_fields_are_what_model_save_would_write(
    desk: list[Ticket], agent: User, django_assert_num_queries
) -> None:
    ticket, other = desk[0], desk[2]
    ticket.status, ticket.assignee, ticket.resolved_at = Status.PENDING, None, now()
    ticket.title = "Changed here, not saved"  # not among the fields: left as stored
    with django_assert_num_queries(1):
        save_fields(ticket, ["status", "assignee", "resolved_at"])
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.status, stored.assignee_id) == (Status.PENDING, None)
    assert stored.resolved_at == ticket.resolved_at
    assert stored.title != ticket.title
    assert Ticket.objects.get(pk=other.pk).status == other.status  # one row only
    ticket.assignee = agent
    save_fields(ticket, ["assignee"])
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == agent.pk


@pytest.mark.django_db
def test_saving_fields_of_a_row_that_is_gone_fails_as_model_save_does(desk: list[Ticket]) -> None:
    ticket = desk[2]
    Ticket.objects.filter(pk=ticket.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        save_fields(ticket, ["status"])


@pytest.mark.django_db
def test_a_model_with_save_receivers_is_saved_through_model_save(desk: list[Ticket]) -> None:
    heard: list[tuple[int, frozenset[str] | None]] = []

    def listener(sender, instance, update_fields, **kwargs) -> None:
        heard.append((instance.pk, update_fields))

    post_save.connect(listener, sender=Ticket, dispatch_uid="test-save-fields")
    try:
        ticket = desk[0]
        ticket.status = Status.PENDING
        save_fields(ticket, ["status"])
    finally:
        post_save.disconnect(dispatch_uid="test-save-fields", sender=Ticket)
    assert heard == [(ticket.pk, frozenset({"status"}))]
    assert Ticket.objects.get(pk=ticket.pk).status == Status.PENDING


@pytest.mark.django_db
def test_a_profile_read_matches_its_queryset(cast: list[User]) -> None:
    from frontdesk.accounts import selectors as accounts

    for user_id in [0, *(person.pk for person in cast)]:
        compiled = accounts.user_get(user_id=user_id)
        expected = User.objects.get(pk=user_id)
        fields = [field.attname for field in User._meta.concrete_fields]
        assert [getattr(compiled, f) for f in fields] == [getattr(expected, f) for f in fields]
        assert compiled._state.adding is False and compiled._state.db == "default"
    with pytest.raises(NotFound):
        accounts.user_get(user_id=max(person.pk for person in cast) + 1)
    assert len(accounts._user_by_id.plans) == 1  # one SQL for every id, compiled once
