"""A new row saved through its INSERT compiled once (core/compiled.py: ``save_new``) is the row,
the instance and the signals ``Model.save`` gives; what the plan cannot write the same way goes
through ``Model.save``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, Value
from django.db.models.signals import post_save, pre_save
from django.db.transaction import TransactionManagementError

from frontdesk.accounts.models import User
from frontdesk.core import compiled
from frontdesk.notifications.models import OutboxMail
from frontdesk.tickets.models import Message, MessageKind, Tag, Ticket, TicketEvent
from tests.conftest import Clock, open_ticket

UNIQUE = ("id", "message_id_header")
AT = datetime(2026, 12, 5, 3, 30, 15, 123456, tzinfo=UTC)


def _examples(customer: User, agent: User) -> list[tuple[type[Model], dict[str, Any]]]:
    ticket = open_ticket(customer)
    return [
        (Message, {"ticket": ticket, "author": agent, "body": "Röntgen 🎉 ok", "created_at": AT}),
        (
            Message,
            {"ticket": ticket, "author_id": 0, "body": "x", "kind": MessageKind.SYSTEM},
        ),
        (
            TicketEvent,
            {
                "ticket": ticket,
                "actor": None,
                "field": TicketEvent.Field.STATUS,
                "old_value": "new",
                "new_value": "open",
                "staff_only": True,
                "created_at": AT,
            },
        ),
        (Ticket, {"title": "A title", "requester": customer, "created_by": agent}),
        (
            OutboxMail,
            {
                "kind": "reply",
                "recipient": customer,
                "to_address": customer.email,
                "ticket": ticket,
                "data": {"say": ["ä", 1, None]},
                "message_id_header": "<a@b>",
            },
        ),
    ]


def _stored(model: type[Model], pk: int) -> dict[str, Any]:
    row = model.objects.filter(pk=pk).values()[0]
    return {name: value for name, value in row.items() if name not in UNIQUE}


def _fields(instance: Model) -> dict[str, Any]:
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.attname not in UNIQUE
    }


@pytest.mark.django_db
def test_a_new_row_is_the_row_and_the_instance_model_save_gives(
    customer: User, agent: User, clock: Clock
) -> None:
    for model, values in _examples(customer, agent):
        by_django = model.objects.create(**values)
        if model is OutboxMail:  # unique: each mail's own
            values = {**values, "message_id_header": "<b@b>"}
        by_plan = compiled.create(model, **values)
        assert by_plan.pk is not None and by_plan.pk != by_django.pk
        assert _stored(model, by_plan.pk) == _stored(model, by_django.pk), model
        assert _fields(by_plan) == _fields(by_django), model
        assert (by_plan._state.adding, by_plan._state.db) == (False, "default")
        if "created_at" in values:
            assert model.objects.get(pk=by_plan.pk).created_at == AT
    event = TicketEvent.objects.filter(staff_only=True).latest("id")
    assert event.staff_only is True  # the column the INSERT returns, converted as Django does


@pytest.fixture
def heard() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    signals: list[tuple[str, dict[str, Any]]] = []

    def listener(name: str):  # type: ignore[no-untyped-def]
        def hear(sender: type[Model], instance: Model, **kwargs: Any) -> None:
            kwargs.pop("signal")
            state = (instance.pk is not None, instance._state.adding)
            signals.append((name, {"sender": sender, "state": state, **kwargs}))

        return hear

    before, after = listener("pre_save"), listener("post_save")
    pre_save.connect(before, sender=Message, dispatch_uid="test-save-new-pre")
    post_save.connect(after, sender=Message, dispatch_uid="test-save-new-post")
    yield signals
    pre_save.disconnect(sender=Message, dispatch_uid="test-save-new-pre")
    post_save.disconnect(sender=Message, dispatch_uid="test-save-new-post")


@pytest.mark.django_db
def test_the_signals_are_the_ones_model_save_sends(
    customer: User, agent: User, heard: list[tuple[str, dict[str, Any]]]
) -> None:
    ticket = open_ticket(customer)
    heard.clear()
    Message.objects.create(ticket=ticket, author=agent, body="By Django.")
    by_django = list(heard)
    heard.clear()
    compiled.create(Message, ticket=ticket, author=agent, body="By the plan.")
    assert heard == by_django
    assert [name for name, _ in heard] == ["pre_save", "post_save"]
    assert heard[1][1]["state"] == (True, False) and heard[1][1]["created"] is True


@pytest.mark.django_db
def test_what_the_plan_cannot_write_goes_through_model_save(
    customer: User, agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = open_ticket(customer)
    # A value that is an expression: compiled by Model.save.
    message = compiled.create(Message, ticket=ticket, author=agent, body=Value("Said by SQL"))
    assert Message.objects.get(pk=message.pk).body == "Said by SQL"

    # A model with a save() of its own: that save runs.
    saved: list[str] = []

    def own_save(self: Tag, *args: Any, **kwargs: Any) -> None:
        saved.append(self.name)
        Model.save(self, *args, **kwargs)

    monkeypatch.setattr(Tag, "save", own_save)
    monkeypatch.setattr(compiled, "_INSERTS", {})
    tag = compiled.create(Tag, name="printer")
    assert saved == ["printer"] and Tag.objects.get(pk=tag.pk).name == "printer"


@pytest.mark.django_db
def test_a_failed_insert_spoils_the_transaction_as_model_save_does(customer: User) -> None:
    compiled.create(Tag, name="billing")
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            compiled.create(Tag, name="billing")
        with pytest.raises(TransactionManagementError):
            Tag.objects.count()
    assert Tag.objects.filter(name="billing").count() == 1


@pytest.mark.django_db
def test_one_statement_a_row(customer: User, agent: User, django_assert_num_queries: Any) -> None:
    ticket = open_ticket(customer)
    post_save.receivers, saved_receivers = [], post_save.receivers
    post_save.sender_receivers_cache.clear()
    try:
        with django_assert_num_queries(1) as captured:
            compiled.create(Message, ticket=ticket, author=agent, body="One INSERT.")
    finally:
        post_save.receivers = saved_receivers
        post_save.sender_receivers_cache.clear()
    assert captured.captured_queries[0]["sql"].startswith("INSERT")
    assert "RETURNING" in captured.captured_queries[0]["sql"] or connection.vendor != "sqlite"
