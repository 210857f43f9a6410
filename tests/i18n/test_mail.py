"""Mail follows its recipient's language (notifications/rendering.py): their own choice, else
English, whatever language the person who acted was reading in."""

from __future__ import annotations

import pytest
from django.utils import translation

from frontdesk.accounts.models import User
from frontdesk.notifications.models import OutboxMail
from frontdesk.notifications.rendering import render
from frontdesk.tickets import services
from frontdesk.tickets.models import Status
from tests.conftest import open_ticket

pytestmark = pytest.mark.django_db


def test_a_spanish_customer_gets_spanish_mail_and_the_english_agent_english(
    customer: User, agent: User
) -> None:
    User.objects.filter(pk=customer.pk).update(language="es")
    ticket = open_ticket(customer, "Clase de salsa", assignee=agent, staff=agent)
    services.message_post(actor=customer, ticket_id=ticket.pk, body="¿A qué hora es?")
    with translation.override("es"):  # whoever acts reads Spanish: the mail does not care
        services.message_post(actor=agent, ticket_id=ticket.pk, body="A las seis.")
    received = render(OutboxMail.objects.get(kind="ticket_received", recipient=customer))
    assert received.subject == f"[{ticket.number}] Hemos recibido tu consulta: Clase de salsa"
    assert f"Hola, {customer.username}:" in received.text
    assert "Responde a este correo para contestar" in received.text
    assert '<html lang="es">' in received.html
    reply = render(OutboxMail.objects.filter(kind="public_reply", recipient=customer).latest("id"))
    assert f"{agent.username} ha respondido a tu consulta «Clase de salsa»." in reply.text
    assert "Abrir la consulta" in reply.html
    to_agent = render(
        OutboxMail.objects.filter(kind="customer_replied", recipient=agent).latest("id")
    )
    assert "Hello" in to_agent.text
    assert "Hola" not in to_agent.text
    assert '<html lang="en">' in to_agent.html


def test_a_status_mail_in_spanish_names_the_status_in_spanish(customer: User, agent: User) -> None:
    User.objects.filter(pk=customer.pk).update(language="es")
    ticket = open_ticket(customer, "Clase de salsa", assignee=agent, staff=agent)
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"status": Status.PENDING})
    mail = render(OutboxMail.objects.filter(kind="status_changed", recipient=customer).latest("id"))
    assert mail.subject == f"[{ticket.number}] Esperando tu respuesta: Clase de salsa"
    assert "Esperamos tu respuesta sobre «Clase de salsa»." in mail.text


def test_a_customer_without_a_choice_gets_english_mail(customer: User) -> None:
    open_ticket(customer, "Salsa class")
    with translation.override("es"):
        mail = render(OutboxMail.objects.get(kind="ticket_received", recipient=customer))
    assert mail.subject.endswith("We received your request: Salsa class")
    assert "Hello" in mail.text
