"""The whole way out, in real processes: a change commits in one process, `frontdesk worker`
(another process, its jobs in jobs.sqlite3 in the data directory) sends the mail, and a real
SMTP server accepts it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.mailservers import SmtpSink

CHANGE = """
from django.db import transaction
from frontdesk.accounts.models import User
from frontdesk.notifications.outbox import outbox_enqueue
from frontdesk.tickets import services
customer = User.objects.create_user(username="Maria", email="maria@parents.example",
                                    password="securepassword")
ticket = services.ticket_open(actor=customer, title="Tuesday class", body="Can she switch?").ticket
with transaction.atomic():
    mail = outbox_enqueue(kind="ticket_received", recipient=customer, ticket=ticket)
print(mail.message_id_header)
"""


def _frontdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "frontdesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_the_worker_sends_what_a_committed_change_wrote(
    smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("EMAIL_") and name not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        FRONTDESK_DATA_DIR=str(tmp_path),
        EMAIL_HOST=smtp_sink.host,
        EMAIL_PORT=str(smtp_sink.port),
        FRONTDESK_JOBS_IMMEDIATE="false",
    )
    _frontdesk(env, "migrate", "--verbosity", "0")
    message_id = _frontdesk(env, "shell", "--verbosity", "0", "--command", CHANGE).stdout.split()[
        -1
    ]
    assert smtp_sink.with_message_id(message_id) == []  # queued for the worker

    worker = subprocess.Popen(
        [sys.executable, "-m", "frontdesk.cli", "worker", "--no-periodic"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        arrived = smtp_sink.wait_for_message_id(message_id, timeout=60)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert arrived.envelope_to == ["maria@parents.example"]
    assert arrived.message["Auto-Submitted"] == "auto-generated"
