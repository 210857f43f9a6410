"""Safe retries: ``Idempotency-Key`` on the SupportMe API's and the REST API's writes
(core/idempotency.py). Every client here enforces CSRF, as real clients meet the APIs."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, RequestFactory

from frontdesk.accounts.models import User
from frontdesk.accounts.tokens import access_token_issue
from frontdesk.core import idempotency
from frontdesk.core.models import IdempotencyKey
from frontdesk.tickets import services
from frontdesk.tickets.models import Message, Ticket
from tests.conftest import Clock, open_ticket

pytestmark = pytest.mark.django_db
REST = "/api/ticketing"


def post(
    user: User | None,
    path: str,
    body: dict[str, Any],
    key: str | None,
    *,
    method: str = "post",
    client: Client | None = None,
) -> Any:
    headers = {"Authorization": f"Bearer {access_token_issue(user)}"} if user else {}
    if key is not None:
        headers["Idempotency-Key"] = key
    client = client or Client(enforce_csrf_checks=True)
    return getattr(client, method)(
        path, data=json.dumps(body), content_type="application/json", headers=headers
    )


# --- SupportMe ------------------------------------------------------------------------------


def test_a_supportme_reply_sent_twice_with_one_key_is_posted_once(customer: User) -> None:
    ticket = open_ticket(customer)
    before = Message.objects.filter(ticket=ticket).count()

    first = post(customer, f"/ticket/{ticket.pk}", {"message": "Still cold."}, "retry-1")
    again = post(customer, f"/ticket/{ticket.pk}", {"message": "Still cold."}, "retry-1")

    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json"
    assert again[idempotency.REPLAYED] == "true"
    assert idempotency.REPLAYED not in first
    assert Message.objects.filter(ticket=ticket).count() == before + 1


def test_without_the_header_supportme_posts_every_time(customer: User) -> None:
    ticket = open_ticket(customer)
    before = Message.objects.filter(ticket=ticket).count()
    for _ in range(2):
        answer = post(customer, f"/ticket/{ticket.pk}", {"message": "Still cold."}, None)
        assert answer.status_code == 200
        assert idempotency.REPLAYED not in answer
    assert Message.objects.filter(ticket=ticket).count() == before + 2
    assert not IdempotencyKey.objects.exists()


def test_the_same_key_with_another_body_is_422_and_changes_nothing(customer: User) -> None:
    ticket = open_ticket(customer)
    post(customer, f"/ticket/{ticket.pk}", {"message": "Still cold."}, "k")
    count = Message.objects.filter(ticket=ticket).count()

    other = post(customer, f"/ticket/{ticket.pk}", {"message": "Now warm."}, "k")

    assert other.status_code == 422
    assert other.json() == {"error": idempotency.OTHER_REQUEST}
    assert Message.objects.filter(ticket=ticket).count() == count


def test_a_new_ticket_is_opened_once(customer: User) -> None:
    body = {"ticket_title": "Printer jams", "message": "It jams every morning."}
    first = post(customer, "/ticket/new", body, "open-1")
    again = post(customer, "/ticket/new", body, "open-1")
    assert first.status_code == 200
    assert again.json() == first.json()
    assert Ticket.objects.filter(requester=customer, title="Printer jams").count() == 1


@pytest.mark.parametrize("key", ["", " ", "a" * 256, "é", "two words"])
def test_a_malformed_key_is_400_on_both_faces(customer: User, key: str) -> None:
    ticket = open_ticket(customer)
    count = Message.objects.count()

    supportme = post(customer, f"/ticket/{ticket.pk}", {"message": "x"}, key)
    rest = post(customer, f"{REST}/tickets/{ticket.pk}/add_comment/", {"content": "x"}, key)

    assert supportme.status_code == rest.status_code == 400
    assert supportme.json() == {"error": idempotency.BAD_KEY}
    assert rest.json()["error"]["message"] == idempotency.BAD_KEY
    assert Message.objects.count() == count


def test_a_key_of_255_characters_is_accepted(customer: User) -> None:
    ticket = open_ticket(customer)
    answer = post(customer, f"/ticket/{ticket.pk}", {"message": "Still cold."}, "k" * 255)
    assert answer.status_code == 200


def test_signing_in_keeps_no_answer(customer: User) -> None:
    """A token is never stored: /login and /register run as without a key."""
    body = {"username": customer.username, "password": "securepassword"}
    answer = post(None, "/login", body, "login-1")
    assert answer.status_code == 200
    assert not IdempotencyKey.objects.exists()


# --- REST -----------------------------------------------------------------------------------


def test_a_rest_comment_sent_twice_is_added_once(agent: User, customer: User) -> None:
    ticket = open_ticket(customer)
    path = f"{REST}/tickets/{ticket.pk}/add_comment/"
    before = Message.objects.filter(ticket=ticket).count()

    first = post(agent, path, {"content": "On my way."}, "c-1")
    again = post(agent, path, {"content": "On my way."}, "c-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again[idempotency.REPLAYED] == "true"
    assert Message.objects.filter(ticket=ticket).count() == before + 1


def test_a_rest_ticket_is_created_once_and_another_body_is_422(customer: User) -> None:
    body = {"subject": "Wifi", "description": "Down on floor 2."}
    first = post(customer, f"{REST}/tickets/", body, "t-1")
    again = post(customer, f"{REST}/tickets/", body, "t-1")
    other = post(customer, f"{REST}/tickets/", {**body, "subject": "Wifi!"}, "t-1")
    elsewhere = post(customer, f"{REST}/comments/", {"ticket": 1, "content": "x"}, "t-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert other.status_code == elsewhere.status_code == 422
    assert other.json()["error"] == {
        "code": "idempotency_key_reused",
        "message": idempotency.OTHER_REQUEST,
        "fields": {},
    }
    assert Ticket.objects.filter(requester=customer, title__startswith="Wifi").count() == 1


def test_a_delete_replayed_answers_as_the_first_did(agent: User, customer: User) -> None:
    ticket = open_ticket(customer)
    comment = post(agent, f"{REST}/tickets/{ticket.pk}/add_comment/", {"content": "x"}, None)
    path = f"{REST}/comments/{comment.json()['id']}/"
    first = post(agent, path, {}, "d-1", method="delete")
    again = post(agent, path, {}, "d-1", method="delete")
    assert first.status_code == again.status_code == 204
    assert again.content == b""
    assert again.get("Content-Type") == first.get("Content-Type")


def test_keys_are_per_user(customer: User, other_customer: User) -> None:
    body = {"subject": "Same key", "description": "Two people."}
    mine = post(customer, f"{REST}/tickets/", body, "shared")
    theirs = post(other_customer, f"{REST}/tickets/", body, "shared")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert Ticket.objects.filter(title="Same key").count() == 2


def test_a_session_without_its_csrf_token_is_refused_not_replayed(customer: User) -> None:
    """Keys belong to a caller the API admits: a cookie session without the CSRF header is
    refused (403) every time, not answered from a stored write."""
    body = {"subject": "Wifi", "description": "Down."}
    post(customer, f"{REST}/tickets/", body, "s-1")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(customer)
    answer = browser.post(
        f"{REST}/tickets/",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": "s-1"},
    )
    assert answer.status_code == 403
    assert idempotency.REPLAYED not in answer


# --- in flight, failures, expiry --------------------------------------------------------------


def test_a_key_still_in_flight_is_409_until_its_process_is_presumed_dead(
    customer: User, clock: Clock
) -> None:
    ticket = open_ticket(customer)
    path = f"/ticket/{ticket.pk}"
    body = {"message": "Hello, anyone there?"}
    fingerprint = _fingerprint_of(path, body)
    IdempotencyKey.objects.create(
        user=customer,
        key="held",
        fingerprint=fingerprint,
        attempt="someone-else",
        created_at=clock(),
        started_at=clock(),
    )
    count = Message.objects.count()

    busy = post(customer, path, body, "held")
    assert busy.status_code == 409
    assert busy["Retry-After"] == "1"
    assert busy.json() == {"error": idempotency.IN_PROGRESS}
    assert Message.objects.count() == count

    clock.advance(idempotency.IN_FLIGHT.total_seconds() + 1)
    taken_over = post(customer, path, body, "held")
    assert taken_over.status_code == 200
    assert Message.objects.count() == count + 1


def _fingerprint_of(path: str, body: dict[str, Any]) -> str:
    request = RequestFactory().post(path, data=json.dumps(body), content_type="application/json")
    return idempotency._fingerprint(request)


def test_a_failed_write_keeps_no_answer_and_the_retry_runs(
    customer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = open_ticket(customer)
    original = services.message_post

    def broken(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)  # the message is written, then the request fails
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "message_post", broken)
    count = Message.objects.count()
    failed = post(
        customer,
        f"/ticket/{ticket.pk}",
        {"message": "Only once, please."},
        "f-1",
        client=Client(raise_request_exception=False),
    )
    assert failed.status_code == 500
    assert Message.objects.count() == count  # rolled back with the key's record
    assert not IdempotencyKey.objects.exists()

    monkeypatch.setattr(services, "message_post", original)
    retried = post(customer, f"/ticket/{ticket.pk}", {"message": "Only once, please."}, "f-1")
    assert retried.status_code == 200
    assert idempotency.REPLAYED not in retried
    assert Message.objects.count() == count + 1


def test_a_key_expires_after_a_day_and_is_pruned(customer: User, clock: Clock) -> None:
    body = {"subject": "Old", "description": "From yesterday."}
    post(customer, f"{REST}/tickets/", body, "daily")
    clock.advance(idempotency.KEEP.total_seconds() - 60)
    assert post(customer, f"{REST}/tickets/", body, "daily")[idempotency.REPLAYED] == "true"

    clock.advance(120)
    fresh = post(customer, f"{REST}/tickets/", {**body, "subject": "New"}, "daily")
    assert fresh.status_code == 201
    assert idempotency.REPLAYED not in fresh
    assert Ticket.objects.filter(title__in=["Old", "New"]).count() == 2

    post(customer, f"{REST}/tickets/", {**body, "subject": "Other"}, "another")
    clock.advance(idempotency.KEEP.total_seconds() + 1)
    assert idempotency.idempotency_keys_prune() == 2
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_is_409_while_the_first_runs(customer: User) -> None:
    """Two real threads: the first holds its write open; the duplicate is told 409 at once."""
    ticket = open_ticket(customer)
    entered, release = threading.Event(), threading.Event()
    original = services.message_post

    def slow(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        assert release.wait(10)
        return original(*args, **kwargs)

    answers: list[Any] = []
    path, body = f"/ticket/{ticket.pk}", {"message": "Are you there?"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "message_post", slow)
        first = threading.Thread(target=lambda: answers.append(post(customer, path, body, "c")))
        first.start()
        try:
            assert entered.wait(10)
            duplicate = post(customer, path, body, "c")
        finally:
            release.set()
            first.join(10)
    assert duplicate.status_code == 409
    assert answers[0].status_code == 200
    assert Message.objects.filter(ticket=ticket, body="Are you there?").count() == 1
    assert post(customer, path, body, "c").content == answers[0].content


def test_the_openapi_document_names_the_header_on_writes_only(db: None) -> None:
    document = Client().get(f"{REST}/openapi.json").json()
    create = document["paths"][f"{REST}/tickets/"]["post"]
    listing = document["paths"][f"{REST}/tickets/"]["get"]
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]
    assert {"409", "422"} <= set(create["responses"])
    assert "Idempotency-Key" not in [p["name"] for p in listing.get("parameters", [])]
    assert timedelta(hours=24) == idempotency.KEEP
