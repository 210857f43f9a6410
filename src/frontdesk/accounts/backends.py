"""Session sign-in for the pages and the admin, through the same rule as the JSON API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.db.models import QuerySet
from django.http import HttpRequest

from frontdesk.accounts.models import User
from frontdesk.core.compiled import CompiledRead


def _active_user_query(shape: None, user_id: int) -> QuerySet[User]:
    return User.objects.filter(pk=user_id, is_active=True)


# Every page asks for its session's user: compiled once (core/compiled.py), as the bearer
# token's user is; building and compiling this one read cost more than running it.
_active_user = CompiledRead(_active_user_query)


class UsernameOrEmailBackend(BaseBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        from frontdesk.accounts.services import user_check_credentials

        if username is None or password is None:
            return None
        return user_check_credentials(username=username, password=password)

    def get_user(self, user_id: int) -> User | None:
        found = _active_user(None, user_id) if isinstance(user_id, int) else []
        user = found[0] if found else None
        if user is None or user.is_system:
            return None
        return user
