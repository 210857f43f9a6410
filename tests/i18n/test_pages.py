"""The pages in the reader's language (docs/configuration.md, "Languages"): a visitor's
browser (Accept-Language) chooses, a signed-in user's own choice on the profile wins, English
when neither says; the profile's language form (CSRF, a clear 400 for a language we do not
have, nothing changed)."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.accounts.models import User
from frontdesk.tickets import services
from frontdesk.tickets.models import Status
from tests.conftest import PASSWORD, open_ticket

pytestmark = pytest.mark.django_db

SPANISH = "es-ES,es;q=0.9,en;q=0.5"


def _client(user: User | None = None, **extra: str) -> Client:
    client = Client(HTTP_HOST="localhost", **extra)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("path", "spanish"),
    [
        ("/login", "Inicia sesión para ver tus consultas."),
        ("/register", "Crea tu cuenta"),
        ("/password/forgot", "¿Has olvidado tu contraseña?"),
        ("/kb", "Centro de ayuda"),
    ],
)
def test_a_visitor_whose_browser_asks_for_spanish_reads_spanish(path: str, spanish: str) -> None:
    page = _client(HTTP_ACCEPT_LANGUAGE=SPANISH).get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert spanish in html
    assert '<html lang="es">' in html
    assert page["Content-Language"] == "es"


def test_without_accept_language_the_pages_are_english() -> None:
    html = _client().get("/login").content.decode()
    assert "Welcome back. Sign in to see your tickets." in html
    assert '<html lang="en">' in html
    assert "Inicia sesión" not in html


def test_a_language_we_do_not_have_falls_back_to_english() -> None:
    html = _client(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").get("/login").content.decode()
    assert "Welcome back." in html


def test_a_failed_sign_in_says_why_in_spanish(customer: User) -> None:
    client = _client(HTTP_ACCEPT_LANGUAGE=SPANISH)
    page = client.get("/login")
    token = page.cookies["csrftoken"].value
    refused = client.post(
        "/login",
        {"username": customer.username, "password": "wrong", "csrfmiddlewaretoken": token},
    )
    assert refused.status_code in (400, 401)
    html = refused.content.decode()
    assert "No hay ningún usuario con ese nombre y esa contraseña." in html
    assert "Hay un problema" in html


def test_the_users_choice_wins_over_the_browser(customer: User) -> None:
    User.objects.filter(pk=customer.pk).update(language="en")
    html = _client(customer, HTTP_ACCEPT_LANGUAGE=SPANISH).get("/home").content.decode()
    assert "Your tickets" in html
    assert "Tus consultas" not in html
    User.objects.filter(pk=customer.pk).update(language="es")
    html = _client(customer).get("/home").content.decode()  # no Accept-Language at all
    assert "Tus consultas" in html
    assert "Abrir una consulta" in html


def test_a_spanish_customer_reads_their_ticket_in_spanish(customer: User, agent: User) -> None:
    User.objects.filter(pk=customer.pk).update(language="es")
    ticket = open_ticket(customer, "Clase de salsa", messages=[(agent, "Hola, lo miramos.")])
    services.ticket_update(actor=agent, ticket_id=ticket.pk, changes={"status": Status.CLOSED})
    html = _client(customer).get(f"/ticket/{ticket.pk}").content.decode()
    assert "Enviar respuesta" in html  # the composer
    assert "Detalles" in html and "Última actividad" in html  # the sidebar
    assert f"{agent.username} ha cerrado esta consulta." in html  # the system line
    assert "Cerrada" in html  # the status badge
    assert "This ticket has been closed" not in html


def test_the_staff_see_the_same_ticket_in_their_language(customer: User, agent: User) -> None:
    User.objects.filter(pk=customer.pk).update(language="es")
    ticket = open_ticket(customer, "Clase de salsa")
    html = _client(agent).get(f"/ticket/{ticket.pk}").content.decode()
    assert "Send reply" in html
    assert "Enviar respuesta" not in html


def test_the_profile_form_saves_the_language_and_the_next_page_follows_it(customer: User) -> None:
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    client.force_login(customer)
    profile = client.get("/profile")
    assert 'action="/profile/language"' in profile.content.decode()
    token = profile.cookies["csrftoken"].value
    saved = client.post("/profile/language", {"language": "es", "csrfmiddlewaretoken": token})
    assert saved.status_code == 302 and saved["Location"] == "/profile#language"
    customer.refresh_from_db()
    assert customer.language == "es"
    html = client.get("/profile").content.decode()
    assert "Se ha guardado tu idioma." in html
    assert "Idioma" in html and "Zona horaria" in html
    back = client.post("/profile/language", {"language": "", "csrfmiddlewaretoken": token})
    assert back.status_code == 302
    customer.refresh_from_db()
    assert customer.language == ""


def test_the_profile_form_needs_the_csrf_token(customer: User) -> None:
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    client.force_login(customer)
    refused = client.post("/profile/language", {"language": "es"})
    assert refused.status_code == 403
    customer.refresh_from_db()
    assert customer.language == ""


@pytest.mark.parametrize("language", ["de", "xx-evil", "es" * 20])
def test_a_language_we_do_not_have_is_refused_and_changes_nothing(
    customer: User, language: str
) -> None:
    User.objects.filter(pk=customer.pk).update(language="es")
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
    client.force_login(customer)
    token = client.get("/profile").cookies["csrftoken"].value
    refused = client.post("/profile/language", {"language": language, "csrfmiddlewaretoken": token})
    assert refused.status_code == 400
    assert "Elige un idioma de la lista." in refused.content.decode()  # in the user's language
    customer.refresh_from_db()
    assert customer.language == "es"


def test_signed_out_visitors_cannot_post_a_language() -> None:
    response = _client().post("/profile/language", {"language": "es"})
    assert response.status_code in (302, 403)


def test_the_service_refuses_someone_elses_language(customer: User, other_customer: User) -> None:
    from frontdesk.accounts.services import user_set_language
    from frontdesk.core.errors import InvalidInput, NotAllowed

    with pytest.raises(NotAllowed):
        user_set_language(actor=other_customer, user=customer, language="es")
    with pytest.raises(InvalidInput):
        user_set_language(actor=customer, user=customer, language="fr")
    customer.refresh_from_db()
    assert customer.language == ""
    assert user_set_language(actor=customer, user=customer, language="es").language == "es"


def test_the_sign_in_works_in_spanish_end_to_end(customer: User) -> None:
    client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=SPANISH)
    token = client.get("/login").cookies["csrftoken"].value
    signed_in = client.post(
        "/login",
        {"username": customer.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        follow=True,
    )
    html = signed_in.content.decode()
    assert "Tus consultas" in html


def test_the_demo_has_spanish_speaking_families() -> None:
    from frontdesk.tickets.demo import demo_create

    demo_create(tickets=40, seed=7)
    readers = set(User.objects.filter(role="customer").values_list("language", flat=True))
    assert readers == {"", "es"}
