"""The HTML the ticket pages and the workspace write, to compare two versions byte for byte.

    FRONTDESK_DATA_DIR=COPY .venv/bin/python bench/pages_html.py write before.json
    (change the code, restore COPY from the same snapshot)
    FRONTDESK_DATA_DIR=COPY .venv/bin/python bench/pages_html.py write after.json
    .venv/bin/python bench/pages_html.py compare before.json after.json

Renders, in process with Django's test client, for an admin, two agents and three customers:
ticket pages (plain, unfolded, from a list), their htmx parts (``?parts=ticket``, the thread,
``?after=``), refused posts of every sidebar control and of the composer (htmx and not), and
the workspace's views, a search and a refused filter; and the other pages of the frame in
English and Spanish, signed in and out. The clock is frozen (core.clock), CSRF
tokens and nonces are blanked. Reading marks tickets read, so write each version on the same
copy of a desk (``cp -a`` of a demo data directory), freshly restored. ``compare`` prints the
pages that differ and their first different lines. Django's ``timesince`` reads the wall clock
itself ("Waiting 17 minutes", "Overdue by 3 hours"): a run that crosses a minute or an hour
differs there, not elsewhere.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import sys
from datetime import UTC, datetime
from typing import Any

FROZEN = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
H = {"HTTP_HX_REQUEST": "true"}
REFUSED = [
    ("priority", {"action": "priority", "priority": "nope"}),
    ("due", {"action": "due", "due_at": "tomorrow"}),
    ("status", {"action": "status", "status": "zzz"}),
    ("resolution", {"action": "resolution", "resolution": "x" * 20000, "resolution_public": "on"}),
    ("reply", {"action": "reply", "message": "  ", "mode": "reply"}),
    ("note", {"action": "note", "message": "", "mode": "note"}),
    ("tags", {"action": "tags", "tags": "<b>" * 300}),
    ("assign", {"action": "assign", "assignee": "999999"}),
]
VIEWS = ("claimable", "mine", "open", "pending", "overdue", "closed")
# Other pages in the same frame (web/base.html), for every reader (those a reader may not see
# answer in the frame too), in English and in Spanish; and the signed-out pages.
FRAME_PAGES = (
    "/profile", "/replies", "/reports", "/rules", "/webhooks", "/mail/held", "/ticket/new",
    "/kb", "/kb/manage", "/organisations",
)  # fmt: skip
SIGNED_OUT_PAGES = ("/login", "/register", "/kb", "/home")


def _blanked(html: str) -> str:
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1X", html)
    html = re.sub(r'nonce="[^"]+"', 'nonce="X"', html)
    return re.sub(r'("csrfToken"|csrf-token"? content=")[^"]*', r"\1X", html)


def write(path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    os.environ["FRONTDESK_RATE_LIMITS"] = "off"
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from frontdesk.accounts.models import Role, User
    from frontdesk.core import clock
    from frontdesk.tickets.models import Ticket

    settings.ALLOWED_HOSTS = ["*"]
    clock.source = lambda: FROZEN
    pages: dict[str, str] = {}

    def keep(key: str, response: Any) -> None:
        pages[key] = f"{response.status_code}\n" + _blanked(response.content.decode())

    staff = [
        User.objects.filter(role=Role.ADMIN).order_by("pk").first(),
        *User.objects.filter(role=Role.AGENT).order_by("pk")[:2],
    ]
    customers = (
        User.objects.filter(role=Role.CUSTOMER, requested_tickets__isnull=False)
        .distinct()
        .order_by("pk")[:3]
    )
    tickets = Ticket.objects.values_list("pk", flat=True)
    chosen = [
        *tickets.order_by("-last_activity_at")[:25],
        *tickets.filter(status__in=["resolved", "closed"]).order_by("pk")[:8],
        *tickets.exclude(resolution="").order_by("pk")[:4],
        *tickets.filter(title__contains='"')[:3],
        *tickets.filter(title__contains="'")[:3],
        *tickets.filter(assignee__isnull=True).order_by("pk")[:4],
        *tickets.filter(due_at__isnull=False).order_by("pk")[:4],
    ]
    for language in ("en", "es"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        for page in SIGNED_OUT_PAGES:
            keep(f"anonymous/{language}{page}", client.get(page))
        for user in [*staff, *customers]:
            client.force_login(user)
            for page in FRAME_PAGES:
                keep(f"{user.username}/{language}{page}", client.get(page))
            keep(f"{user.username}/{language}/home", client.get("/home"))
            client.logout()
    for user in staff:
        client = Client()
        client.force_login(user)
        for pk in chosen:
            key = f"{user.username}/{pk}"
            keep(key, client.get(f"/ticket/{pk}"))
            keep(f"{key}/all", client.get(f"/ticket/{pk}?all=1&from=view%3Dclaimable"))
            keep(f"{key}/parts", client.get(f"/ticket/{pk}/thread?parts=ticket"))
            keep(f"{key}/thread", client.get(f"/ticket/{pk}/thread?all=1"))
            keep(f"{key}/after", client.get(f"/ticket/{pk}/thread?after=1"))
        for view in VIEWS:
            keep(f"{user.username}/home/{view}", client.get(f"/home?view={view}"))
            keep(f"{user.username}/home/{view}/htmx", client.get(f"/home?view={view}", **H))
        keep(f"{user.username}/home/search", client.get("/home?view=open&q=%22studio%22+door"))
        keep(f"{user.username}/home/bad", client.get("/home?view=open&priority=zzz&q=%22x%22"))
        for pk in chosen[:6]:
            for name, data in REFUSED:
                keep(f"{user.username}/{pk}/{name}", client.post(f"/ticket/{pk}", data))
                keep(f"{user.username}/{pk}/{name}/htmx", client.post(f"/ticket/{pk}", data, **H))
    for user in customers:
        client = Client()
        client.force_login(user)
        own = tickets.filter(requester=user)
        keep(f"{user.username}/home", client.get("/home"))
        for pk in [*own.order_by("pk")[:12], *own.order_by("-pk")[:3]]:
            key = f"{user.username}/{pk}"
            keep(key, client.get(f"/ticket/{pk}"))
            keep(f"{key}/all", client.get(f"/ticket/{pk}?all=1"))
            keep(f"{key}/parts", client.get(f"/ticket/{pk}/thread?parts=ticket"))
            keep(f"{key}/after", client.get(f"/ticket/{pk}/thread?after=1"))
            reply = {"action": "reply", "message": ""}
            keep(f"{key}/reply/htmx", client.post(f"/ticket/{pk}", reply, **H))
    with open(path, "w") as out:
        json.dump(pages, out, indent=0, sort_keys=True)
    refused = sum(not page.startswith("200") for page in pages.values())
    print(f"{len(pages)} pages ({refused} refused posts) written to {path}")


def _timeless(html: str) -> str:
    """The page without what Django's timesince reads from the wall clock."""
    return re.sub(r"(Waiting|Overdue by|Due in) [^<]*<", r"\1 …<", html)


def compare(before_path: str, after_path: str) -> None:
    with open(before_path) as one, open(after_path) as two:
        before, after = json.load(one), json.load(two)
    if before.keys() != after.keys():
        sys.exit("The two files hold different pages: were they written from the same desk?")
    differ = [key for key in before if before[key] != after[key]]
    clock = [key for key in differ if _timeless(before[key]) == _timeless(after[key])]
    differ = [key for key in differ if key not in clock]
    print(f"{len(before)} pages, {len(differ)} differ ({len(clock)} more in wall-clock ages only)")
    for key in differ[:5]:
        print(f"== {key}")
        lines = difflib.unified_diff(
            before[key].splitlines(), after[key].splitlines(), lineterm="", n=0
        )
        for line in list(lines)[2:12]:
            print(line[:300])


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        write(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
