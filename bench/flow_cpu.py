"""The SupportMe flow's mix in process: CPU per request of each kind, and the job worker's per mail.

    .venv/bin/python bench/flow_cpu.py                        # through frontdesk.wsgi, as served
    .venv/bin/python bench/flow_cpu.py --chain whole          # every request the whole chain
    .venv/bin/python bench/flow_cpu.py --profile /tmp/mix.prof --worker-profile /tmp/mail.prof
    PYTHONPATH=<older checkout>/src .venv/bin/python bench/flow_cpu.py     # "before"

On a fresh SQLite data directory (rate limits off, as bench/flow.py runs the server) it signs up
four agents and 32 customers through the SupportMe API and plays bench/flow.py's story in one
thread, calling the WSGI application directly (no server, no sockets): customers open tickets,
write, read their lists, the ticket and its messages, close and reopen; agents take the queue,
claim, answer and close. Ten rounds warm it up, then ``--rounds`` are measured: the CPU time of
this process per request kind (``time.process_time``, so other load on the machine counts less
than in a served run, though a busy machine still slows it). Then the mails those rounds wrote
are delivered as the job worker delivers them, timed per mail and per flow request.

What a served run adds (granian, the crossing to the request thread, another process on the
same core) is in bench/flow.py; this is for telling where a request's own CPU goes.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from _server import LOAD_TEST_ENV, PASSWORD, wsgi_environ

Send = Callable[..., tuple[int, dict[str, Any]]]


class Story:
    """bench/flow.py's customers and agents, one request after another."""

    def __init__(self, application: Callable[..., Any]) -> None:
        self.application = application
        self.cpu: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        self.rng = random.Random(1)
        self.agents: list[str] = []
        self.customers: list[dict[str, Any]] = []

    def send(
        self, kind: str, method: str, path: str, body: Any = None, token: str = ""
    ) -> tuple[int, dict[str, Any]]:
        raw = json.dumps(body).encode() if body is not None else b""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        environ = wsgi_environ(method, path, body=raw, headers=headers)
        status: list[str] = []
        started = time.process_time()
        answer = self.application(environ, lambda line, headers, *_: status.append(line))
        try:
            content = b"".join(answer)
        finally:
            answer.close()
        spent = self.cpu[kind]
        spent[0] += 1
        spent[1] += time.process_time() - started
        return int(status[0].split()[0]), json.loads(content) if content[:1] == b"{" else {}

    def cast(self, agents: int = 4, customers: int = 32) -> None:
        from frontdesk.accounts.models import User
        from frontdesk.accounts.services import user_set_role

        for i in range(agents):
            name = f"agent{i}"
            self._register(name)
            user = User.objects.get(username=name)
            user_set_role(actor=None, user=user, role="agent")
            _, answer = self.send(
                "login", "POST", "/login", {"username": name, "password": PASSWORD}
            )
            self.agents.append(answer["access_token"])
        for i in range(customers):
            name = f"customer{i}"
            token = self._register(name)
            user_id = User.objects.get(username=name).pk
            self.customers.append({"token": token, "id": user_id, "ticket": 0, "posted": 0})

    def _register(self, name: str) -> str:
        body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
        status, answer = self.send("register", "POST", "/register", body)
        if status != 200:
            sys.exit(f"register {name}: {status} {answer}")
        return str(answer["access_token"])

    def rounds(self, count: int) -> None:
        for turn in range(count):
            for customer in self.customers:
                self._customer(customer, turn)
            for token in self.agents:
                self._agent(token)

    def _customer(self, me: dict[str, Any], turn: int) -> None:
        token, send = me["token"], self.send
        if not me["ticket"]:
            body = {
                "ticket_title": f"Printer on floor {turn} is out of toner",
                "message": "The printer on our floor is out of toner again, can you help?",
            }
            _, answer = send("POST /ticket/new", "POST", "/ticket/new", body, token)
            me["ticket"], me["posted"] = answer["ticket_id"], 1
        else:
            body = {"message": f"Any news on this one? This is message {turn}."}
            send("POST /ticket/<id> message", "POST", f"/ticket/{me['ticket']}", body, token)
            me["posted"] += 1
        send("GET /get-open-tickets", "GET", f"/get-open-tickets/{me['id']}", None, token)
        status, answer = send("GET /get-ticket", "GET", f"/get-ticket/{me['ticket']}", None, token)
        send("GET /get-messages", "GET", f"/get-messages/{me['ticket']}", None, token)
        if status == 200 and answer["ticket_data"]["closed_at"] != -1:  # an agent closed it
            if self.rng.random() < 0.25:
                self._command("!open", me["ticket"], token)
                me["posted"] = 0
            else:
                me["ticket"] = 0
        elif me["posted"] >= 4:
            self._command("!close", me["ticket"], token)
            me["ticket"] = 0
        if turn % 10 == 0:
            send("GET /get-closed-tickets", "GET", f"/get-closed-tickets/{me['id']}", None, token)
            send("GET /get-profile", "GET", f"/get-profile/{me['id']}", None, token)

    def _agent(self, token: str) -> None:
        path = "/get-unclaimed-tickets"
        status, answer = self.send("GET /get-unclaimed-tickets", "GET", path, None, token)
        queue = answer.get("tickets", []) if status == 200 else []
        if not queue:
            return
        ticket = self.rng.choice(queue[:4])["ticket_id"]
        if self._command("!claim", ticket, token) != 200:
            return
        self.send("GET /get-messages", "GET", f"/get-messages/{ticket}", None, token)
        body = {"message": "Thanks for telling us, a new cartridge is on its way."}
        self.send("POST /ticket/<id> message", "POST", f"/ticket/{ticket}", body, token)
        self._command("!close", ticket, token)
        if self.rng.random() < 0.2:
            self._command("!open", ticket, token)
            self._command("!close", ticket, token)

    def _command(self, word: str, ticket: int, token: str) -> int:
        path = f"/ticket/{ticket}"
        return self.send(f"POST /ticket/<id> {word}", "POST", path, {"message": word}, token)[0]


def deliver_mails(profile: str | None) -> tuple[int, float]:
    """Deliver every mail still due, in the job worker's batches: (mails, CPU seconds)."""
    from frontdesk.notifications.delivery import outbox_deliver_promptly
    from frontdesk.notifications.models import OutboxMail

    due = list(
        OutboxMail.objects.filter(status=OutboxMail.Status.PENDING).values_list("pk", flat=True)
    )
    profiler = cProfile.Profile() if profile else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    for first in range(0, len(due), 20):
        outbox_deliver_promptly(mail_ids=due[first : first + 20])
    if profiler and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    return len(due), time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--chain", choices=("served", "whole"), default="served")
    parser.add_argument("--profile", metavar="FILE", help="cProfile of the measured rounds")
    parser.add_argument("--worker-profile", metavar="FILE", help="cProfile of the delivery")
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="fd-flow-cpu-")
    os.environ.update({**LOAD_TEST_ENV, "FRONTDESK_DATA_DIR": data_dir})
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import frontdesk.wsgi as served

    # "whole": every request through the whole middleware chain, as before decision 78.
    chain = getattr(served, "whole_chain", None) if args.chain == "whole" else None
    story = Story(chain or served.application)
    story.cast()
    story.rounds(10)  # warm: first-use imports, statement caches, compiled reads
    deliver_mails(None)  # and the warm rounds' mails, so that only the measured ones count
    story.cpu.clear()
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    story.rounds(args.rounds)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    requests = sum(int(count) for count, _ in story.cpu.values())
    seconds = sum(spent for _, spent in story.cpu.values())
    print(f"Web side, in process, chain: {args.chain}; load average {os.getloadavg()[0]:.1f}")
    print("| request | count | CPU ms | share |\n|---|---:|---:|---:|")
    for kind, (count, spent) in sorted(story.cpu.items(), key=lambda item: -item[1][1]):
        share = 100 * spent / seconds
        print(f"| {kind} | {int(count)} | {1000 * spent / count:.2f} | {share:.1f} % |")
    print(f"| **all** | {requests} | **{1000 * seconds / requests:.3f}** | |")
    mails, spent = deliver_mails(args.worker_profile)
    print(
        f"\nJob worker: {mails} mails, {1000 * spent / max(mails, 1):.2f} ms CPU per mail, "
        f"{1000 * spent / requests:.3f} ms per flow request"
    )


if __name__ == "__main__":
    main()
