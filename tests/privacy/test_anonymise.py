"""Anonymising and deleting a customer: every piece of personal data listed in
docs/privacy.md is gone from the database afterwards, the tickets and messages stay (anonymise)
or go with their files (delete), the history says so, a second call changes nothing, and staff
and System are refused. Admins only, on every face."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.test import Client

from frontdesk.accounts.models import (
    ApiToken,
    CustomerNote,
    Organisation,
    PasswordResetToken,
    SessionEvent,
    SsoIdentity,
    TwoFactor,
    User,
    UserSession,
)
from frontdesk.core.errors import InvalidInput, NotAllowed, NotFound
from frontdesk.following.models import CcPerson
from frontdesk.mail.models import InboundMail
from frontdesk.notifications.models import NotificationPreference, OutboxMail
from frontdesk.privacy import services
from frontdesk.privacy.models import PrivacyAction, PrivacyLog
from frontdesk.satisfaction.models import Survey
from frontdesk.tickets.models import (
    Attachment,
    Message,
    MessageKind,
    Ticket,
    TicketEvent,
)
from tests.api.helpers import Api, error_of
from tests.conftest import PASSWORD
from tests.privacy.conftest import Desk
from tests.web.conftest import html, signed_in

pytestmark = pytest.mark.django_db


def _personal_data(customer: User) -> Client:
    """Give the customer everything a person leaves behind; a signed-in browser."""
    organisation = Organisation.objects.create(name="Dance families")
    customer.organisation = organisation
    customer.time_zone = "Europe/Madrid"
    customer.email_pending = "john.new@example.com"
    customer.save()
    browser = Client()
    answer = browser.post(
        "/login",
        {"username": customer.username, "password": PASSWORD, "csrfmiddlewaretoken": "x" * 64},
    )
    assert answer.status_code == 302, answer.content
    ApiToken.objects.create(
        user=customer, name="script", prefix="abcd1234", token_hash="f" * 64, scope="read"
    )
    TwoFactor.objects.create(user=customer, secret_sealed="sealed")
    SsoIdentity.objects.create(user=customer, issuer="https://id.example", subject="john-1")
    PasswordResetToken.objects.create(
        user=customer, token_hash="e" * 64, password_fingerprint="d" * 64
    )
    NotificationPreference.objects.create(user=customer, kind="public_reply", enabled=False)
    CustomerNote.objects.create(customer=customer, text="Prefers calls after 6 pm")
    InboundMail.objects.create(
        source="smtp",
        envelope_from=customer.email,
        raw=b"From: John <john@example.com>",
        from_address=customer.email,
        from_name="John Smith",
        status=InboundMail.Status.IMPORTED,
    )
    InboundMail.objects.create(
        source="smtp",
        envelope_from="JOHN@example.com",
        raw=b"From: john@example.com",
        from_address="john@example.com",
        status=InboundMail.Status.HELD,
    )
    return browser


def _stored(attachment: Attachment) -> bool:
    return default_storage.exists(attachment.file.name)


def test_anonymise_removes_every_personal_field(
    desk: Desk,
    admin: User,
    agent: User,
    customer: User,
    other_customer: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    browser = _personal_data(customer)
    assert UserSession.objects.filter(user=customer).exists()
    assert OutboxMail.objects.filter(recipient=customer).exists()
    messages_before = Message.objects.filter(author=customer).count()

    with django_capture_on_commit_callbacks(execute=True):
        log = services.customer_anonymise(actor=admin, customer_id=customer.pk)

    person = User.objects.get(pk=customer.pk)
    assert person.username == f"deleted-user-{customer.pk}"
    assert person.email == f"deleted-user-{customer.pk}@deleted.invalid"
    assert not person.has_usable_password() and not person.is_active
    assert person.organisation is None and person.time_zone == "" and person.email_pending == ""
    assert person.email_verified_at is None and person.last_login is None
    for model, field in (
        (ApiToken, "user"),
        (TwoFactor, "user"),
        (SsoIdentity, "user"),
        (PasswordResetToken, "user"),
        (NotificationPreference, "user"),
        (UserSession, "user"),
        (SessionEvent, "user"),
        (CcPerson, "person"),
        (CustomerNote, "customer"),
        (OutboxMail, "recipient"),
    ):
        assert not model.objects.filter(**{field: customer.pk}).exists(), model
    # No trace of the address or the name anywhere the mail app keeps them.
    for value in ("john@example.com", "John Smith"):
        assert not InboundMail.objects.filter(from_address__iexact=value).exists()
        assert not InboundMail.objects.filter(envelope_from__iexact=value).exists()
        assert not InboundMail.objects.filter(from_name=value).exists()
        assert not OutboxMail.objects.filter(to_address__iexact=value).exists()
        assert not TicketEvent.objects.filter(new_value__iexact=value).exists()
        assert not TicketEvent.objects.filter(old_value__iexact=value).exists()
    (kept_mail,) = InboundMail.objects.all()  # the imported one, without sender or bytes
    assert bytes(kept_mail.raw) == b"" and kept_mail.status == InboundMail.Status.IMPORTED
    # Signed out: the browser's session is gone.
    assert browser.get("/profile").status_code == 302
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(customer.pk)
    ]
    # Their uploads are gone from the database and from storage; others' files stay.
    for gone in (desk.customer_file, desk.copied_file):
        assert not Attachment.objects.filter(pk=gone.pk).exists() and not _stored(gone)
    for kept in (desk.agent_file, desk.note_file):
        assert Attachment.objects.filter(pk=kept.pk).exists() and _stored(kept)
    # Tickets and messages stay, written by the placeholder; each ticket concerned says so.
    assert Ticket.objects.filter(requester=customer).count() == 1
    assert Message.objects.filter(author=customer).count() == messages_before
    for ticket in (desk.own, desk.copied):
        line = Message.objects.filter(ticket=ticket, kind=MessageKind.SYSTEM).last()
        assert line is not None and "personal data was removed" in line.body
    assert not Message.objects.filter(ticket=desk.stranger, kind=MessageKind.SYSTEM).exists()
    cc_removed = TicketEvent.objects.get(ticket=desk.copied, field="cc", new_value="")
    assert cc_removed.old_value == person.email and cc_removed.actor == admin
    assert Survey.objects.filter(ticket=desk.own, requester=customer).exists()
    # The log counts and names nobody.
    assert log.action == PrivacyAction.ANONYMISE and log.actor == admin
    assert log.customer_id == customer.pk and log.counts["files"] == 2
    assert log.counts["cc"] == 1 and log.counts["api_tokens"] == 1
    assert log.counts["sign_on_links"] == 1
    assert "john" not in (str(log.counts) + log.note).lower()
    # Others are untouched.
    other = User.objects.get(pk=other_customer.pk)
    assert other.email == other_customer.email and other.is_active


def test_anonymise_is_idempotent(desk: Desk, admin: User, customer: User) -> None:
    first = services.customer_anonymise(actor=admin, customer_id=customer.pk)
    messages = Message.objects.count()
    events = TicketEvent.objects.count()
    again = services.customer_anonymise(actor=admin, customer_id=customer.pk)
    assert again.pk == first.pk
    assert Message.objects.count() == messages and TicketEvent.objects.count() == events
    assert PrivacyLog.objects.filter(action=PrivacyAction.ANONYMISE).count() == 1


def test_delete_removes_their_tickets_and_files(
    desk: Desk,
    admin: User,
    customer: User,
    other_customer: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    all_files = [desk.customer_file, desk.agent_file, desk.note_file, desk.copied_file]
    with django_capture_on_commit_callbacks(execute=True):
        log = services.customer_erase(actor=admin, customer_id=customer.pk)
    assert not Ticket.objects.filter(pk=desk.own.pk).exists()
    for gone in all_files:
        assert not Attachment.objects.filter(pk=gone.pk).exists() and not _stored(gone)
    # They wrote on another customer's ticket (CC): that message stays, by the placeholder.
    assert Ticket.objects.filter(pk__in=[desk.copied.pk, desk.stranger.pk]).count() == 2
    kept = User.objects.get(pk=customer.pk)
    assert kept.username == f"deleted-user-{customer.pk}" and not kept.is_active
    assert Message.objects.filter(ticket=desk.copied, author=kept, body="Same here").exists()
    assert log.action == PrivacyAction.ERASE and log.counts["tickets_deleted"] == 1
    assert "wrote on tickets of other people" in log.note
    # Idempotent: asked again, the same answer and nothing more.
    messages = Message.objects.count()
    assert services.customer_erase(actor=admin, customer_id=customer.pk).pk == log.pk
    assert Message.objects.count() == messages
    assert PrivacyLog.objects.filter(action=PrivacyAction.ERASE).count() == 1


def test_delete_removes_the_account_when_nothing_else_names_it(
    admin: User, customer: User, other_customer: User, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.conftest import open_ticket
    from tests.privacy.conftest import upload

    ticket = open_ticket(customer, files=[upload("mine.txt", b"x")])
    stored = Attachment.objects.get(message__ticket=ticket)
    with django_capture_on_commit_callbacks(execute=True):
        log = services.customer_erase(actor=admin, customer_id=customer.pk)
    assert not User.objects.filter(pk=customer.pk).exists()
    assert not Ticket.objects.filter(pk=ticket.pk).exists() and not _stored(stored)
    assert log.note == "" and log.customer_id == customer.pk
    # Asked again: the same answer, nothing more.
    assert services.customer_erase(actor=admin, customer_id=customer.pk).pk == log.pk
    assert PrivacyLog.objects.filter(action=PrivacyAction.ERASE).count() == 1
    with pytest.raises(NotFound):
        services.customer_erase(actor=admin, customer_id=other_customer.pk + 1000)


def test_staff_and_system_are_refused(admin: User, agent: User, other_agent: User) -> None:
    system = User.objects.get(pk=0)
    for target in (admin, agent, other_agent, system):
        for use_case in (services.customer_anonymise, services.customer_erase):
            with pytest.raises(InvalidInput, match="Only customer accounts"):
                use_case(actor=admin, customer_id=target.pk)
    assert User.objects.get(pk=agent.pk).username == agent.username
    assert not PrivacyLog.objects.exists()


def test_only_admins_anonymise_or_delete(agent: User, customer: User, other_customer: User) -> None:
    for actor in (agent, customer, other_customer):
        for use_case in (services.customer_anonymise, services.customer_erase):
            with pytest.raises(NotAllowed):
                use_case(actor=actor, customer_id=customer.pk)
    assert User.objects.get(pk=customer.pk).is_active


# --- the confirmation page ------------------------------------------------------------------


def test_confirmation_page_names_what_will_happen(desk: Desk, admin: User, customer: User) -> None:
    page = html(signed_in(admin).get(f"/customers/{customer.pk}/privacy"))
    assert f"deleted-user-{customer.pk}" in page
    assert "1 ticket(s) they asked for" in page and "cannot be undone" in page
    assert 'name="action" value="anonymise"' in page and 'value="erase"' in page


def test_confirmation_page_cast(
    desk: Desk, agent: User, other_agent: User, customer: User, other_customer: User, admin: User
) -> None:
    path = f"/customers/{customer.pk}/privacy"
    for person in (agent, other_agent, customer, other_customer):
        assert signed_in(person).get(path).status_code == 403
        assert signed_in(person).post(path, {"action": "anonymise"}).status_code == 403
    anonymous = Client().get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login")
    assert signed_in(admin).get(f"/customers/{agent.pk}/privacy").status_code == 400
    assert signed_in(admin).get("/customers/999999/privacy").status_code == 404
    assert User.objects.get(pk=customer.pk).is_active


def test_confirmation_posts_need_csrf_and_run_the_use_case(
    desk: Desk, admin: User, customer: User
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    path = f"/customers/{customer.pk}/privacy"
    client.get(path)
    assert client.post(path, {"action": "anonymise"}).status_code == 403
    assert User.objects.get(pk=customer.pk).is_active
    token = client.cookies["csrftoken"].value
    bad = client.post(path, {"action": "shred", "csrfmiddlewaretoken": token})
    assert bad.status_code == 400 and "Choose export" in html(bad)
    done = client.post(path, {"action": "anonymise", "csrfmiddlewaretoken": token})
    assert done.status_code == 200 and "Anonymised" in html(done)
    assert not User.objects.get(pk=customer.pk).is_active


# --- REST ---------------------------------------------------------------------------------------


def test_rest_anonymise_and_erase(
    desk: Desk, admin: User, agent: User, customer: User, other_customer: User
) -> None:
    anonymise = f"/customers/{customer.pk}/anonymise/"
    for person in (agent, customer, other_customer):
        assert Api(person).post(anonymise).status_code == 403
    assert Api().post(anonymise).status_code == 401
    assert error_of(Api(admin).post(f"/customers/{agent.pk}/anonymise/"))["message"].startswith(
        "Only customer accounts"
    )
    answer = Api(admin).post(anonymise)
    assert answer.status_code == 200
    body = answer.json()
    assert body["action"] == "anonymise" and body["customer"] == customer.pk
    assert body["actor"] == admin.pk and body["counts"]["files"] == 2
    assert Api(admin).post(anonymise).json()["id"] == body["id"]  # idempotent
    erase = Api(admin).post(f"/customers/{other_customer.pk}/erase/")
    assert erase.status_code == 200 and erase.json()["counts"]["tickets_deleted"] == 2
    assert not Ticket.objects.filter(requester_id=other_customer.pk).exists()
    assert Api(admin).post("/customers/999999/erase/").status_code == 404


def test_rest_posts_with_a_session_need_csrf(admin: User, customer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    answer = client.post(f"/api/ticketing/customers/{customer.pk}/anonymise/")
    assert answer.status_code == 403
    assert User.objects.get(pk=customer.pk).is_active


def test_admins_find_the_page_from_the_customer_panel(
    admin: User, agent: User, customer: User
) -> None:
    from tests.conftest import open_ticket

    ticket = open_ticket(customer)
    link = f'href="/customers/{customer.pk}/privacy"'
    assert link in html(signed_in(admin).get(f"/ticket/{ticket.pk}"))
    assert link not in html(signed_in(agent).get(f"/ticket/{ticket.pk}"))
