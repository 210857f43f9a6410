"""Session sign-in for the pages and the admin, through the same rule as the JSON API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from frontdesk.accounts.models import User


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
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None or user.is_system:
            return None
        return user
