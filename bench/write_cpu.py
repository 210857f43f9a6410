"""CPU per SupportMe write, in process: what each kind of write of the seed's story costs.

    .venv/bin/python bench/write_cpu.py [--requests 600] [--profile cumulative]
    PYTHONPATH=/path/to/older/checkout/src .venv/bin/python bench/write_cpu.py   # "before"

A fresh SQLite data directory, a customer with five tickets and an agent who claimed four of
them, then each kind of request through Django's WSGI handler with its bearer token, timed
with ``time.process_time`` (the CPU of this process, so other load on the machine counts
little; waiting for the disk's fsync does not count at all):

- ``post``: the customer's reply to a claimed ticket (tells the assignee),
- ``reply``: the agent's reply (tells the customer),
- ``close-open``: the agent's ``!close`` then ``!open`` (two requests),
- ``new``: the customer opens a ticket (tells every agent);

and first, for comparison, ``read``: ``GET /get-open-tickets`` (five tickets).

``--profile SORT`` prints a cProfile of each kind (CPU time), sorted by ``SORT``.
``--against-model-save`` times each kind in blocks of 40 requests, alternating new rows saved
through their compiled INSERT (``core.compiled.save_new``, decision 89) with ``Model.save``, so
that both are measured under the same load.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from _server import PASSWORD
from cpu_profile import PROFILE_ENV, Api, wsgi_sender

Send = Callable[[str, str, bytes, str], tuple[int, bytes]]


def _body(**fields: str) -> bytes:
    return json.dumps(fields).encode()


def prepare() -> dict[str, Callable[[int], None]]:
    """The desk, and one function per kind of request (called with a running count)."""
    from frontdesk.accounts.models import User
    from frontdesk.accounts.services import user_set_role

    send: Send = wsgi_sender()
    customer = Api(send)
    user_id, tickets = customer.prepare()
    agent = Api(send)
    signup = {"username": "agentcpu", "email": "agentcpu@example.com", "password": PASSWORD}
    agent.call("POST", "/register", signup)
    user_set_role(actor=None, user=User.objects.get(username="agentcpu"), role="agent")
    login = {"username": "agentcpu", "password": PASSWORD}
    agent.token = agent.call("POST", "/login", login)["access_token"]
    claimed = tickets[1:]
    for ticket in claimed:
        agent.call("POST", f"/ticket/{ticket}", {"message": "!claim"})

    def on(api: Api, ticket: int, message: str) -> None:
        status, answer = send("POST", f"/ticket/{ticket}", _body(message=message), api.token)
        if status != 200:
            sys.exit(f"POST /ticket/{ticket} {message!r} answered {status}: {answer[:200]!r}")

    def new(count: int) -> None:
        opening = _body(
            ticket_title=f"Printer on floor {count} is out of toner",
            message="The printer on our floor is out of toner again, can you help?",
        )
        send("POST", "/ticket/new", opening, customer.token)

    def close_open(count: int) -> None:
        ticket = claimed[count % len(claimed)]
        on(agent, ticket, "!close")
        on(agent, ticket, "!open")

    return {
        "read": lambda n: send("GET", f"/get-open-tickets/{user_id}", b"", customer.token),
        "post": lambda n: on(customer, claimed[n % 4], f"Any news on this one? Message {n}."),
        "reply": lambda n: on(agent, claimed[n % 4], "Thanks, a new cartridge is on its way."),
        "close-open": close_open,
        "new": new,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="timed requests per kind")
    parser.add_argument("--profile", metavar="SORT", help="print a cProfile sorted by SORT")
    parser.add_argument("--kinds", nargs="*", help="only these kinds")
    parser.add_argument(
        "--against-model-save",
        action="store_true",
        help="alternate save_new with Model.save, 40 requests each, 20 blocks",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fd-write-cpu-") as data_dir:
        # Replies and openings are rate limited per customer, and mail per recipient is
        # capped per day: a loop of writes is neither a flood nor a mailing.
        os.environ.update({**PROFILE_ENV, "FRONTDESK_DATA_DIR": data_dir, "LOG_LEVEL": "ERROR"})
        os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        kinds = prepare()
        print(f"CPU per request, in process (SQLite); load average {os.getloadavg()[0]:.1f}")
        for name, request in kinds.items():
            if args.kinds and name not in args.kinds:
                continue
            for count in range(50):  # warm: first-use imports, compiled statements
                request(count)
            if args.against_model_save:
                _against_model_save(name, request)
                continue
            start = time.process_time()
            for count in range(args.requests):
                request(count)
            per = (time.process_time() - start) * 1000 / args.requests
            print(f"  {name:11} {per:6.2f} ms CPU per request ({args.requests} requests)")
            if args.profile:
                profile = cProfile.Profile(time.process_time)
                profile.enable()
                for count in range(args.requests):
                    request(count)
                profile.disable()
                pstats.Stats(profile).sort_stats(args.profile).print_stats(40)


def _against_model_save(name: str, request: Callable[[int], None]) -> None:
    from frontdesk.core import compiled

    def model_save(instance: Any, *, using: str = "default") -> None:
        instance.save(using=using)

    ways = {"save_new": compiled.save_new, "Model.save": model_save}
    cpu = dict.fromkeys(ways, 0.0)
    count = 0
    for block in range(20):
        order = list(ways) if block % 2 == 0 else list(reversed(ways))
        for way in order:
            compiled.save_new = ways[way]  # type: ignore[assignment]
            start = time.process_time()
            for _ in range(40):
                request(count)
                count += 1
            cpu[way] += time.process_time() - start
    compiled.save_new = ways["save_new"]  # type: ignore[assignment]
    each = "  ".join(f"{way} {cpu[way] * 1000 / 400:6.2f} ms" for way in ways)
    print(f"  {name:11} {each} CPU per request (400 requests each, alternating)")


if __name__ == "__main__":
    main()
