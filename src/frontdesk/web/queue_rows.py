"""The workspace list's rows, written by Python (docs/decisions.md, 76): 50 rows were most of
the queue page's rendering even in Jinja2, each looking up its words, its language, its time
zone and the clock again. Here they are read once per list (``ReadersClock``, ``_RowWords``)
and each row is one format of escaped values. The HTML is byte for byte what the region's
template wrote (``bench/pages_html.py`` compares them); the region
(web/jinja2/web/_workspace.html) calls ``queue_rows`` where its loop was."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from django.utils.translation import get_language, gettext
from markupsafe import Markup

from frontdesk.tickets.rows import QueueRow
from frontdesk.web.forms import WorkspaceQuery
from frontdesk.web.templatetags.frontdesk_ui import (
    ReadersClock,
    priority_badge,
    status_badge_html,
)
from frontdesk.web.templatetags.ticket_links import from_list

# The row as the region's template had it; {braces} are escaped values or HTML made here.
_ROW = """
                <tr class="ticket-tr" data-ticket-row data-ticket-id="{pk}">
                  <td class="col-select"><input type="checkbox" class="row-select" name="ticket" value="{pk}" id="select-{pk}" aria-label="{select}"></td>
                  <td class="col-number"><span class="ticket-number">{number}</span></td>
                  <td class="col-title">
                    <div class="title-line">
                      <a class="ticket-link" href="/ticket/{pk}{link}" title="{title}">{unread}
<span class="ticket-title" dir="auto">{title}</span></a>
                      {tags}
                      {preview}
                    </div>
                  </td>
                  <td class="col-requester"><span class="cell-label">{requester_label} </span>{requester}</td>
                  <td class="col-status">{status}</td>
                  <td class="col-priority">{priority}</td>
                  <td class="col-assignee">{assignee}</td>
                  <td class="col-due">{due}</td>
                  <td class="col-activity"><span class="cell-label">{activity_label} </span>{activity}</td>
                </tr>
              """  # noqa: E501  (the page's own HTML lines)


@dataclass(frozen=True)
class _RowWords:
    """A row's fixed words in one language, escaped, and the label's format."""

    select: str
    unread: str
    tags: str
    latest: str
    requester: str
    assignee: str
    unassigned: str
    activity: str


@lru_cache(maxsize=16)  # one per language: gettext answers in the active one, which is this
def _row_words(language: str) -> _RowWords:
    new_messages = escape(gettext("New messages"))
    return _RowWords(
        select=gettext("Select %(number)s: %(title)s"),
        unread=(
            f'<span class="unread-dot" title="{new_messages}">'
            f'<span class="visually-hidden">{new_messages}</span></span>'
        ),
        tags=escape(gettext("Tags:")),
        latest=escape(gettext("Latest message:")),
        requester=escape(gettext("Requester")),
        assignee=escape(gettext("Assignee")),
        unassigned=f'<span class="muted">{escape(gettext("Unassigned"))}</span>',
        activity=escape(gettext("Last activity")),
    )


def queue_rows(
    tickets: Iterable[QueueRow], query: WorkspaceQuery | None, *, for_customer: bool
) -> Markup:
    """The ``<tr>`` of each ticket of a workspace list (``QueueRow``s, as
    ``selectors.tickets_for_workspace`` reads them: with the unread mark, preview and tag names,
    the requester and assignee)."""
    words = _row_words(get_language())
    clock = ReadersClock()
    link = escape(from_list(query))
    rows = []
    for ticket in tickets:
        number, title = escape(ticket.number), escape(ticket.title)
        tag_names, preview = ticket.tag_names, ticket.preview
        assignee = (
            f'<span class="cell-label">{words.assignee} </span>{escape(ticket.assignee.username)}'
            if ticket.assignee
            else words.unassigned
        )
        rows.append(
            _ROW.format(
                pk=ticket.pk,
                select=words.select % {"number": number, "title": title},
                number=number,
                link=link,
                title=title,
                unread=words.unread if ticket.unread else "",
                tags=_tags(tag_names, words) if tag_names else "",
                preview=(
                    '<span class="preview" dir="auto"><span class="visually-hidden">'
                    f"{words.latest} </span>{escape(preview)}</span>"
                    if preview
                    else ""
                ),
                requester_label=words.requester,
                requester=escape(ticket.requester.username),
                status=status_badge_html(ticket.status, for_customer=for_customer),
                priority=priority_badge(ticket.priority),
                assignee=assignee,
                due=clock.due_or_age(ticket),
                activity_label=words.activity,
                activity=clock.when(ticket.last_activity_at),
            )
        )
    return Markup("".join(rows))  # noqa: S704  (every value escaped above)


def _tags(names: list[str], words: _RowWords) -> str:
    tags = "".join(f'<span class="tag">{escape(name)}</span>' for name in names)
    return f'<span class="tag-list"><span class="visually-hidden">{words.tags} </span>{tags}</span>'
