"""``{% jinja "web/_queue.html" %}``: a region of a Django template rendered by the Jinja2
engine (web/jinja2env.py), with the Django template's whole context."""

from __future__ import annotations

from typing import Any, cast

from django import template
from django.template import engines
from django.template.backends.jinja2 import Template as Jinja2Template
from django.utils.functional import LazyObject, empty
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja(context: template.Context, name: str) -> SafeString:
    return region_html(name, cast(dict[str, Any], context.flatten()))


def region_html(name: str, values: dict[str, Any]) -> SafeString:
    """The Jinja2 region ``name`` rendered with ``values`` (a Django template's context, or
    what a Django tag would have given its own template), as a Django template writes it."""
    region = cast(Jinja2Template, engines["jinja2"].get_template(name))
    user = values.get("user")
    if isinstance(user, LazyObject):
        # request.user: the region reads the user itself, not through the lazy proxy, which
        # cost a method call on every attribute read (every row asks whose page it is).
        # Once the authentication middleware has read it (every signed-in page has).
        wrapped = user._wrapped  # type: ignore[attr-defined]
        values["user"] = user if wrapped is empty else wrapped
    if "csrf_token" in values:
        # The page's one CSRF token (Django's context processor makes it once a request), in
        # each of the region's forms as {% csrf_token %} writes it. The Jinja2 backend's own
        # ``csrf_input`` masks the secret anew in every form: 0.1 ms each.
        token = str(values["csrf_token"])
        values["csrf_token"] = token
        values["csrf_input"] = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token
        )
    # The engine has no context processors of its own; ``request`` is in the context already.
    html = region.template.render(values)
    # Escaped as Django escapes: an apostrophe is &#x27; and a double quote &quot; (MarkupSafe
    # writes &#39; and &#34;), so that a region reads byte for byte as the Django template it
    # replaced. Text can hold neither of its own: its "&" is escaped.
    # The region's Jinja2 template escapes what it shows (autoescape): its output is HTML.
    return mark_safe(html.replace("&#39;", "&#x27;").replace("&#34;", "&quot;"))  # noqa: S308
