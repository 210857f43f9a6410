"""The regions' ``{{ _("text") }}`` kept per language (web/jinja2env.gettext, docs/decisions.md
91) say what Jinja2's own new-style gettext over Django's catalogue said, in each reader's
language."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import engines
from django.test import override_settings
from django.utils import translation
from jinja2 import Environment
from jinja2.ext import i18n

from frontdesk.web import jinja2env

TEXTS = [
    ('{{ _("Requester and dates") }}', {}),
    ('{{ _("Logged by %(name)s on their behalf", name=name) }}', {"name": "<b>Ann & Bo</b>"}),
    ('{{ _("Times are in %(zone)s.", zone="CET") }}', {}),
    ('{{ _("100%% of <em>it</em>") }}', {}),  # formatted even without values: "%%" is "%"
    ('{{ gettext("Requester and dates") }}', {}),
]


def _jinja2_own() -> Environment:
    """Jinja2's i18n as it comes, over Django's catalogue: what the regions said before."""
    env = Environment(autoescape=True, extensions=[i18n])
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext, translation.ngettext, newstyle=True
    )
    return env


def _said(env: Environment, source: str, values: dict[str, Any], language: str) -> str:
    with translation.override(language):
        return env.from_string(source).render(**values)


@pytest.mark.parametrize(("source", "values"), TEXTS)
def test_a_text_reads_as_jinja2s_gettext_wrote_it_in_each_language(
    source: str, values: dict[str, Any]
) -> None:
    regions = engines["jinja2"].env  # type: ignore[attr-defined]
    own = _jinja2_own()
    # Twice each, in turn: the second reading is the kept one, and must not be the other
    # language's.
    for language in ("en", "es", "en", "es"):
        assert _said(regions, source, values, language) == _said(own, source, values, language)


def test_the_readers_language_decides_the_words() -> None:
    regions = engines["jinja2"].env  # type: ignore[attr-defined]
    source = '{{ _("Requester and dates") }}'
    assert _said(regions, source, {}, "es") == "Solicitante y fechas"
    assert _said(regions, source, {}, "en") == "Requester and dates"
    assert _said(regions, source, {}, "es") == "Solicitante y fechas"


def test_a_value_is_escaped_each_time_not_kept() -> None:
    regions = engines["jinja2"].env  # type: ignore[attr-defined]
    source = '{{ _("Logged by %(name)s on their behalf", name=name) }}'
    with translation.override("en"):
        first = regions.from_string(source).render(name="<i>Ann</i>")
        second = regions.from_string(source).render(name="Bo")
    assert first == "Logged by &lt;i&gt;Ann&lt;/i&gt; on their behalf"
    assert second == "Logged by Bo on their behalf"


def test_a_changed_setting_forgets_the_kept_words() -> None:
    regions = engines["jinja2"].env  # type: ignore[attr-defined]
    _said(regions, '{{ _("Requester and dates") }}', {}, "es")
    assert jinja2env._TRANSLATED and jinja2env._SAID
    with override_settings(LANGUAGE_CODE="en"):
        assert not jinja2env._TRANSLATED and not jinja2env._SAID
