"""Reads of accounts that every face shares."""

from __future__ import annotations

from contextlib import suppress

from django.utils.translation import gettext_noop

from frontdesk.accounts.models import Role, User
from frontdesk.core.errors import InvalidInput, NotFound
from frontdesk.core.ids import ID_MAX, parse_id

USER_NOT_FOUND = gettext_noop("User not found.")


def user_get(*, user_id: int) -> User:
    """Any account by id, System (id 0) included: its profile is public to signed-in users,
    as SupportMe's ``/get-profile`` shows it."""
    user = User.objects.filter(pk=user_id).first() if 0 <= user_id <= ID_MAX else None
    if user is None:
        raise NotFound(USER_NOT_FOUND)
    return user


def user_get_by_reference(reference: str) -> User:
    """A person (never System) by numeric id or by username, any case: what the command line
    and the staff's "new ticket" form accept."""
    query = User.objects.exclude(role=Role.SYSTEM)
    user = None
    with suppress(InvalidInput):  # not an id: a username
        user = query.filter(pk=parse_id(reference, field="user")).first()
    if user is None:
        user = query.filter(username__lower=reference.strip().lower()).first()
    if user is None:
        raise NotFound(
            gettext_noop("No user with id or username %(reference)s."),
            values={"reference": repr(reference)},
        )
    return user
