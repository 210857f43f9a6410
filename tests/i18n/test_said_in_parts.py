"""Every error a service raises carries a text the catalogue has, with its values apart
(``gettext_noop`` and ``values=``, never an f-string), so a page says it in its reader's
language while the APIs answer the English filled in (DomainError, Said)."""

from __future__ import annotations

import ast
import gettext as stdlib_gettext
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_noop

import frontdesk
from frontdesk.accounts.models import User
from frontdesk.accounts.tokens import access_token_issue
from frontdesk.core import errors
from frontdesk.core.errors import DomainError, InvalidInput, Said
from frontdesk.tickets import services
from frontdesk.tickets.models import Status
from tests.conftest import open_ticket

SOURCE = Path(frontdesk.__file__).parent
MO = Path(settings.LOCALE_PATHS[0]) / "es" / "LC_MESSAGES" / "django.mo"


def _kinds(kind: type[DomainError] = DomainError) -> set[str]:
    names = {kind.__name__}
    for sub in kind.__subclasses__():
        names |= _kinds(sub)
    return names


# A text handed in by the function's caller: the callers' texts are checked where they are
# written (module constants marked gettext_noop).
PASSED_IN = {
    ("core/ids.py", "message"),
    ("tickets/selectors.py", "message"),
    ("tickets/services.py", "message"),
    ("tickets/access.py", "not_found"),
    ("kb/services.py", "words"),
}


def _module(path: Path) -> str:
    return "frontdesk." + ".".join(path.relative_to(SOURCE).with_suffix("").parts)


def _texts(node: ast.expr, path: Path) -> Iterator[str | None]:
    """The English texts an error's first argument can be; None for a form that is not a
    marked text (an f-string, a format, another error's filled-in message)."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "gettext_noop":
        yield ast.literal_eval(node.args[0])
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _texts(node.body, path)
        yield from _texts(node.orelse, path)
    elif isinstance(node, ast.Attribute) and node.attr == "text":
        return  # another error's text, passed on with its values
    elif isinstance(node, ast.Name | ast.Attribute):
        module = importlib.import_module(_module(path))
        try:
            value = eval(ast.unparse(node), vars(module))  # noqa: S307 - a module's own name
        except NameError:  # a local name: only PASSED_IN may be one
            yield None
            return
        yield value if isinstance(value, str) else None
    else:
        yield None


def _raised() -> Iterator[tuple[str, str | None]]:
    kinds = _kinds()
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in kinds:
                continue
            where = f"{path.relative_to(SOURCE)}:{node.lineno}"
            if (
                isinstance(node.args[0], ast.Name)
                and (
                    str(path.relative_to(SOURCE)),
                    node.args[0].id,
                )
                in PASSED_IN
            ):
                continue
            for text in _texts(node.args[0], path):
                yield where, text


def test_every_error_text_is_marked_and_in_the_spanish_catalogue() -> None:
    with MO.open("rb") as mo:
        catalogue = stdlib_gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    unmarked = []
    missing = []
    for where, text in _raised():
        if text is None:
            unmarked.append(where)
        elif not catalogue.get(text):
            missing.append(f"{where}: {text}")
    assert not unmarked, "write these as gettext_noop(...) with values=:\n" + "\n".join(unmarked)
    assert not missing, "not in the Spanish catalogue (make messages):\n" + "\n".join(missing)


def test_the_walk_sees_the_services_errors() -> None:
    texts = {text for _, text in _raised()}
    assert "Unknown status %(status)s." in texts  # tickets/workflow.py
    assert len(texts) > 300


def test_a_part_is_said_in_the_same_language_and_kept_as_facts() -> None:
    inner = InvalidInput(gettext_noop("Hours must be a number from 0 to %(limit)s."),
                         values={"limit": 1000})  # fmt: skip
    row = Said(gettext_noop("Condition %(number)s"), {"number": 2})
    error = InvalidInput(
        gettext_noop("%(where)s: %(problem)s"), values={"where": row, "problem": inner.as_said()}
    )
    assert error.message == "Condition 2: Hours must be a number from 0 to 1000."
    with translation.override("es"):
        assert error.message == "Condition 2: Hours must be a number from 0 to 1000."
        assert error.said() == "Condición 2: Las horas son un número de 0 a 1000."
        again = Said.from_facts(error.as_said().facts())
        assert again == error.as_said()
        assert again.said() == error.said()
    status = Said("in progress", context="status in a sentence")
    with translation.override("es"):
        assert status.said() == "en curso"
    assert status.english() == str(status) == "in progress"
    assert errors.Said is Said


# --- said on the pages, English on the APIs -----------------------------------------------


def _spanish_browser(user: User) -> Client:
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="es")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_workflow_refusal_names_the_statuses_in_spanish(agent: User, customer: User) -> None:
    ticket = open_ticket(customer)
    page = _spanish_browser(agent)
    data = {"action": "status", "status": "pending"}
    assert page.post(f"/ticket/{ticket.pk}", data).status_code == 302
    body = page.post(f"/ticket/{ticket.pk}", data).content.decode()
    assert "Esta consulta ya está pendiente." in body
    assert "This ticket is already pending." not in body

    api = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="es")
    response = api.post(
        f"/api/ticketing/tickets/{ticket.pk}/change_status/",
        {"status": "pending"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access_token_issue(agent)}",
    )
    assert response.status_code == 400
    assert "This ticket is already pending." in response.content.decode()


@pytest.mark.django_db
def test_a_bulk_change_names_its_refusals_in_spanish(agent: User, customer: User) -> None:
    open_one, closed = open_ticket(customer), open_ticket(customer)
    services.ticket_change_status(actor=agent, ticket_id=closed.pk, status=Status.CLOSED)
    User.objects.filter(pk=agent.pk).update(language="es")
    agent.refresh_from_db()
    client = Client(HTTP_HOST="localhost")
    client.force_login(agent)
    answer = client.post(
        "/home/bulk",
        {"ticket": [str(open_one.pk), str(closed.pk)], "status": "pending", "back": "view=open"},
        follow=True,
    )
    page = answer.content.decode()
    assert f"{closed.number}: Una consulta cerrada no puede quedar pendiente." in page
    assert "cannot become" not in page


@pytest.mark.django_db
def test_a_shared_checks_field_is_named_in_the_readers_language(agent: User) -> None:
    from frontdesk.kb import services as kb
    from frontdesk.replies import services as replies

    with pytest.raises(InvalidInput) as empty_title:
        kb.article_create(actor=agent, values={"title": "   ", "body": "Text."})
    with pytest.raises(InvalidInput) as shortcut:
        replies.saved_reply_create(actor=agent, name="Hello", body="Hi", shortcut=7)  # type: ignore[arg-type]
    # The APIs' English, byte for byte as before.
    assert empty_title.value.message == "Give the title."
    assert shortcut.value.message == "The shortcut must be text."
    with translation.override("es"):
        assert empty_title.value.said() == "Rellena el campo título."
        assert shortcut.value.said() == "El campo atajo tiene que ser texto."
