"""The page frame's shortcuts (docs/decisions.md 87) write what Django's own tags wrote: the
static files' URLs, the parts kept per language, the reader, the sort links' query strings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core import checks
from django.http import QueryDict
from django.template import Context, Template, engines
from django.templatetags import static as django_static_library
from django.templatetags.static import PrefixNode
from django.templatetags.static import static as django_static
from django.test import Client, RequestFactory, override_settings
from django.utils import translation
from django.utils.functional import LazyObject, SimpleLazyObject
from django.utils.html import conditional_escape

import frontdesk
from frontdesk.accounts.models import User
from frontdesk.web import jinja2env
from frontdesk.web.context_processors import user_read
from frontdesk.web.templatetags import language_parts, static_urls
from tests.web.conftest import html, signed_in

PATHS = ["frontdesk/frontdesk.css", "frontdesk/live.js", "django_htmx/htmx-2.min.js", "a b/ç.js"]


def test_frontdesks_templates_load_the_library_that_keeps_each_url() -> None:
    libraries = engines["django"].engine.template_libraries  # type: ignore[attr-defined]
    assert libraries["static_urls"] is static_urls.register
    assert libraries["static"] is django_static_library.register  # the admin's, unchanged
    assert jinja2env.environment().globals["static"] is static_urls.static
    source = Path(frontdesk.__file__).parent
    loads = re.compile(r"\{%\s*load\b([^%]*)%\}")
    for template in source.glob("**/templates/**/*.html"):
        for names in loads.findall(template.read_text()):
            assert "static" not in names.split(), f"{template}: load static_urls"


def test_the_system_checks_say_nothing_of_the_template_libraries() -> None:
    # A library registered under Django's name "static" made every check warn (W003), and
    # `serve` print it at each start.
    assert checks.run_checks(tags=[checks.Tags.templates]) == []


@pytest.mark.parametrize("path", PATHS)
def test_static_writes_djangos_url(path: str) -> None:
    template = Template("{% load static_urls %}{% static path %}|{% static path as url %}{{ url }}")
    url = conditional_escape(django_static(path))
    assert template.render(Context({"path": path})) == f"{url}|{url}"
    assert static_urls.static(path) == django_static(path)


def test_static_asks_the_storage_once_per_path(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    real = static_urls.django_static.static
    monkeypatch.setattr(static_urls.django_static, "static", lambda p: asked.append(p) or real(p))
    static_urls._URLS.clear()
    template = Template("{% load static_urls %}{% static 'frontdesk/live.js' %}")
    assert [template.render(Context()) for _ in range(3)] == ["/static/frontdesk/live.js"] * 3
    assert asked == ["frontdesk/live.js"]


def test_static_follows_a_changed_static_url() -> None:
    assert static_urls.static("frontdesk/live.js") == "/static/frontdesk/live.js"
    with override_settings(STATIC_URL="/assets/"):
        assert static_urls.static("frontdesk/live.js") == "/assets/frontdesk/live.js"
    assert static_urls.static("frontdesk/live.js") == "/static/frontdesk/live.js"


def test_the_static_librarys_other_tags_are_djangos() -> None:
    template = Template("{% load static_urls %}{% get_static_prefix %} {% get_media_prefix %}")
    prefixes = [PrefixNode.handle_simple(name) for name in ("STATIC_URL", "MEDIA_URL")]
    assert template.render(Context()) == " ".join(prefixes)


# --- parts of the frame kept per language ---------------------------------------------------


def _part(language: str, name: str = "web/_agent_tools.html") -> str:
    with translation.override(language):
        return str(language_parts.include_per_language(name))


def test_a_kept_part_answers_in_each_readers_language() -> None:
    english, spanish = _part("en"), _part("es")
    assert "Keyboard shortcuts" in english
    assert "Keyboard shortcuts" not in spanish
    assert _part("en") == english and _part("es") == spanish
    with translation.override("es"):
        expected = engines["django"].get_template("web/_agent_tools.html").render({})
    assert spanish == expected


def test_a_kept_part_is_rendered_once_per_language(monkeypatch: pytest.MonkeyPatch) -> None:
    rendered: list[str | None] = []
    real = language_parts.get_template

    def counting(name: str) -> Any:
        rendered.append(translation.get_language())
        return real(name)

    monkeypatch.setattr(language_parts, "get_template", counting)
    for language in ["en", "es", "en", "es", "en"]:
        _part(language, "web/_js_texts.html")
    assert rendered == ["en", "es"]


def test_a_kept_part_sees_no_page_context(rf: RequestFactory, agent: User) -> None:
    """What a part reads from the page (a user, a token) would be kept for every reader: it
    reads nothing."""
    template = engines["django"].from_string(
        '{% load language_parts %}{% include_per_language "web/_agent_tools.html" %}'
    )
    request = rf.get("/home")
    request.user = agent
    assert template.render({"user": agent}, request) == _part("en")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_staff_frame_is_the_readers_language(agent: User, language: str) -> None:
    agent.language = language
    agent.save(update_fields=["language"])
    page = html(signed_in(agent).get("/home"))
    shortcuts = {"en": "Keyboard shortcuts", "es": "Atajos de teclado"}
    assert shortcuts[language] in page
    assert 'id="js-texts" type="application/json"' in page


def test_a_customers_frame_has_no_agent_tools(customer: User) -> None:
    page = html(signed_in(customer).get("/home"))
    assert 'id="js-texts"' in page
    assert "shortcuts-dialog" not in page


# --- the reader ------------------------------------------------------------------------------


def test_a_signed_in_page_has_its_reader_itself(agent: User) -> None:
    response = signed_in(agent).get("/profile")
    assert type(response.context["user"]) is User
    assert response.context["user"] == agent


def test_a_signed_out_page_has_the_anonymous_reader(db: None) -> None:
    response = Client().get("/login")
    assert not response.context["user"].is_authenticated


def test_an_unread_user_stays_lazy(rf: RequestFactory, agent: User) -> None:
    request = rf.get("/")
    request.user = SimpleLazyObject(lambda: agent)  # type: ignore[assignment]
    assert user_read(request) == {}
    assert request.user.pk == agent.pk  # read now
    assert user_read(request) == {"user": agent}
    assert not isinstance(user_read(request)["user"], LazyObject)


# --- the sort links' query strings -------------------------------------------------------------

QUERIES = ["", "view=open", "view=open&sort=due&after=abc", "q=%C3%A7a+va&tag=a&tag=b&x=", "a=1&a="]
CHANGES: list[dict[str, Any]] = [
    {"sort": "-created", "after": None},
    {"after": None},
    {"after": "x y&z"},
    {"tag": ["c", "d"]},
    {"view": 3},
    {},
]


def _as_querydict_copy(query_dict: QueryDict, **kwargs: Any) -> str:
    """The helper as it was: a copy of the QueryDict, changed and urlencoded."""
    params = query_dict.copy()
    for key, value in kwargs.items():
        if value is None:
            params.pop(key, None)
        elif isinstance(value, list):
            params.setlist(key, value)
        else:
            params[key] = value
    if not params and not query_dict:
        return ""
    return f"?{params.urlencode()}"


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("changes", CHANGES)
def test_querystring_writes_what_a_querydict_wrote(query: str, changes: dict[str, Any]) -> None:
    query_dict = QueryDict(query)
    template = engines["jinja2"].env.from_string(  # type: ignore[attr-defined]
        "{{ querystring(q, **changes) }}"
    )
    written = template.render(q=query_dict, changes=changes)
    assert written == _as_querydict_copy(query_dict, **changes).replace("&", "&amp;")
