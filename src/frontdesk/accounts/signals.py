"""Django's sign-in signals feed the session audit trail (connected in AccountsConfig)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from frontdesk.accounts import sessions
from frontdesk.accounts.models import User


@receiver(user_logged_in, dispatch_uid="frontdesk.session_signed_in")
def _signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None:
        sessions.session_signed_in(request, user)


@receiver(user_logged_out, dispatch_uid="frontdesk.session_signed_out")
def _signed_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    sessions.session_signed_out(request, user)


@receiver(user_login_failed, dispatch_uid="frontdesk.sign_in_failed")
def _sign_in_failed(
    sender: Any,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    # Sent by django.contrib.auth.authenticate(): the admin's sign-in form.
    sessions.sign_in_failed_record(
        username=str(credentials.get("username") or ""),
        client=sessions.ClientInfo.from_request(request),
    )
