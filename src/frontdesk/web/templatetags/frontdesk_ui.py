"""Small presentation helpers for the page templates: times, ages and status badges."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from frontdesk.core.clock import now
from frontdesk.tickets.models import Status

register = template.Library()

EXACT_FORMAT = "j M Y, H:i T"

# A queued ticket older than these stands out (the seed's "priority queue" concern).
AGE_AGING = timedelta(hours=24)
AGE_OLD = timedelta(days=3)


def exact_time(moment: datetime) -> str:
    """``21 Nov 2025, 14:03 UTC`` in the server's time zone."""
    return str(format_date(timezone.localtime(moment), EXACT_FORMAT))


def relative_time(moment: datetime, *, reference: datetime | None = None) -> str:
    """``3 hours ago`` (one unit only), or ``just now`` under a minute."""
    reference = reference or now()
    if reference - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, reference, depth=1)} ago"


@register.simple_tag
def when(moment: datetime | None) -> SafeString:
    """A ``<time>`` saying "3 hours ago", with the exact time on hover."""
    if moment is None:
        return format_html("{}", "")
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        moment.isoformat(),
        exact_time(moment),
        relative_time(moment),
    )


@register.simple_tag
def exact(moment: datetime | None) -> SafeString:
    """The exact time, in a ``<time>`` element."""
    if moment is None:
        return format_html("{}", "")
    return format_html('<time datetime="{}">{}</time>', moment.isoformat(), exact_time(moment))


@register.simple_tag
def age(moment: datetime) -> SafeString:
    """How long a queued ticket has waited: "Waiting 3 days", marked up when it grows old."""
    waited = now() - moment
    level = "old" if waited >= AGE_OLD else "aging" if waited >= AGE_AGING else "fresh"
    text = (
        "Waiting under a minute"
        if waited < timedelta(minutes=1)
        else (f"Waiting {timesince(moment, depth=1)}")
    )
    return format_html(
        '<time class="age age--{}" datetime="{}" title="Opened {}">{}</time>',
        level,
        moment.isoformat(),
        exact_time(moment),
        text,
    )


@register.simple_tag
def status_badge(status: str) -> SafeString:
    """The status as a coloured badge that also says it in words."""
    try:
        label = Status(status).label
    except ValueError:
        label = status
    return format_html(
        '<span class="badge badge--{}"><span class="visually-hidden">Status: </span>{}</span>',
        status,
        label,
    )
