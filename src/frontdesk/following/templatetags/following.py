"""The ticket page's "Followers" and "CC" cards, read through the gate with the reader's
eyes (following/selectors.py)."""

from __future__ import annotations

from typing import Any

from django import template

from frontdesk.following import selectors

register = template.Library()


@register.inclusion_tag("following/_ticket_people.html", takes_context=True)
def ticket_people(context: template.Context) -> dict[str, Any]:
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
