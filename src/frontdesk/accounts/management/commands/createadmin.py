"""``frontdesk createadmin``: create an admin account (or reset an admin's password)."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.accounts.models import Role, User
from frontdesk.accounts.services import user_create_admin, user_set_password
from frontdesk.core.errors import DomainError


class Command(BaseCommand):
    help = "Create an admin account, or with --reset set a new password for an existing admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@localhost")
        parser.add_argument("--password", help="asked for when not given")
        parser.add_argument("--reset", action="store_true", help="reset an existing admin")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        password: str = options["password"] or self._ask_password()
        try:
            if options["reset"]:
                self._reset(username, password)
                self.stdout.write(f"Password of admin {username} changed.")
                return
            user = user_create_admin(username=username, email=options["email"], password=password)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Admin {user.username} (ID: {user.pk}) created.")

    def _ask_password(self) -> str:
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("Passwords do not match.")
        return first

    def _reset(self, username: str, password: str) -> None:
        user = User.objects.filter(username__lower=username.lower(), role=Role.ADMIN).first()
        if user is None:
            raise CommandError(f"There is no admin called {username!r}.")
        user_set_password(actor=None, user=user, new_password=password)
