"""The Jinja2 environment of the pages' hot regions (docs/decisions.md, "Jinja2 for the hot
regions"): the workspace's list, a ticket's conversation and sidebar. Their page frame
(web/base.html) and every other page stay Django templates; a Django template renders a
region with ``{% jinja "web/<region>.html" %}`` (templatetags/jinja.py), passing its whole
context.

The helpers are the Django templates' own (templatetags/frontdesk_ui.py and friends), so
a badge or a time reads the same in both; the ones that read the page's reader take the
template context, as their Django tags do."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.forms import BoundField
from django.http import QueryDict
from django.template.defaultfilters import filesizeformat, truncatechars
from django.utils import dateformat, timezone, translation
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from frontdesk.accounts.models import SYSTEM_USER_ID
from frontdesk.core.clock import now
from frontdesk.sla.texts import sla_note_said
from frontdesk.tickets.models import MessageKind
from frontdesk.tickets.texts import plain_words
from frontdesk.web.queue_rows import queue_rows
from frontdesk.web.templatetags import frontdesk_text, frontdesk_ui, ticket_links
from frontdesk.web.templatetags.static_urls import static


@pass_context
def status_badge(context: Context, status: str) -> str:
    customer = frontdesk_ui.is_customer(context.get("user"))
    return frontdesk_ui.status_badge_html(status, for_customer=customer)


@pass_context
def system_line(context: Context, text: str) -> str:
    return plain_words(text, for_customer=frontdesk_ui.is_customer(context.get("user")))


def note_text(message: Any) -> str:
    """A message's text; the SLA's notes by System in the reader's language (sla/texts.py)."""
    if message.kind == MessageKind.INTERNAL and message.author_id == SYSTEM_USER_ID:
        return sla_note_said(message.body)
    return str(message.body)


@pass_context
def querystring(context: Context, query_dict: QueryDict | None = None, **kwargs: Any) -> str:
    """Django's ``{% querystring %}``: the request's query string with ``kwargs`` set, or
    removed when None."""
    if query_dict is None:
        query_dict = context["request"].GET
    # The values as lists, in the query's order, not a copy of the QueryDict: its copy() is a
    # deepcopy, and the queue's sort links ask eight times a page.
    params = dict(query_dict.lists())
    for key, value in kwargs.items():
        if value is None:
            params.pop(key, None)
        elif isinstance(value, Iterable) and not isinstance(value, str):
            params[key] = list(value)
        else:
            params[key] = [value]
    if not params and not query_dict:
        return ""
    # As QueryDict.urlencode() writes it: each value quoted with quote_plus, in UTF-8.
    return "?" + urlencode(
        [(key, str(value)) for key, values in params.items() for value in values]
    )


# A form field's widget HTML by everything it is made of: see widget().
_WIDGETS: dict[tuple[Any, ...], str] = {}
_WIDGETS_KEPT = 1000


def widget(field: BoundField) -> Markup:
    """``{{ field }}``, made once per process for each field name, id, widget, value, choices,
    error state and language, which are all its HTML depends on. Django renders a select
    option by option through a template: the workspace's filter bar (50 agents among its
    options) was about a tenth of the page's CPU, the same HTML for every agent looking at the
    same filters."""
    choices = getattr(field.field, "choices", None)
    key = (
        field.html_name,
        field.auto_id,
        type(field.field.widget),
        tuple(sorted(field.field.widget.attrs.items())),
        repr(field.value()),
        None if choices is None else tuple((str(v), str(label)) for v, label in choices),
        bool(field.errors),
        translation.get_language(),  # a placeholder's words are the reader's
    )
    html = _WIDGETS.get(key)
    if html is None:
        if len(_WIDGETS) >= _WIDGETS_KEPT:
            _WIDGETS.clear()
        html = _WIDGETS[key] = str(field)
    return Markup(html)  # noqa: S704  (Django's own widget HTML, escaped as it was made)


def time_zone_name() -> str:
    """Django's ``{% now "T" %}``: the page's time zone as its clock names it now (UTC, CET)."""
    return dateformat.format(timezone.localtime(now()), "T")


def pluralize(count: int, suffix: str = "s") -> str:
    """Django's ``|pluralize`` for a number."""
    return "" if count == 1 else suffix


# The regions' texts with a value in them, for makemessages (which reads only the plain
# ``_("text")`` of a Jinja2 template): see docs/translating.md.
JINJA_TEXTS = (
    translation.gettext_noop("Logged by %(name)s on their behalf"),
    translation.gettext_noop("Last changed by %(name)s"),  # the customer panel's note
    # a ticket's followers and CC (following/jinja2/following/_ticket_people.html)
    translation.gettext_noop(
        "Separate addresses with commas. They receive the public replies (never internal "
        "notes), can reply by mail and see this ticket when signed in. At most %(cc_max)s."
    ),
    translation.gettext_noop("%(name)s's profile picture"),
    # the workspace (web/jinja2/web/_workspace.html)
    translation.gettext_noop("New name for %(name)s"),
    translation.gettext_noop("%(name)s with every agent"),
    translation.gettext_noop("Remove filter %(label)s: %(value)s"),
    translation.gettext_noop("Search results for “%(q)s”"),
    translation.gettext_noop(
        "At most %(limit)s tickets at once. Each ticket changes as it would on its own page; "
        "a ticket that cannot change is named in the summary."
    ),
    translation.gettext_noop("No tickets match “%(q)s” with these filters."),
    translation.gettext_noop("No tickets match “%(q)s”."),
    # a ticket's head, controls, history and cards
    translation.gettext_noop(
        "%(name)s has this ticket. Take it over? They will see it in the history."
    ),
    translation.gettext_noop("Yes, take over from %(name)s"),
    translation.gettext_noop("Times are in %(zone)s."),
    translation.gettext_noop("Policy %(name)s"),
    translation.gettext_noop("%(title)s (split)"),
    translation.ngettext_lazy("Show %(num)s earlier change", "Show %(num)s earlier changes", 2),
    # the queue's narrow column heads: {{ pgettext("queue column", …) }}
    translation.pgettext_lazy("queue column", "Ticket"),
    translation.pgettext_lazy("queue column", "Assignee"),
    translation.pgettext_lazy("queue column", "Age or due"),
)


def earlier_messages(count: int) -> str:
    """The folded conversation's link: "3 earlier messages", in the reader's language."""
    return translation.ngettext(
        "%(count)s earlier message", "%(count)s earlier messages", count
    ) % {"count": count}


# The regions' {{ _("text") }} by language and text: the catalogue's words, as Markup, and
# for a text said without values those words formatted (Jinja2's new-style gettext formats
# even then: "%%" is "%").
_TRANSLATED: dict[tuple[str | None, str], Markup] = {}
_SAID: dict[tuple[str | None, str], Markup] = {}


@pass_context
def gettext(context: Context, text: str, **values: Any) -> str:
    """Jinja2's new-style ``_()`` (jinja2.ext), each text's translation kept per process and
    language. An agent's ticket page says about 90 texts; through Jinja2's gettext and
    Django's, each reading the thread's language, they were a tenth of its regions' CPU."""
    key = (translation.get_language(), text)
    if not values and context.eval_ctx.autoescape and (said := _SAID.get(key)) is not None:
        return said
    markup = _TRANSLATED.get(key)
    if markup is None:
        # The catalogue's words, not a value: the values are escaped as they are formatted.
        markup = _TRANSLATED[key] = Markup(translation.gettext(text))  # noqa: S704
    if not context.eval_ctx.autoescape:
        return str(markup) % values
    if values:
        return markup % values
    said = _SAID[key] = markup % {}
    return said


@receiver(setting_changed)
def _forget_translations(**kwargs: Any) -> None:
    # A test's languages or catalogues change what a text says.
    _TRANSLATED.clear()
    _SAID.clear()


def environment(**options: Any) -> Environment:
    options.setdefault("keep_trailing_newline", True)  # as Django templates keep it
    # {{ _("text") }} in the regions: Django's catalogue, the request's language.
    options["extensions"] = [*options.get("extensions", []), "jinja2.ext.i18n"]
    env = Environment(**options)  # noqa: S701  (autoescape is on: Django's backend sets it)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext,
        translation.ngettext,
        newstyle=True,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    # ``_`` called ``gettext`` through the context, then Django's gettext: kept per language.
    env.globals.update({"_": gettext, "gettext": gettext})
    env.globals.update(
        static=static,
        querystring=querystring,
        status_badge=status_badge,
        system_line=system_line,
        priority_badge=frontdesk_ui.priority_badge,
        due_or_age=frontdesk_ui.due_or_age,
        sla_target=frontdesk_ui.sla_target,
        when=frontdesk_ui.when,
        exact=frontdesk_ui.exact,
        history_line=frontdesk_ui.history_line,
        ticket_url=ticket_links.ticket_url,
        queue_rows=queue_rows,
        user_is_customer=frontdesk_ui.is_customer,
        time_zone_name=time_zone_name,
        widget=widget,
        earlier_messages=earlier_messages,
        role_words=frontdesk_ui.role_words,
        status_words=frontdesk_ui.status_words,
        note_text=note_text,
    )
    env.filters.update(
        message_text=frontdesk_text.message_text,
        message_folded=frontdesk_text.message_folded,
        pluralize=pluralize,
        # Django's: "1.2\xa0KB" (Jinja2's own writes "1.2 kB").
        filesizeformat=filesizeformat,
        truncatechars=truncatechars,
    )
    return env
