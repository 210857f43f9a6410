"""CPU of one ticket page and one REST ticket, in process: what a change to the page costs.

    FRONTDESK_DATA_DIR=/tmp/fd-look .venv/bin/python bench/ticket_page_cpu.py TICKET USER [N]

Signs ``USER`` (a demo account, password ``demo-password``) in through Django's test client
and reads ``/ticket/TICKET`` and ``/api/ticketing/tickets/TICKET/`` ``N`` times each (after 20
warm-up reads), printing the CPU time of this process per read (``time.process_time``: other
load on the machine counts little). To compare two versions, run the older code alternately
with the newer on the same data: ``PYTHONPATH=/tmp/before/src`` after
``git archive <rev> src | tar -x -C /tmp/before``.
"""

from __future__ import annotations

import logging
import os
import sys
import time

import django
from django.test import Client

PASSWORD = "demo-password"  # every demo account's (tickets/demo.py)
WARM_UP = 20


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontdesk.settings")
    django.setup()
    ticket, user = int(sys.argv[1]), sys.argv[2]
    reads = int(sys.argv[3]) if len(sys.argv) > 3 else 60
    logging.disable(logging.INFO)  # the request log would be most of the output
    client = Client(HTTP_HOST="localhost")
    if not client.login(username=user, password=PASSWORD):
        sys.exit(f"Could not sign in as {user!r} with the demo password.")
    for path in (f"/ticket/{ticket}", f"/api/ticketing/tickets/{ticket}/"):
        for _ in range(WARM_UP):
            status = client.get(path).status_code
            if status != 200:
                sys.exit(f"{path} answered {status}: is the ticket the user's to see?")
        started = time.process_time()
        for _ in range(reads):
            client.get(path)
        print(f"{path}: {1000 * (time.process_time() - started) / reads:.2f} ms CPU per read")


if __name__ == "__main__":
    main()
