"""``frontdesk serve``: apply migrations, make sure an admin exists, and serve.

Pages and APIs go through granian's WSGI server (see docs/decisions.md for why WSGI). The data
directory comes from FRONTDESK_DATA_DIR (default ./data).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from frontdesk.accounts.models import Role, User
from frontdesk.accounts.services import user_create_admin

ADMIN_PASSWORD_FILE = "initial_admin_password"  # noqa: S105 (a file name)


class Command(BaseCommand):
    help = "Apply migrations and serve Frontdesk (pages, SupportMe API, admin)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("FRONTDESK_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("FRONTDESK_PORT", "8000"))
        )
        parser.add_argument("--workers", type=int, default=1, help="server processes")
        parser.add_argument(
            "--threads",
            type=int,
            default=None,
            help="most threads per process (default: granian's, created on demand; each open "
            "live-update stream holds one)",
        )
        parser.add_argument(
            "--no-migrate", action="store_true", help="skip applying migrations first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        self._announce_admin()
        self.stdout.write(
            f"Frontdesk is at http://{options['host']}:{options['port']}/ "
            f"(data in {settings.DATA_DIR}). Stop with Ctrl+C."
        )
        if options["threads"] is None:
            self.stdout.write(
                "Every open page keeps a live-update stream on a thread of its own, so the "
                "server allows many threads; its warning about that is expected."
            )
        self.stdout.flush()
        from granian import Granian
        from granian.constants import Interfaces

        Granian(
            "frontdesk.wsgi:application",
            address=options["host"],
            port=options["port"],
            interface=Interfaces.WSGI,
            workers=options["workers"],
            blocking_threads=options["threads"],
        ).serve()

    def _announce_admin(self) -> None:
        password_file = Path(settings.DATA_DIR) / ADMIN_PASSWORD_FILE
        if not User.objects.filter(role=Role.ADMIN).exists():
            password = secrets.token_urlsafe(12)
            user_create_admin(username="admin", email="admin@localhost", password=password)
            fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(password + "\n")
        if password_file.exists():
            password = password_file.read_text().strip()
            self.stdout.write(
                f"Sign in as an admin: username 'admin', password '{password}' "
                f"(kept in {password_file}; change it on the Profile page, then delete the file)."
            )
