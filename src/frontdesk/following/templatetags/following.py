"""The ticket page's "Followers" and "CC" cards, read through the gate with the reader's
eyes (following/selectors.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from frontdesk.following import selectors
from frontdesk.web.templatetags.jinja import region_html

register = template.Library()


@register.simple_tag(takes_context=True)
def ticket_people(context: template.Context) -> SafeString:
    # A Jinja2 region, as the sidebar's others (docs/decisions.md 91): in Django's engine the
    # two cards cost 0.4 ms of the page's CPU.
    return region_html("following/_ticket_people.html", _people_context(context))


def _people_context(context: template.Context) -> dict[str, Any]:
    ticket = context["ticket"]
    user = context["request"].user
    people = selectors.ticket_people(user=user, ticket=ticket)
    return {
        "ticket": ticket,
        "people": people,
        "for_staff": user.is_staff_member,
        "csrf_token": context.get("csrf_token"),
        "cc_max": selectors.CC_MAX,
        # A refused addition comes back with its error and what was typed (web/views/following.py).
        "cc_error": getattr(context["request"], "cc_error", ""),
        "cc_typed": context["request"].POST.get("cc", "")
        if context["request"].method == "POST"
        else "",
        "request": context["request"],
    }
