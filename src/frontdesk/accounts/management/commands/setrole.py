"""``frontdesk setrole USER ROLE``: SupportMe's changeAccountType.py, scriptable."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.accounts.selectors import user_get_by_reference
from frontdesk.accounts.services import user_set_role
from frontdesk.accounts.tokens import ROLE_BY_ACCOUNT_TYPE
from frontdesk.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Change an account's role. USER is a user id or username (a number is taken as an id "
        "first); ROLE is customer, agent or admin (or SupportMe's account types 1, 2, 3)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="user id or username")
        parser.add_argument("role", help="customer, agent, admin (or 1, 2, 3)")

    def handle(self, *args: Any, user: str, role: str, **options: Any) -> None:
        role_name = role.strip().lower()
        if role_name.isdigit():
            mapped = ROLE_BY_ACCOUNT_TYPE.get(int(role_name))
            if mapped is None:
                raise CommandError(f"Unknown account type {role!r}: use 1, 2 or 3.")
            role_name = mapped
        try:
            account = user_get_by_reference(user)
            user_set_role(actor=None, user=account, role=role_name)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"User {account.username} (ID: {account.pk}) is now {account.get_role_display()}."
        )
