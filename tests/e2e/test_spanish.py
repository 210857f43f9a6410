"""The pages in Spanish in a real browser (Chromium asking for es-ES): the sign-in page and a
customer's ticket page, at desktop and phone width, with nothing wider than the screen
(Spanish runs longer than English). Screenshots: test-artifacts/screenshots/es-*.png."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from tests.conftest import PASSWORD, open_ticket
from tests.e2e.conftest import DESKTOP, PHONE, ContextFactory
from tests.e2e.test_screenshots import OVERFLOW_JS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "viewport", [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]
)
def test_sign_in_and_the_ticket_page_in_spanish(
    viewport: dict[str, int],
    customer: User,
    agent: User,
    new_context: ContextFactory,
    screenshot: Callable[..., Path],
) -> None:
    ticket = open_ticket(
        customer,
        "La clase de salsa del jueves",
        messages=[(agent, "Hola, la clase empieza a las 19:00 en la sala 2.")],
    )
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"status": "pending"})
    page = new_context(viewport=viewport, locale="es-ES").new_page()
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    screenshot(page, f"es-login-{viewport['width']}")
    _fits(page)
    page.get_by_label("Usuario o correo electrónico").fill(customer.username)
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/home")
    expect(page.get_by_role("heading", name="Tus consultas")).to_be_visible()
    page.goto(f"/ticket/{ticket.pk}")
    expect(page.get_by_role("button", name="Enviar respuesta")).to_be_visible()
    expect(page.get_by_text("Esperando tu respuesta").first).to_be_visible()
    expect(page.get_by_role("heading", name="Detalles")).to_be_visible()
    screenshot(page, f"es-ticket-{viewport['width']}")
    _fits(page)


def _fits(page: Page) -> None:
    layout: dict[str, Any] = page.evaluate(OVERFLOW_JS)
    assert layout["scrollWidth"] <= layout["innerWidth"], layout
    assert layout["culprits"] == [], layout


@pytest.mark.parametrize(
    "viewport", [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]
)
def test_the_customers_pages_fit_in_spanish(
    viewport: dict[str, int],
    customer: User,
    new_context: ContextFactory,
    screenshot: Callable[..., Path],
) -> None:
    open_ticket(customer, "¿Hay clase de flamenco el sábado por la mañana?")
    visitor = new_context(viewport=viewport, locale="es-ES").new_page()
    for path in ("/register", "/password/forgot", "/kb"):
        visitor.goto(path)
        expect(visitor.locator("html")).to_have_attribute("lang", "es")
        screenshot(visitor, f"es-{path.strip('/').replace('/', '-')}-{viewport['width']}")
        _fits(visitor)
    member = new_context(viewport=viewport, locale="es-ES").new_page()
    member.goto("/login")
    member.get_by_label("Usuario o correo electrónico").fill(customer.username)
    member.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    member.get_by_role("button", name="Iniciar sesión").click()
    member.wait_for_url("**/home")
    for path in ("/home", "/ticket/new", "/profile", "/profile/two-factor"):
        member.goto(path)
        expect(member.locator("html")).to_have_attribute("lang", "es")
        screenshot(member, f"es-{path.strip('/').replace('/', '-')}-{viewport['width']}")
        _fits(member)
