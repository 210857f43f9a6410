"""The queue page's templates rendered alone, CPU per render, in process: the whole page
(web/workspace.html), its frame alone (web/base.html with the page's context, its blocks
empty), the frame's includes one by one, the workspace region (web/jinja2/web/_workspace.html)
and its 50 rows (web/queue_rows.py). docs/decisions.md 87.

    FRONTDESK_DATA_DIR=... .venv/bin/python bench/frame_render.py [--view claimable] [--renders 300]

Uses the desk the app would (DATABASE_URL, or SQLite in FRONTDESK_DATA_DIR), signs in the
first demo agent through the login form and takes the request and context of one /home
request, as bench/rows_render.py does.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
from collections.abc import Callable
from typing import Any

from _queue_page import queue_page_render
from _server import LOAD_TEST_ENV

INCLUDES = (
    "web/_htmx.html",
    "web/_js_texts.html",
    "web/_email_verify_banner.html",
    "web/_agent_tools.html",
    "web/_shortcuts.html",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--view", default="claimable")
    parser.add_argument("--renders", type=int, default=300)
    parser.add_argument(
        "--cprofile", choices=("frame", "region"), help="its 25 costliest functions"
    )
    args = parser.parse_args()
    os.environ.update(LOAD_TEST_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    import django

    django.setup()
    from django.template import engines
    from django.template.loader import get_template
    from django.utils import translation

    from frontdesk.web.queue_rows import queue_rows

    captured = queue_page_render(args.view)
    request, context = captured["request"], captured["context"]
    translation.activate(request.LANGUAGE_CODE)
    django_engine = engines["django"]
    page = get_template(captured["template"])
    frame = get_template("web/base.html")
    region = django_engine.from_string('{% load jinja %}{% jinja "web/_workspace.html" %}')
    if args.cprofile:
        chosen = frame if args.cprofile == "frame" else region
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [chosen.render(context, request) for _ in range(args.renders)])
        pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "tottime")).print_stats(25)
        return
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{len(context['page'].tickets)} rows; load average {load}")
    timed("the page (web/workspace.html)", lambda: page.render(context, request), args.renders)
    timed("the frame alone (web/base.html)", lambda: frame.render(context, request), args.renders)
    for name in INCLUDES:
        include = get_template(name)
        timed(f"  {name}", lambda t=include: t.render(context, request), args.renders)
    timed("the region (_workspace.html)", lambda: region.render(context, request), args.renders)
    timed(
        "  its 50 rows (queue_rows)",
        lambda: queue_rows(context["page"].tickets, context["query"], for_customer=False),
        args.renders,
    )


def timed(label: str, render: Callable[[], Any], count: int) -> None:
    render()
    started = time.process_time()
    for _ in range(count):
        render()
    print(f"  {label:50} {(time.process_time() - started) * 1000 / count:6.3f} ms CPU", flush=True)


if __name__ == "__main__":
    main()
