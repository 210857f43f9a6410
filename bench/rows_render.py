# ruff: noqa: E501  (ROW below is a template row: its HTML lines are as long as the page's)
"""The workspace's 50 rows rendered five ways, CPU per render, in process: Django templates (the
row as web/workspace.html had it), the same with Django's ``{% cache %}`` around each row keyed
by the row's version (every row a miss, then every row a hit), Jinja2 (the row as
web/jinja2/web/_workspace.html had it) and Python (web/queue_rows.py, as the page writes its
rows now). docs/decisions.md, "Jinja2 for the workspace's list" and "The queue's rows written
by Python".

    FRONTDESK_DATA_DIR=... .venv/bin/python bench/rows_render.py [--view claimable]

Uses the desk the app would (DATABASE_URL, or SQLite in FRONTDESK_DATA_DIR), signs in the
first demo agent through the login form and takes the context of one /home request.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

from _queue_page import queue_page_render
from _server import LOAD_TEST_ENV

# The row as web/workspace.html wrote it before the region moved to Jinja2 (tags as names).
ROW = """
                <tr class="ticket-tr" data-ticket-row data-ticket-id="{{ ticket.pk }}">
                  <td class="col-select"><input type="checkbox" class="row-select" name="ticket" value="{{ ticket.pk }}" id="select-{{ ticket.pk }}" aria-label="Select {{ ticket.number }}: {{ ticket.title }}"></td>
                  <td class="col-number"><span class="ticket-number">{{ ticket.number }}</span></td>
                  <td class="col-title">
                    <div class="title-line">
                      <a class="ticket-link" href="{% ticket_url ticket.pk query %}" title="{{ ticket.title }}">{% include "web/_unread_dot.html" %}<span class="ticket-title" dir="auto">{{ ticket.title }}</span></a>
                      {% if ticket.tag_names %}<span class="tag-list"><span class="visually-hidden">Tags: </span>{% for name in ticket.tag_names %}<span class="tag">{{ name }}</span>{% endfor %}</span>{% endif %}
                      {% if ticket.preview %}<span class="preview" dir="auto"><span class="visually-hidden">Latest message: </span>{{ ticket.preview }}</span>{% endif %}
                    </div>
                  </td>
                  <td class="col-requester"><span class="cell-label">Requester </span>{{ ticket.requester.username }}</td>
                  <td class="col-status">{% status_badge ticket.status %}</td>
                  <td class="col-priority">{% priority_badge ticket.priority %}</td>
                  <td class="col-assignee">{% if ticket.assignee %}<span class="cell-label">Assignee </span>{{ ticket.assignee.username }}{% else %}<span class="muted">Unassigned</span>{% endif %}</td>
                  <td class="col-due">{% due_or_age ticket %}</td>
                  <td class="col-activity"><span class="cell-label">Last activity </span>{% when ticket.last_activity_at %}</td>
                </tr>
              """
# The row as web/jinja2/web/_workspace.html wrote it before web/queue_rows.py (decision 76).
JINJA_ROWS = """              {#- The rows' words, translated once for the 50 rows. #}
              {%- set new_messages, tags_label, latest_label = _("New messages"), _("Tags:"), _("Latest message:") %}
              {%- set requester_label, assignee_label, unassigned_label, activity_label = _("Requester"), _("Assignee"), _("Unassigned"), _("Last activity") %}
              {% for ticket in page.tickets %}
                <tr class="ticket-tr" data-ticket-row data-ticket-id="{{ ticket.pk }}">
                  <td class="col-select"><input type="checkbox" class="row-select" name="ticket" value="{{ ticket.pk }}" id="select-{{ ticket.pk }}" aria-label="{{ _("Select %(number)s: %(title)s", number=ticket.number, title=ticket.title) }}"></td>
                  <td class="col-number"><span class="ticket-number">{{ ticket.number }}</span></td>
                  <td class="col-title">
                    <div class="title-line">
                      <a class="ticket-link" href="{{ ticket_url(ticket.pk, query) }}" title="{{ ticket.title }}">{% if ticket.unread %}<span class="unread-dot" title="{{ new_messages }}"><span class="visually-hidden">{{ new_messages }}</span></span>{% endif %}
<span class="ticket-title" dir="auto">{{ ticket.title }}</span></a>
                      {% if ticket.tag_names %}<span class="tag-list"><span class="visually-hidden">{{ tags_label }} </span>{% for name in ticket.tag_names %}<span class="tag">{{ name }}</span>{% endfor %}</span>{% endif %}
                      {% if ticket.preview %}<span class="preview" dir="auto"><span class="visually-hidden">{{ latest_label }} </span>{{ ticket.preview }}</span>{% endif %}
                    </div>
                  </td>
                  <td class="col-requester"><span class="cell-label">{{ requester_label }} </span>{{ ticket.requester.username }}</td>
                  <td class="col-status">{{ status_badge(ticket.status) }}</td>
                  <td class="col-priority">{{ priority_badge(ticket.priority) }}</td>
                  <td class="col-assignee">{% if ticket.assignee %}<span class="cell-label">{{ assignee_label }} </span>{{ ticket.assignee.username }}{% else %}<span class="muted">{{ unassigned_label }}</span>{% endif %}</td>
                  <td class="col-due">{{ due_or_age(ticket) }}</td>
                  <td class="col-activity"><span class="cell-label">{{ activity_label }} </span>{{ when(ticket.last_activity_at) }}</td>
                </tr>
              {% endfor %}
"""
# What a row depends on: the ticket's version, its unread mark, the list's address, the minute
# (each row says "3 minutes ago").
KEY = "ticket.pk ticket.updated_at ticket.last_activity_at ticket.unread query_text minute"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--view", default="claimable")
    parser.add_argument("--renders", type=int, default=60)
    args = parser.parse_args()
    os.environ.update(LOAD_TEST_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.template import engines

    from frontdesk.web.queue_rows import queue_rows

    captured = queue_page_render(args.view)
    request = captured["request"]
    context = {**captured["context"], "query_text": f"view={args.view}", "minute": 0}
    django_engine, jinja = engines["django"], engines["jinja2"]
    loop = "{% for ticket in page.tickets %}"
    plain = django_engine.from_string(
        "{% load frontdesk_ui ticket_links %}" + loop + ROW + "{% endfor %}"
    )
    cached = django_engine.from_string(
        "{% load frontdesk_ui ticket_links cache %}"
        + loop
        + "{% cache 600 queue_row "
        + KEY
        + " %}"
        + ROW
        + "{% endcache %}{% endfor %}"
    )
    jinja_rows = jinja.from_string(JINJA_ROWS)
    assert plain.render(context, request) == cached.render(context, request)

    def miss() -> str:
        context["minute"] += 1
        return cached.render(context, request)

    flat = {**context, "user": request.user}
    python_rows = lambda: queue_rows(  # noqa: E731
        context["page"].tickets, context["query"], for_customer=False
    )
    # Escaped as the region's tag leaves it (web/templatetags/jinja.py): &#x27; and &quot;.
    as_django = jinja_rows.render(flat, request=request).replace("&#39;", "&#x27;")
    assert as_django.replace("&#34;", "&quot;").strip() == str(python_rows()).strip()
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"{len(context['page'].tickets)} rows, cache {backend}; load average {load}")
    timed("Django templates", lambda: plain.render(context, request), args.renders)
    timed("Django + {% cache %} per row, every row a miss", miss, args.renders)
    timed(
        "Django + {% cache %} per row, every row a hit",
        lambda: cached.render(context, request),
        args.renders,
    )
    timed("Jinja2", lambda: jinja_rows.render(flat, request=request), args.renders)
    timed("Python (web/queue_rows.py)", python_rows, args.renders)


def timed(label: str, render: Callable[[], Any], count: int) -> None:
    render()
    started = time.process_time()
    for _ in range(count):
        render()
    print(f"  {label:50} {(time.process_time() - started) * 1000 / count:6.2f} ms CPU")


if __name__ == "__main__":
    main()
