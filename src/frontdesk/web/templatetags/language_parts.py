"""``{% include_per_language "web/_agent_tools.html" %}``: a part of the page frame that reads
nothing but the page's language, rendered once per process for each language.

The keyboard shortcuts' dialog and the scripts' texts are the same for every reader of a
language, and Django rendered them again on every staff page (40 ``{% translate %}`` tags and
a JSON block): about a third of the frame's CPU (docs/decisions.md 87). The part is rendered
without the page's context, no request, no user and no CSRF token, so it cannot come to
depend on anything else unnoticed: what it reads from the context is empty."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

_PARTS: dict[tuple[str, str | None], SafeString] = {}


@register.simple_tag
def include_per_language(name: str) -> SafeString:
    key = (name, get_language())
    html = _PARTS.get(key)
    if html is None:
        html = mark_safe(get_template(name).render({}))  # noqa: S308  (a template's own HTML)
        if not settings.DEBUG:  # while developing, a changed template shows at once
            _PARTS[key] = html
    return html


@receiver(setting_changed)
def _forget_parts(**kwargs: Any) -> None:
    # A test's settings (the static files' URL, the languages) change what a part writes.
    _PARTS.clear()
