"""The admin site in its reader's language (docs/translating.md): an admin who chose Spanish
reads Frontdesk's own parts of /admin/ (the apps' and models' names, the columns, filters,
actions, help texts and the messages after an action) in Spanish; one who chose nothing
reads English. Every name, help text and choice of a model in the admin is in the catalogue
(core/model_texts.py)."""

from __future__ import annotations

import pytest
from django.contrib import admin as django_admin
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real

from frontdesk.accounts.models import User
from frontdesk.core.model_texts import CONTEXT, WRAPPED
from frontdesk.sla.policies import sla_policy_create
from frontdesk.teams.services import team_create
from frontdesk.webhooks.models import WebhookEvent
from tests.conftest import make_user, open_ticket

pytestmark = pytest.mark.django_db


def _spanish(user: User) -> User:
    User.objects.filter(pk=user.pk).update(language="es")
    user.refresh_from_db()
    return user


def _browser(user: User) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def _page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_a_spanish_admin_reads_the_index_and_the_tickets_in_spanish(
    admin: User, customer: User
) -> None:
    open_ticket(customer, "Clase de salsa")
    client = _browser(_spanish(admin))
    index = _page(client, "/admin/")
    assert '<html lang="es"' in index
    for spanish in ("Cuentas", "Consultas", "Campos personalizados", "Políticas de SLA"):
        assert spanish in index, spanish
    tickets = _page(client, "/admin/tickets/ticket/")
    for spanish in (
        "Número",  # a column of ours
        "Solicitante",  # a column from a field's name
        "Prioridad",  # a filter
        "Abierta",  # a choice in the filter and the badge
        "Facturación",  # a category
        "Creada el",  # a field's name Django made from created_at
    ):
        assert spanish in tickets, spanish
    assert "Requester" not in tickets and "Created at" not in tickets


def test_a_spanish_admin_reads_a_policy_form_in_spanish(admin: User) -> None:
    policy = sla_policy_create(actor=admin, values={"name": "Standard"})
    page = _page(_browser(_spanish(admin)), f"/admin/sla/slapolicy/{policy.pk}/change/")
    for spanish in (
        "Ninguna marcada: cualquier categoría.",  # a help text of the form
        "Avisa cuando se haya usado esta parte de un objetivo (0: sin aviso).",
        "Urgente: primera respuesta (minutos)",  # a target's label
        "Calendario",  # a field's name
    ):
        assert spanish in page, spanish
    listing = _page(_browser(admin), "/admin/sla/slapolicy/")
    assert "Mover las políticas elegidas antes (se prueban primero)" in listing  # an action


def test_a_spanish_admin_is_told_what_an_action_did_in_spanish(admin: User) -> None:
    customer = make_user("Carmen")
    client = _browser(_spanish(admin))
    page = _page(client, "/admin/accounts/user/")
    assert "Convertir las cuentas elegidas en agentes" in page
    response = client.post(
        "/admin/accounts/user/",
        {"action": "make_agent", "_selected_action": [customer.pk]},
        follow=True,
    )
    assert "1 cuenta es ahora Agente." in response.content.decode()


def test_a_spanish_admin_reads_teams_and_refusals_in_spanish(admin: User) -> None:
    team = team_create(actor=admin, values={"name": "Salsa"})
    client = _browser(_spanish(admin))
    listing = _page(client, "/admin/teams/team/")
    assert "Miembros" in listing and "Asignación" in listing
    form = _page(client, f"/admin/teams/team/{team.pk}/change/")
    assert "Nadie: los agentes reclaman las consultas" in form  # a choice of assignment
    log = _page(client, "/admin/privacy/privacylog/")
    assert "Registro de privacidad" in log


def test_an_english_admin_reads_english(admin: User, customer: User) -> None:
    open_ticket(customer, "Salsa class")
    client = _browser(admin)
    tickets = _page(client, "/admin/tickets/ticket/")
    assert '<html lang="en"' in tickets
    for english in ("Number", "Requester", "Priority", "Open", "Created at"):
        assert english in tickets, english
    assert "Solicitante" not in tickets
    policy = sla_policy_create(actor=admin, values={"name": "Standard"})
    page = _page(client, f"/admin/sla/slapolicy/{policy.pk}/change/")
    assert "Urgent: first response (minutes)" in page
    assert "None ticked: any category." in page


def _admin_texts() -> set[str]:
    models = set()
    for model, model_admin in django_admin.site._registry.items():
        if model.__module__.startswith("frontdesk."):
            models.add(model)
            models.update(inline.model for inline in model_admin.inlines)
    texts: set[str] = set()
    with translation.override(None):
        for model in models:
            options = model._meta
            texts.update({str(options.verbose_name), str(options.verbose_name_plural)})
            texts.add(str(options.app_config.verbose_name))
            for field in (*options.local_fields, *options.local_many_to_many):
                texts.add(str(field.verbose_name))
                if field.help_text:
                    texts.add(str(field.help_text))
                texts.update(str(label) for _value, label in field.choices or ())
        texts.update(WebhookEvent.labels)  # a form's choices (core.model_texts.choices_said)
    return texts


def test_every_name_in_the_admin_is_in_the_catalogue() -> None:
    catalogue = trans_real.translation("es")._catalog

    def known(text: str) -> bool:
        if text in WRAPPED:  # said in the context "model" (core/model_texts.py)
            return f"{CONTEXT}\x04{text}" in catalogue
        return text in catalogue  # the model's own gettext_lazy

    missing = sorted(text for text in _admin_texts() if not known(text))
    assert not missing, f"add these to core/model_texts.py, then make messages: {missing}"
