"""How fast does the IMAP intake import a folder, and does a poller killed midway lose or
double anything?

    .venv/bin/python bench/mail_intake.py [--mails 10000] [--kill-at 0.4]

SQLite (the default: a fresh data directory in /tmp), or PostgreSQL with an empty database::

    createdb -h 127.0.0.1 -U postgres fd_bench_mail
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fd_bench_mail \\
        .venv/bin/python bench/mail_intake.py
    dropdb -h 127.0.0.1 -U postgres fd_bench_mail

Starts Debian's Dovecot on loopback with a throw-away configuration (tests/mailservers.py, the
tests' own fixture; ``scripts/ensure-services`` installs it), generates N mails (one in ten
without a Message-ID, so only the poller's own records can keep it from being imported twice)
and APPENDs them to a fresh mailbox. Then two runs, each as an operator would run it, with
``frontdesk mail-poll`` as a process of its own:

1. throughput: ``mail-poll --once`` over the full folder; mails per second (the wall time of
   the command, start-up included);
2. crash: the same number of mails in a second mailbox, ``mail-poll`` started, SIGKILLed once
   the given share is in the database, started again (it takes over the dead poller's lease at
   once); then every mail must be in the database exactly once and marked seen.

What the pipeline does with each mail (``mail.pipeline.mail_process``) is part of the time.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.mailservers: the Dovecot the tests use

from tests.mailservers import ImapAccount, dovecot_running  # noqa: E402

FRONTDESK = [sys.executable, "-m", "frontdesk.cli"]
APPEND_BATCH = 500
PARAGRAPH = (
    "Hello, my daughter is in the Tuesday ballet class and the studio door code did not work "
    "this morning. Could you tell us whether the class moved, and whether the fee for this "
    "month was received? We paid by bank transfer on the first.\r\n"
)


def generate(count: int, tag: str) -> list[bytes]:
    mails = []
    for n in range(count):
        message_id = f"Message-ID: <bench-{tag}-{n}@example.net>\r\n" if n % 10 else ""
        mails.append(
            (
                f"From: Parent {n} <parent{n % 997}@example.net>\r\n"
                "To: support@example.com\r\n"
                f"Subject: Question {n} about the class\r\n"
                f"Date: Wed, 02 Dec 2026 10:{n % 60:02d}:00 +0000\r\n"
                f"{message_id}"
                "MIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n"
                "\r\n" + PARAGRAPH * (1 + n % 5) + f"-- \r\nParent {n}\r\n"
            ).encode()
        )
    return mails


def deliver(account: ImapAccount, mails: list[bytes]) -> float:
    started = time.monotonic()
    client = account.client()
    try:
        for start in range(0, len(mails), APPEND_BATCH):
            client.multiappend("INBOX", mails[start : start + APPEND_BATCH])
    finally:
        client.logout()
    return time.monotonic() - started


def stored(source: str) -> Counter[str]:
    """How many times each raw (by hash) is in the database from this mailbox."""
    from frontdesk.mail.models import InboundMail

    rows = InboundMail.objects.filter(source=source).values_list("raw", flat=True)
    return Counter(hashlib.sha256(bytes(raw)).hexdigest() for raw in rows.iterator(2000))


def count(source: str) -> int:
    from frontdesk.mail.models import InboundMail

    return InboundMail.objects.filter(source=source).count()


def all_seen(account: ImapAccount) -> bool:
    client = account.client()
    try:
        client.select_folder("INBOX", readonly=True)
        return not client.search(["UNSEEN"])
    finally:
        client.logout()


def poll(env: dict[str, str], account: ImapAccount, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*FRONTDESK, "mail-poll", *args],
        env={**env, "FRONTDESK_IMAP_URL": account.url(batch="200")},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--kill-at", type=float, default=0.4, help="share imported, then SIGKILL")
    options = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="fd-bench-mail-"))
    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "frontdesk.settings",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    import django

    django.setup()
    database = os.environ.get("DATABASE_URL", "SQLite in " + str(data_dir))
    print(f"database: {database}")
    subprocess.run([*FRONTDESK, "migrate", "-v0"], env=env, check=True)

    try:
        run(options, env)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(options: argparse.Namespace, env: dict[str, str]) -> None:
    with dovecot_running() as dovecot:
        # 1. throughput
        first = dovecot.add_user()
        mails = generate(options.mails, "a")
        size = sum(map(len, mails))
        print(f"{len(mails)} mails, {size / len(mails):.0f} bytes each on average")
        print(f"APPEND into Dovecot: {deliver(first, mails):.1f} s")
        started = time.monotonic()
        process = poll(env, first, "--once")
        output = process.communicate()[0].decode()
        took = time.monotonic() - started
        if process.returncode != 0:
            sys.exit(f"mail-poll failed:\n{output}")
        print(output.strip())
        source = f"imap://{first.user}@127.0.0.1/INBOX"
        imported = stored(source)
        print(
            f"throughput: {len(mails)} mails in {took:.1f} s = {len(mails) / took:.0f} mails/s; "
            f"in the database {sum(imported.values())}, distinct {len(imported)}, "
            f"all seen: {all_seen(first)}"
        )

        # 2. killed midway, started again
        second = dovecot.add_user()
        mails = generate(options.mails, "b")
        deliver(second, mails)
        source = f"imap://{second.user}@127.0.0.1/INBOX"
        kill_at = int(len(mails) * options.kill_at) + 67  # not on a batch boundary
        process = poll(env, second, "--interval", "1")
        while count(source) < kill_at and process.poll() is None:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        at_kill = count(source)
        started = time.monotonic()
        restarted = poll(env, second, "--once")
        output = restarted.communicate()[0].decode()
        print(f"killed with {at_kill} imported; the restart: {output.strip()}")
        imported = stored(source)
        expected = Counter(hashlib.sha256(raw).hexdigest() for raw in mails)
        lost = sum((expected - imported).values())
        doubled = sum((imported - expected).values())
        print(
            f"crash: {len(mails)} mails, killed at {at_kill}, restart took "
            f"{time.monotonic() - started:.1f} s; in the database {sum(imported.values())}: "
            f"lost {lost}, doubled {doubled}, all seen: {all_seen(second)}"
        )
        if lost or doubled or restarted.returncode != 0:
            sys.exit("FAILED: the intake lost or doubled mail")


if __name__ == "__main__":
    main()
