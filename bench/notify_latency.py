"""Notification latency: from a change to the SMTP server's acceptance of the mail it causes,
with the background worker `frontdesk serve` starts, alone or under the flow benchmark's load.

    .venv/bin/python bench/notify_latency.py [--samples 60] [--interval 0.5] [--load 8]
                                             [--workers 1] [--json FILE]

Starts an SMTP server (aiosmtpd) in this process and ``frontdesk serve --workers N`` on a fresh
data directory (SQLite, or DATABASE_URL) that sends to it. A driver process (``frontdesk
shell``, same database and job queue) then posts an agent's reply to a customer's ticket every
``--interval`` seconds through the reply use case (``services.message_post``), and notes which
outbox rows each change wrote. The rows come from the notification rules when the code has
them (``frontdesk.notifications.rules``). Without the rules, the driver writes one row itself,
in the reply's transaction, as the rules would. The output says which of the two it was.
The latency of a mail runs from the start of the use case to the moment the SMTP server
answers 250 to it. Those two clocks are the same machine's wall clock.

``--load C`` runs bench/flow.py's story with C customers (and its agents) against the same
server for the whole measurement, so the worker and the database are busy with other work (and,
with the rules, with every notification that story causes). ``--load 0`` measures the quiet
case.
"""

from __future__ import annotations

import argparse
import asyncio
import email.parser
import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
from typing import Any

from _server import FRONTDESK, Server, free_port, percentile, served
from aiosmtpd.controller import Controller

SUPPORT = "help@bench.example"


class Sink:
    """Keeps the time each Message-ID was accepted (the first time, if it came twice)."""

    def __init__(self) -> None:
        self.accepted: dict[str, float] = {}
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        at = time.time()
        headers = email.parser.BytesHeaderParser().parsebytes(envelope.original_content or b"")
        with self.lock:
            self.count += 1
            self.accepted.setdefault(str(headers["Message-ID"]).strip(), at)
        return "250 Message accepted for delivery"


SETUP = """
from frontdesk.accounts.models import Role, User
from frontdesk.accounts.services import user_set_role
from frontdesk.tickets import services
agent = User.objects.create_user(username="latency_agent", email="agent@bench.example",
                                 password="bench-password-1", role=Role.CUSTOMER)
user_set_role(actor=None, user=agent, role="agent")
customer = User.objects.create_user(username="latency_customer",
                                    email="customer@bench.example", password="bench-password-1")
ticket = services.ticket_open(actor=customer, title="Music for the Friday class",
                              body="Could the Friday class use the new playlist?").ticket
print(ticket.pk)
"""

DRIVER = """
import importlib.util, json, time
from django.db import transaction
from frontdesk.accounts.models import User
from frontdesk.notifications.models import OutboxMail
from frontdesk.notifications.outbox import outbox_enqueue
from frontdesk.tickets import services
RULES = importlib.util.find_spec("frontdesk.notifications.rules") is not None
agent = User.objects.get(username="latency_agent")
customer = User.objects.get(username="latency_customer")
print(json.dumps({"rules": RULES}), flush=True)
for n in range(SAMPLES):
    before = OutboxMail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = time.time()
    with transaction.atomic():
        reply = services.message_post(actor=agent, ticket_id=TICKET,
                                      body=f"Reply {n}: the playlist is on the studio's laptop.")
        if not RULES:
            outbox_enqueue(kind="ticket_received", recipient=customer, ticket=reply.ticket,
                           message=reply)
    committed = time.time()
    ids = list(OutboxMail.objects.filter(ticket_id=TICKET, pk__gt=before)
               .values_list("message_id_header", flat=True))
    print(json.dumps({"started": started, "committed": committed, "ids": ids}), flush=True)
    time.sleep(INTERVAL)
"""


def _shell(env: dict[str, str], code: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(FRONTDESK), "shell", "--verbosity", "0", "--command", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _load(server: Server, concurrency: int, duration: float, out: dict[str, Any]) -> None:
    """bench/flow.py's story, in a thread with its own event loop."""
    sys.path.insert(0, os.path.dirname(__file__))
    flow = importlib.import_module("flow")
    out["result"] = asyncio.run(flow.run_level(server, concurrency, duration))


def measure(args: argparse.Namespace) -> dict[str, Any]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    os.environ.update(
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        FRONTDESK_SUPPORT_ADDRESSES=SUPPORT,
        DEFAULT_FROM_EMAIL=f"Bench Studio <{SUPPORT}>",
    )
    try:
        with served(workers=args.workers, database_url=os.environ.get("DATABASE_URL")) as server:
            setup = _shell(server.env, SETUP)
            out, err = setup.communicate(timeout=120)
            if setup.returncode != 0:
                sys.exit(f"setting up failed:\n{err}")
            ticket = int(out.split()[-1])

            load: dict[str, Any] = {}
            loader = None
            if args.load:
                span = args.samples * (args.interval + 0.2) + 15
                loader = threading.Thread(
                    target=_load, args=(server, args.load, span, load), daemon=True
                )
                loader.start()
                time.sleep(args.warmup)  # past flow's sign-up phase, into its story
            code = (
                DRIVER.replace("SAMPLES", str(args.samples))
                .replace("INTERVAL", str(args.interval))
                .replace("TICKET", str(ticket))
            )
            driver = _shell(server.env, code)
            changes = []
            rules = False
            assert driver.stdout is not None
            for line in driver.stdout:
                record = json.loads(line)
                if "rules" in record:
                    rules = record["rules"]
                else:
                    changes.append(record)
            if driver.wait() != 0:
                sys.exit(f"the driver failed:\n{driver.stderr.read() if driver.stderr else ''}")
            expected = {mid for change in changes for mid in change["ids"]}
            deadline = time.time() + 60
            while time.time() < deadline and not expected <= set(sink.accepted):
                time.sleep(0.1)
            if loader is not None:
                loader.join()
    finally:
        controller.stop()

    from_start, from_commit = [], []
    for change in changes:
        for mid in change["ids"]:
            if mid in sink.accepted:
                from_start.append(sink.accepted[mid] - change["started"])
                from_commit.append(sink.accepted[mid] - change["committed"])
    from_start.sort()
    from_commit.sort()
    flow = load.get("result", {}).get("flow", [{}])[-1]
    return {
        "rules": rules,
        "changes": len(changes),
        "mails_expected": len(expected),
        "mails_arrived": len(from_start),
        "mails_at_sink": sink.count,
        "p50_s": percentile(from_start, 0.50),
        "p95_s": percentile(from_start, 0.95),
        "max_s": from_start[-1] if from_start else 0.0,
        "p50_from_commit_s": percentile(from_commit, 0.50),
        "p95_from_commit_s": percentile(from_commit, 0.95),
        "load_customers": args.load,
        "load_rps": flow.get("rps"),
        "load_p95_ms": flow.get("p95_ms"),
        "load_errors": flow.get("errors"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=60, help="changes to time")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between changes")
    parser.add_argument("--load", type=int, default=8, help="flow.py customers at once (0: none)")
    parser.add_argument("--warmup", type=float, default=8.0, help="seconds of load before timing")
    parser.add_argument("--workers", type=int, default=1, help="frontdesk serve --workers")
    parser.add_argument("--json", help="write the result to this file")
    args = parser.parse_args()

    result = measure(args)
    source = "the notification rules" if result["rules"] else "rows written by the driver"
    print(f"\nNotification latency, change → SMTP acceptance ({source}):\n")
    print("| changes | mails | arrived | p50 s | p95 s | max s | p95 from commit s | load |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    load = (
        f"flow.py C={args.load}: {result['load_rps']:.0f} req/s, p95 {result['load_p95_ms']:.0f}"
        f" ms, {result['load_errors']} errors"
        if args.load and result["load_rps"] is not None
        else "none"
    )
    print(
        f"| {result['changes']} | {result['mails_expected']} | {result['mails_arrived']} | "
        f"{result['p50_s']:.2f} | {result['p95_s']:.2f} | {result['max_s']:.2f} | "
        f"{result['p95_from_commit_s']:.2f} | {load} |"
    )
    print(
        f"\nworkers: {args.workers}; mails the sink accepted in all: {result['mails_at_sink']}; "
        f"database: {'DATABASE_URL' if os.environ.get('DATABASE_URL') else 'SQLite'}; "
        f"load average: {os.getloadavg()[0]:.2f}"
    )
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"args": vars(args), "result": result}, out, indent=2)


if __name__ == "__main__":
    main()
