"""``{% jinja "web/_queue.html" %}``: a region of a Django template rendered by the Jinja2
engine (web/jinja2env.py), with the Django template's whole context."""

from __future__ import annotations

from typing import Any, cast

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja(context: template.Context, name: str) -> SafeString:
    region = engines["jinja2"].get_template(name)
    values = cast(dict[str, Any], context.flatten())
    html = region.render(values, request=context.get("request"))
    # Escaped as Django escapes: an apostrophe is &#x27; (MarkupSafe writes &#39;), so that a
    # region reads byte for byte as the Django template it replaced. Text can hold no
    # "&#39;" of its own: its "&" is escaped.
    # The region's Jinja2 template escapes what it shows (autoescape): its output is HTML.
    return mark_safe(html.replace("&#39;", "&#x27;"))  # noqa: S308
