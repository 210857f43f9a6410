"""The job worker's CPU per notification mail, by stage, the same mails delivered again and again.

    .venv/bin/python bench/mail_cpu.py                   # 5 deliveries of the flow's mails
    .venv/bin/python bench/mail_cpu.py --stages          # and where each mail's CPU goes
    PYTHONPATH=<older checkout>/src .venv/bin/python bench/mail_cpu.py     # "before"

bench/flow_cpu.py times the worker once, over the mails of its measured rounds; on a busy
machine one pass varies by a fifth. This plays the same story (bench/flow_cpu.py's ``Story``:
ten rounds to warm up and deliver, then ``--rounds`` whose mails are measured), then sets those
mails back to due and delivers them ``--passes`` times as the job worker does, reporting the
CPU per mail (``time.process_time``) of each pass and the lowest. ``--stages`` times the
stages of each mail (templates, the mail's headers and bytes, recording), which adds a little
CPU of its own to every pass.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from _server import LOAD_TEST_ENV
from flow_cpu import Story, deliver_mails


def timed(spent: dict[str, float], owner: Any, name: str, label: str) -> None:
    """Wrap ``owner.name`` so that its CPU time adds up under ``label``."""
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - started

    setattr(owner, name, wrapper)


def time_stages(spent: dict[str, float]) -> None:
    from django.core.mail import message

    from frontdesk.notifications import backends, delivery

    timed(spent, delivery, "_mails_with_people", "the batch's rows and people")
    timed(spent, delivery, "render", "templates (subject, text, HTML)")
    timed(spent, delivery, "thread_headers", "threading headers (two reads)")
    timed(spent, delivery._Mail, "message", "the MIME message built (Django)")
    timed(spent, message.MIMEMixin, "as_bytes", "its bytes written (headers, parts)")
    timed(spent, backends.EmlFileBackend, "send_messages", "handed over: both above, the .eml file")
    timed(spent, delivery, "_record_all", "outcomes recorded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--stages", action="store_true", help="CPU per mail of each stage")
    args = parser.parse_args()
    os.environ.update({**LOAD_TEST_ENV, "FRONTDESK_DATA_DIR": tempfile.mkdtemp(prefix="fd-mail-")})
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import frontdesk.wsgi as served
    from frontdesk.core.clock import now
    from frontdesk.notifications.models import OutboxMail

    story = Story(served.application)
    story.cast()
    story.rounds(10)
    deliver_mails(None)
    story.rounds(args.rounds)
    mails = OutboxMail.objects.filter(status=OutboxMail.Status.PENDING)
    ids = list(mails.values_list("pk", flat=True))
    kinds = sorted(set(mails.values_list("kind", flat=True)))
    spent: dict[str, float] = defaultdict(float)
    if args.stages:
        time_stages(spent)
    per_mail = []
    for _ in range(args.passes):
        OutboxMail.objects.filter(pk__in=ids).update(
            status=OutboxMail.Status.PENDING, attempts=0, next_attempt_at=now()
        )
        count, seconds = deliver_mails(None)
        per_mail.append(1000 * seconds / count)
    print(f"{len(ids)} mails ({', '.join(kinds)}); load average {os.getloadavg()[0]:.1f}")
    print("ms of CPU per mail, each pass: " + " ".join(f"{ms:.2f}" for ms in per_mail))
    print(f"lowest: {min(per_mail):.2f} ms")
    if spent:
        delivered = len(ids) * args.passes
        print("| stage | ms per mail |\n|---|---:|")
        for label, seconds in spent.items():
            print(f"| {label} | {1000 * seconds / delivered:.3f} |")


if __name__ == "__main__":
    main()
