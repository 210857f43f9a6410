"""Reads of accounts that every face shares."""

from __future__ import annotations

from contextlib import suppress

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from frontdesk.accounts.models import Role, User
from frontdesk.core.compiled import CompiledRead
from frontdesk.core.errors import InvalidInput, NotFound
from frontdesk.core.ids import ID_MAX, parse_id

USER_NOT_FOUND = gettext_noop("User not found.")


def user_get(*, user_id: int) -> User:
    """Any account by id, System (id 0) included: its profile is public to signed-in users,
    as SupportMe's ``/get-profile`` shows it."""
    found = _user_by_id(None, user_id) if 0 <= user_id <= ID_MAX else []
    if not found:
        raise NotFound(USER_NOT_FOUND)
    return found[0]


def _user_by_id_query(shape: None, user_id: int) -> QuerySet[User]:
    return User.objects.filter(pk=user_id)


# SupportMe's `/get-profile` on every page of its front end: compiled once (core/compiled.py);
# `.first()` built and compiled the query with its ORDER BY on each call, which made it twice
# the CPU of the API's other reads served (bench/README.md, "The floor").
_user_by_id = CompiledRead(_user_by_id_query)


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
