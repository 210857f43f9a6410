"""Limits on what costs disk and attention: a daily upload budget per person, a reply rate per
customer, and a free-disk guard, on every face (pages, REST, SupportMe, mail intake)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django.fixtures import Settings

from frontdesk.accounts.models import User
from frontdesk.accounts.tokens import access_token_issue
from frontdesk.core.errors import (
    InsufficientStorage,
    NotAllowed,
    RateLimited,
    TooLarge,
    http_status,
)
from frontdesk.tickets import files, services
from frontdesk.tickets.files import DISK_SHORT
from frontdesk.tickets.models import Attachment, Message, Ticket
from tests.api.helpers import BASE, Api, error_of
from tests.conftest import Clock

pytestmark = pytest.mark.limits
KB = 1024


@pytest.fixture
def day_start(clock: Clock) -> Clock:
    clock.current = clock.current.replace(hour=0, minute=0, second=0, microsecond=0)
    return clock


@pytest.fixture
def small_budget(settings: Settings, day_start: Clock) -> Clock:
    settings.FRONTDESK_UPLOAD_BYTES_PER_DAY = 10 * KB
    settings.FRONTDESK_UPLOAD_BYTES_PER_DAY_STAFF = 0
    return day_start


def stored_files(settings: Settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def api_upload(user: User, ticket: Ticket, name: str, size: int) -> Any:
    api = Api(user)
    data = {"file": SimpleUploadedFile(name, b"x" * size, content_type="text/plain")}
    return api.client.post(f"{BASE}/tickets/{ticket.pk}/add_attachment/", data, headers=api.headers)


def browser(user: User, ticket: Ticket) -> tuple[Client, str]:
    """A signed-in browser that checks CSRF, and the token the ticket page gave it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get(f"/ticket/{ticket.pk}").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    return client, token.group(1)


def page_reply(client: Client, token: str, ticket: Ticket, message: str, **files: int) -> Any:
    uploads = [SimpleUploadedFile(name, b"y" * size) for name, size in files.items()]
    data: dict[str, Any] = {"csrfmiddlewaretoken": token, "action": "reply", "message": message}
    if uploads:
        data["files"] = uploads
    return client.post(f"/ticket/{ticket.pk}", data)


def supportme_reply(user: User, ticket: Ticket, message: str) -> Any:
    return Client(enforce_csrf_checks=True).post(
        f"/ticket/{ticket.pk}",
        json.dumps({"message": message}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access_token_issue(user)}",
    )


# --- the daily upload budget ------------------------------------------------------------------


def test_rest_uploads_stop_at_the_daily_budget(
    customer: User, ticket: Ticket, small_budget: Clock, settings: Settings
) -> None:
    assert api_upload(customer, ticket, "a.txt", 6 * KB).status_code == 201
    assert api_upload(customer, ticket, "b.txt", 4 * KB).status_code == 201
    before = (Attachment.objects.count(), Message.objects.count(), len(stored_files(settings)))
    small_budget.advance(3600)
    response = api_upload(customer, ticket, "c.txt", 1)
    assert response.status_code == 429
    error = error_of(response)
    assert error["code"] == "rate_limited"
    assert error["message"].replace("\xa0", " ") == (
        "You have reached your upload allowance of 10 KB a day; the file was not saved. "
        "Try again in 23 hours."
    )
    assert response["Retry-After"] == str(23 * 3600)
    after = (Attachment.objects.count(), Message.objects.count(), len(stored_files(settings)))
    assert after == before
    small_budget.advance(23 * 3600)  # the next day
    assert api_upload(customer, ticket, "d.txt", 6 * KB).status_code == 201


def test_page_reply_over_the_budget_is_429_and_sends_nothing(
    customer: User, ticket: Ticket, small_budget: Clock
) -> None:
    client, token = browser(customer, ticket)
    response = page_reply(client, token, ticket, "Two files.", **{"a.txt": 6 * KB, "b.txt": 6 * KB})
    assert response.status_code == 429
    assert "upload allowance of 10 KB a day" in response.content.decode().replace("\xa0", " ")
    assert not Message.objects.filter(body="Two files.").exists()
    assert Attachment.objects.count() == 0
    # The form comes back offering the file that fits (kept, and counted once): 4 KB are left.
    assert page_reply(client, token, ticket, "Too much.", **{"c.txt": 5 * KB}).status_code == 429
    assert page_reply(client, token, ticket, "Fits.", **{"c.txt": 4 * KB}).status_code == 302


def test_a_refused_use_case_gives_its_bytes_back(
    customer: User, other_customer: User, ticket: Ticket, small_budget: Clock
) -> None:
    # Not the other customer's ticket: refused after the budget was reserved.
    assert api_upload(other_customer, ticket, "a.txt", 8 * KB).status_code == 404
    assert api_upload(other_customer, ticket, "b.txt", 8 * KB).status_code == 404
    mine = services.ticket_open(actor=other_customer, title="Mine", body="Files.").ticket
    assert api_upload(other_customer, mine, "c.txt", 10 * KB).status_code == 201


def test_staff_have_their_own_budget(
    agent: User, customer: User, ticket: Ticket, small_budget: Clock, settings: Settings
) -> None:
    settings.FRONTDESK_UPLOAD_BYTES_PER_DAY_STAFF = 20 * KB
    for name in ("a.txt", "b.txt"):  # more than a customer's 10 KB
        assert api_upload(agent, ticket, name, 8 * KB).status_code == 201
    assert api_upload(agent, ticket, "c.txt", 8 * KB).status_code == 429
    assert api_upload(customer, ticket, "d.txt", 8 * KB).status_code == 201  # their own
    settings.FRONTDESK_UPLOAD_BYTES_PER_DAY_STAFF = 0  # 0: no budget
    assert api_upload(agent, ticket, "e.txt", 8 * KB).status_code == 201


def test_mail_intake_is_on_the_same_budget(
    customer: User, ticket: Ticket, small_budget: Clock
) -> None:
    """The mail face calls message_post with the sender as the actor, as here; its DomainError
    holds the mail for an agent with this message."""
    files = [SimpleUploadedFile("big.bin", b"z" * (11 * KB))]
    with pytest.raises(RateLimited) as refused:
        services.message_post(actor=customer, ticket_id=ticket.pk, body="By mail.", files=files)
    assert "upload allowance" in refused.value.message


# --- the reply rate -----------------------------------------------------------------------------


def test_supportme_replies_stop_at_the_rate(
    customer: User, ticket: Ticket, settings: Settings, clock: Clock
) -> None:
    clock.current = clock.current.replace(second=0, microsecond=0)
    for number in range(30):  # FRONTDESK_RATE_REPLY: 30/minute
        assert (
            supportme_reply(customer, ticket, f"This is reply number {number}.").status_code == 200
        )
    response = supportme_reply(customer, ticket, "This is one reply too many.")
    assert response.status_code == 429
    assert response.json() == {"error": "Too many requests. Try again in 60 seconds."}
    assert response["Retry-After"] == "60"
    assert not Message.objects.filter(body="This is one reply too many.").exists()
    clock.advance(60)
    assert supportme_reply(customer, ticket, "A reply a minute later.").status_code == 200


def test_page_replies_stop_at_the_rate(customer: User, ticket: Ticket, settings: Settings) -> None:
    settings.FRONTDESK_RATE_LIMITS = {**settings.FRONTDESK_RATE_LIMITS, "reply_user": "2/minute"}
    client, token = browser(customer, ticket)
    assert page_reply(client, token, ticket, "One").status_code == 302
    assert page_reply(client, token, ticket, "Two").status_code == 302
    response = page_reply(client, token, ticket, "Three")
    assert response.status_code == 429
    assert "Too many requests. Try again in" in response.content.decode()
    assert not Message.objects.filter(body="Three").exists()


def test_staff_replies_are_not_rate_limited(
    agent: User, ticket: Ticket, settings: Settings
) -> None:
    settings.FRONTDESK_RATE_LIMITS = {**settings.FRONTDESK_RATE_LIMITS, "reply_user": "2/minute"}
    for number in range(5):
        services.message_post(actor=agent, ticket_id=ticket.pk, body=f"Answer {number}")


def test_a_reply_refused_by_a_rule_is_not_counted(
    customer: User, ticket: Ticket, settings: Settings
) -> None:
    settings.FRONTDESK_RATE_LIMITS = {**settings.FRONTDESK_RATE_LIMITS, "reply_user": "2/minute"}
    for _ in range(5):
        with pytest.raises(NotAllowed):  # not the customer's to write
            services.message_post(actor=customer, ticket_id=ticket.pk, body="x", internal=True)
    size = settings.FRONTDESK_ATTACHMENT_MAX_BYTES + 1
    too_large = [SimpleUploadedFile("big.bin", b"z" * size)]
    with pytest.raises(TooLarge):
        services.message_post(actor=customer, ticket_id=ticket.pk, body="x", files=too_large)
    services.message_post(actor=customer, ticket_id=ticket.pk, body="One")
    services.message_post(actor=customer, ticket_id=ticket.pk, body="Two")


# --- the free-disk guard ------------------------------------------------------------------------


@pytest.fixture
def disk_short(settings: Settings) -> None:
    settings.FRONTDESK_MIN_FREE_DISK_BYTES = 1 << 60  # more than any disk has


def test_disk_short_is_507_in_rest_and_nothing_is_stored(
    customer: User, ticket: Ticket, disk_short: None, settings: Settings
) -> None:
    response = api_upload(customer, ticket, "a.txt", 100)
    assert response.status_code == 507
    assert error_of(response) == {
        "code": "insufficient_storage",
        "message": DISK_SHORT,
        "fields": {"file": [DISK_SHORT]},
    }
    assert Attachment.objects.count() == 0
    assert stored_files(settings) == []
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_disk_short_is_507_on_the_page(
    customer: User, ticket: Ticket, disk_short: None, settings: Settings
) -> None:
    client, token = browser(customer, ticket)
    response = page_reply(client, token, ticket, "With a file.", **{"a.txt": 100})
    assert response.status_code == 507
    assert DISK_SHORT in response.content.decode()
    assert not Message.objects.filter(body="With a file.").exists()
    assert stored_files(settings) == []
    # A reply without files needs no disk space.
    assert page_reply(client, token, ticket, "Without.").status_code == 302


def test_disk_short_on_opening_a_ticket_with_files(customer: User, disk_short: None) -> None:
    files = [SimpleUploadedFile("a.txt", b"abc")]
    with pytest.raises(InsufficientStorage) as refused:
        services.ticket_open(actor=customer, title="Help", body="Files.", files=files)
    assert http_status(refused.value) == 507
    assert not Ticket.objects.exists()


def test_the_guard_counts_the_file_itself(
    customer: User, ticket: Ticket, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    usage = shutil.disk_usage(Path(settings.MEDIA_ROOT).parent)
    # A disk with 10 MB free, whatever else writes to the real one meanwhile.
    monkeypatch.setattr(files.shutil, "disk_usage", lambda path: usage._replace(free=10 << 20))
    settings.FRONTDESK_MIN_FREE_DISK_BYTES = (10 << 20) - 50 * KB  # room for 50 KB
    assert api_upload(customer, ticket, "small.txt", 1 * KB).status_code == 201
    assert api_upload(customer, ticket, "big.txt", 200 * KB).status_code == 507
