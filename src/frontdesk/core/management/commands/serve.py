"""``frontdesk serve``: apply migrations, make sure an admin exists, and serve.

Each of N granian processes runs frontdesk.asgi: the browsers' live event streams on its event
loop, pages and APIs on a small pool of request threads (docs/decisions.md, 38). Beside them,
unless told otherwise, one background worker (``frontdesk worker``) runs the jobs; with
``--live-port``, the async live endpoint (``frontdesk serve-live``) also serves the streams on
a port of its own, for a proxy to route to. docs/deploy.md shows both profiles.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.accounts.models import Role, User
from frontdesk.accounts.services import user_create_admin
from frontdesk.core.backup import BackupError, safety_copy_before_migrating
from frontdesk.core.env import env_bool, env_int
from frontdesk.core.errors import InvalidInput
from frontdesk.core.lifecycle import (
    PORT_TAKEN,
    database_connections_close,
    die_with_parent,
    name_this_process_the_parent,
    port_taken,
)
from frontdesk.core.memory import return_large_blocks_to_the_system
from frontdesk.notifications.backends import mail_out_summary

ADMIN_PASSWORD_FILE = "initial_admin_password"  # noqa: S105 (a file name)
NEEDS_REDIS = (
    "{what} needs REDIS_URL: several processes share rate limits, presence and live updates "
    "through Redis. Set REDIS_URL (docs/deploy.md), or serve with one process."
)

MIGRATION_FAILED = "The database was not migrated (see above), so Frontdesk was not started."

# Ctrl+C or SIGTERM: the job worker and the live endpoint are told at once and get
# COMPANIONS_STOP_SECONDS (a job in progress finishes or is retried from the queue), the web
# workers meanwhile WEB_STOP_SECONDS; whatever is left is killed, so ``serve`` is gone within
# ten seconds even on a busy machine. Stopping one after the other took up to eight seconds
# before Python's own exit, and a loaded machine crossed ten.
WEB_STOP_SECONDS = 3
COMPANIONS_STOP_SECONDS = 5


class _Companions:
    """The children ``serve`` started beside the web server, stopped once, with a deadline
    counted from the moment they were told."""

    def __init__(self, children: list[subprocess.Popen[bytes]]) -> None:
        self.children = children
        self.told_at: float | None = None

    def tell_to_stop(self) -> None:
        if self.told_at is not None:
            return
        self.told_at = time.monotonic()
        for child in self.children:
            if child.poll() is None:
                child.terminate()

    def stop(self, *, within: float) -> None:
        self.tell_to_stop()
        assert self.told_at is not None
        deadline = self.told_at + within
        for child in self.children:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    def told_with_the_server(self) -> None:
        """Granian's ``on_startup`` hook, run once it has set its own handlers for Ctrl+C and
        SIGTERM: wrap them so that the companions hear the signal as the web workers do."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            granians = signal.getsignal(signum)
            if not callable(granians):
                continue

            def handler(number: int, frame: Any, granians: Any = granians) -> None:
                self.tell_to_stop()
                granians(number, frame)

            signal.signal(signum, handler)


class Command(BaseCommand):
    help = "Apply migrations and serve Frontdesk (pages, APIs, admin), with a background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("FRONTDESK_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=env_int("FRONTDESK_PORT", 8000))
        parser.add_argument(
            "--workers",
            type=int,
            default=env_int("FRONTDESK_WORKERS", 1, minimum=1),
            help="WSGI server processes (above 1 needs REDIS_URL)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=env_int("FRONTDESK_REQUEST_THREADS", 8, minimum=1),
            help="request threads per process (default 8); live-update streams take none",
        )
        parser.add_argument(
            "--live-port",
            type=int,
            default=env_int("FRONTDESK_LIVE_PORT", 0, minimum=0) or None,
            help="also start the async live endpoint on this port, for a proxy to send "
            "/live/events to (needs REDIS_URL)",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            default=not env_bool("FRONTDESK_SERVE_WORKER", True),
            help="do not start a background worker (run `frontdesk worker` elsewhere)",
        )
        parser.add_argument(
            "--no-migrate", action="store_true", help="skip applying migrations first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        if options["workers"] > 1 and not settings.REDIS_URL:
            raise CommandError(NEEDS_REDIS.format(what="--workers above 1"))
        if options["live_port"] and not settings.REDIS_URL:
            raise CommandError(NEEDS_REDIS.format(what="--live-port"))
        # Before migrating or starting any child: a second ``serve`` would otherwise run
        # beside the first on the same port (core/lifecycle.py).
        for port in (options["port"], options["live_port"]):
            if port and port_taken(options["host"], port):
                raise CommandError(PORT_TAKEN.format(host=options["host"], port=port))
        if not options["no_migrate"]:
            self._migrate_in_a_child()
        self._announce_admin()
        self.stdout.write(
            f"Frontdesk is at http://{options['host']}:{options['port']}/ "
            f"(data in {settings.DATA_DIR}). Stop with Ctrl+C."
        )
        self.stdout.write(mail_out_summary())
        self.stdout.flush()
        database_connections_close()
        return_large_blocks_to_the_system()
        name_this_process_the_parent()
        companions = _Companions(self._start_companions(options))
        try:
            self._serve(options, companions)
        finally:
            companions.stop(within=COMPANIONS_STOP_SECONDS)

    def _migrate_in_a_child(self) -> None:
        """Copy the database if migrations are pending, and migrate, in a forked child that
        then exits. What migrating allocates (the migration graph, each step's model states)
        would otherwise stay in this process's heap, and every web worker forked from it would
        start with it (docs/decisions.md, 77, has the numbers)."""
        self.stdout.flush()
        self.stderr.flush()
        database_connections_close()
        name_this_process_the_parent()
        pid = os.fork()
        if pid == 0:  # the child: migrate, say what went wrong, never return
            code = 1
            try:
                # Stopped with serve, as when it migrated itself: not left migrating alone.
                die_with_parent(signal.SIGTERM)
                self._copy_before_migrating()
                call_command("migrate", interactive=False, verbosity=0)
                code = 0
            except CommandError as exc:
                self.stderr.write(f"CommandError: {exc}")
            except BaseException:
                traceback.print_exc()
            finally:
                database_connections_close()
                self.stdout.flush()
                self.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise CommandError(MIGRATION_FAILED)

    def _copy_before_migrating(self) -> None:
        keep = env_int("FRONTDESK_MIGRATE_COPIES", 3, minimum=0)
        try:
            copy = safety_copy_before_migrating(keep)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if copy is not None:
            self.stdout.write(
                f"Migrations are pending, so the database was first copied to {copy} "
                f"(the last {keep} such copies are kept; FRONTDESK_MIGRATE_COPIES)."
            )

    def _start_companions(self, options: dict[str, Any]) -> list[subprocess.Popen[bytes]]:
        """The worker and the live endpoint, as child processes that stop with this one."""
        commands = []
        if not options["no_worker"]:
            commands.append(["worker"])
        if options["live_port"]:
            commands.append(
                ["serve-live", "--host", options["host"], "--port", str(options["live_port"])]
            )
        return [
            subprocess.Popen([sys.executable, "-m", "frontdesk.cli", *command])  # noqa: S603
            for command in commands
        ]

    def _serve(self, options: dict[str, Any], companions: _Companions) -> None:
        from granian import Granian
        from granian.constants import Interfaces

        if options["threads"] < 1:
            raise CommandError("--threads must be at least 1.")
        # Read by frontdesk.asgi in each server process.
        os.environ["FRONTDESK_REQUEST_THREADS"] = str(options["threads"])
        server = Granian(
            "frontdesk.asgi:application",
            address=options["host"],
            port=options["port"],
            # Django's handlers speak no lifespan protocol.
            interface=Interfaces.ASGINL,
            workers=options["workers"],
            respawn_failed_workers=True,
            # A web worker gets this long to finish its requests after Ctrl+C or SIGTERM, then
            # is killed: open live streams never finish by themselves (browsers reconnect).
            workers_kill_timeout=WEB_STOP_SECONDS,
        )
        server.on_startup(companions.told_with_the_server)
        server.serve()

    def _announce_admin(self) -> None:
        password_file = Path(settings.DATA_DIR) / ADMIN_PASSWORD_FILE
        if not User.objects.filter(role=Role.ADMIN).exists():
            password = secrets.token_urlsafe(12)
            try:
                user_create_admin(username="admin", email="admin@localhost", password=password)
            except InvalidInput:
                # A process started at the same moment made it (and says so), or a customer
                # already has the name.
                if not User.objects.filter(role=Role.ADMIN).exists():
                    self.stdout.write(
                        "There is no admin account and the name 'admin' is taken: create one "
                        "with `frontdesk createadmin --username NAME`."
                    )
                return
            fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(password + "\n")
            # Said once, when it is made: start-up output often ends up in logs kept for long.
            self.stdout.write(
                f"Sign in as an admin: username 'admin', password '{password}' "
                f"(kept in {password_file}; change it on the Profile page, then delete the file)."
            )
            return
        if password_file.exists():
            self.stdout.write(
                f"The first admin's password is in {password_file}: sign in as 'admin', change "
                "it on the Profile page, then delete the file."
            )
