"""The scripts speak the page's language, in a real browser (web/js_texts.py, texts.js): a
Spanish agent's selection count and a Spanish customer's live character count."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from frontdesk.accounts.models import Role, User
from tests.conftest import PASSWORD, make_user, open_ticket
from tests.e2e.conftest import no_dialogs, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_spanish_agents_selection_is_counted_in_spanish(new_page: Callable[..., Page]) -> None:
    customer = make_user("John")
    agent = make_user("Alice", Role.AGENT, email_verified_at=timezone.now(), language="es")
    for number in range(3):
        open_ticket(customer, f"Clase {number}")
    page = new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, agent.username, PASSWORD)
    page.goto("/home?view=open")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator("#bulk-count")).to_have_text("1 consulta seleccionada")
    page.locator("#select-all").check()
    expect(page.locator("#bulk-count")).to_have_text("3 consultas seleccionadas")
    no_dialogs(page)


def test_a_spanish_customers_character_count_is_in_spanish(
    new_page: Callable[..., Page],
) -> None:
    customer: User = make_user("John", language="es")
    page = new_page()
    sign_in(page, customer.username, PASSWORD)
    page.goto("/ticket/new")
    page.get_by_label("Título").fill("Reembolso del bono de 10 clases " + "y" * 139)  # 171
    expect(page.locator("#id_title_count")).to_have_text("Te quedan 29 caracteres (límite 200).")
    page.get_by_label("Título").fill("€" * 201)
    expect(page.locator("#id_title_count")).to_have_text("Te sobra 1 carácter (límite 200).")
    no_dialogs(page)
